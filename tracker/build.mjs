// Builds ../api/assets/recorder.js (served as GET /js/recorder.js) from
// src/recorder.js and rrweb's recorder: one minified IIFE, no imports; and
// ../api/assets/script.js (GET /js/script.js), src/script.js minified.
//   cd tracker && npm ci && npm run build
// RECORDER_OUT=path and SCRIPT_OUT=path write elsewhere (the tests compare).
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

await build({
  entryPoints: [here('src/script.js')],
  bundle: false,
  minify: true,
  target: ['es2015'],
  legalComments: 'none',
  outfile: process.env.SCRIPT_OUT || here('../api/assets/script.js'),
  banner: { js: '/* TrackR tracking script: no cookies, no storage. Source: tracker/src/script.js. */' },
});
