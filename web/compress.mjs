// Writes X.gz (gzip level 9) and X.br (brotli quality 11) next to every
// .html/.js/.css/.svg/.json file of the build output, deterministically
// (zlib writes no timestamp or file name in the gzip header).
import { readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const out = process.env.TRACKR_WEB_OUT
  ? resolve(process.env.TRACKR_WEB_OUT)
  : resolve(here, '../api/assets/web');
const COMPRESSIBLE = /\.(html|js|css|svg|json)$/;

function walk(dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : [path];
    });
}

let count = 0;
for (const file of walk(out)) {
  if (!COMPRESSIBLE.test(file)) continue;
  const data = readFileSync(file);
  writeFileSync(`${file}.gz`, gzipSync(data, { level: 9 }));
  writeFileSync(
    `${file}.br`,
    brotliCompressSync(data, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    }),
  );
  count += 1;
}
console.log(`compress.mjs: ${count} files compressed in ${out}`);
