// Builds ../api/assets/recorder.js (served as GET /js/recorder.js) from
// src/recorder.js and rrweb's recorder: one minified IIFE, no imports.
//   cd tracker && npm ci && npm run build
// RECORDER_OUT=path writes elsewhere (the tests compare the two).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

await build({
  entryPoints: [here('src/recorder.js')],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2018'],
  legalComments: 'none',
  outfile: process.env.RECORDER_OUT || here('../api/assets/recorder.js'),
  banner: { js: '/* TrackR session recorder; includes the rrweb recorder (MIT licence). Built by tracker/build.mjs. */' },
});
