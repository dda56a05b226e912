// Prints the gzipped size of what each HTML page loads (its JS and CSS),
// from the build output. The app shell budget is 150 KB gzipped.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const out = process.env.TRACKR_WEB_OUT ? resolve(process.env.TRACKR_WEB_OUT) : resolve(here, '../api/assets/web');

function assetsOf(html) {
  const refs = new Set();
  for (const m of html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)) refs.add(m[1]);
  // Follow static imports of the entry chunks.
  const queue = [...refs].filter((r) => r.endsWith('.js'));
  while (queue.length) {
    const ref = queue.pop();
    const code = readFileSync(join(out, ref), 'utf8');
    for (const m of code.matchAll(/(?:import|from)\s*"\.\/([^"]+\.js)"/g)) {
      const dep = `/assets/${m[1]}`;
      if (!refs.has(dep)) {
        refs.add(dep);
        queue.push(dep);
      }
    }
  }
  return [...refs];
}

let failed = false;
for (const [page, budget] of [
  ['index.html', 150 * 1024],
  ['graphiql.html', Infinity],
]) {
  const html = readFileSync(join(out, page), 'utf8');
  let total = 0;
  for (const ref of assetsOf(html)) {
    const gz = gzipSync(readFileSync(join(out, ref)), { level: 9 }).length;
    total += gz;
    console.log(`  ${ref}: ${(gz / 1024).toFixed(1)} KB gzipped`);
  }
  console.log(`${page}: ${(total / 1024).toFixed(1)} KB gzipped JS + CSS${budget !== Infinity ? ` (budget ${budget / 1024} KB)` : ''}`);
  if (total > budget) failed = true;
}
// The app's lazy chunks (React.lazy routes, the player, the heatmap's
// replayer): what each loads beyond the app shell, from Vite's preload
// lists (`import("./X.js"),__vite__mapDeps([...])` and the table `m.f`).
{
  const shell = new Set(assetsOf(readFileSync(join(out, 'index.html'), 'utf8')));
  const lazy = new Map();
  for (const file of readdirSync(join(out, 'assets'))) {
    if (!file.endsWith('.js') || file.startsWith('graphiql')) continue;
    const code = readFileSync(join(out, 'assets', file), 'utf8');
    const table = /m\.f=\[([^\]]*)\]/.exec(code);
    if (!table) continue;
    const names = [...table[1].matchAll(/"([^"]+)"/g)].map((m) => `/${m[1]}`);
    for (const m of code.matchAll(/import\("\.\/([^"]+\.js)"\),__vite__mapDeps\(\[([\d,]*)\]\)/g)) {
      const deps = m[2].split(',').filter(Boolean).map((i) => names[Number(i)]);
      lazy.set(m[1], [`/assets/${m[1]}`, ...deps]);
    }
  }
  console.log('lazy chunks, beyond the app shell:');
  for (const [chunk, deps] of [...lazy].sort()) {
    let total = 0;
    for (const ref of new Set(deps)) if (!shell.has(ref)) total += gzipSync(readFileSync(join(out, ref)), { level: 9 }).length;
    console.log(`  ${chunk.replace(/-[\w-]{8}\.js$/, '')}: ${(total / 1024).toFixed(1)} KB gzipped JS + CSS`);
  }
}
process.exit(failed ? 1 : 0);
