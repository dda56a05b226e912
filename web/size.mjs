// Prints the gzipped size of what each HTML page loads (its JS and CSS),
// from the build output, then of the lazy chunks listed below. The app
// shell budget is 150 KB gzipped, the dashboard route's 250 KB.
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
const report = (name, refs, budget) => {
  let total = 0;
  for (const ref of refs) {
    const gz = gzipSync(readFileSync(join(out, ref)), { level: 9 }).length;
    total += gz;
    console.log(`  ${ref}: ${(gz / 1024).toFixed(1)} KB gzipped`);
  }
  console.log(`${name}: ${(total / 1024).toFixed(1)} KB gzipped JS + CSS${budget !== Infinity ? ` (budget ${budget / 1024} KB)` : ''}`);
  if (total > budget) failed = true;
};
const shell = new Set();
for (const [page, budget] of [
  ['index.html', 150 * 1024],
  ['graphiql.html', Infinity],
]) {
  const html = readFileSync(join(out, page), 'utf8');
  const refs = assetsOf(html);
  if (page === 'index.html') refs.forEach((r) => shell.add(r));
  report(page, refs, budget);
}

// Lazy route chunks, beyond the shell: what opening them costs. The
// dashboard's budget is 250 KB; its world map loads only with the Map tab.
const assets = readdirSync(join(out, 'assets'));
function lazyChunk(prefix, loaded) {
  const js = assets.find((f) => f.startsWith(prefix) && f.endsWith('.js'));
  if (!js) return null;
  const refs = new Set([`/assets/${js}`]);
  const queue = [`/assets/${js}`];
  while (queue.length) {
    const code = readFileSync(join(out, queue.pop()), 'utf8');
    for (const m of code.matchAll(/(?:import|from)\s*"\.\/([^"]+\.js)"/g)) {
      const dep = `/assets/${m[1]}`;
      if (!refs.has(dep) && !loaded.has(dep)) {
        refs.add(dep);
        queue.push(dep);
      }
    }
  }
  for (const css of assets.filter((f) => f.startsWith(prefix) && f.endsWith('.css'))) refs.add(`/assets/${css}`);
  return [...refs].filter((r) => !loaded.has(r));
}
// Each chunk counts what the ones before it have not loaded yet.
const loaded = new Set(shell);
for (const [name, prefix, budget] of [
  ['dashboard route', 'DashboardPage-', 250 * 1024],
  ['dashboard world map (Map tab, after the dashboard)', 'WorldMap-', Infinity],
]) {
  const refs = lazyChunk(prefix, loaded);
  if (!refs) continue;
  report(name, refs, budget);
  refs.forEach((r) => loaded.add(r));
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
