// Builds ../api/assets/recorder.js (served as GET /js/recorder.js) from
// src/recorder.js and rrweb's recorder: one minified IIFE, no imports.
//   cd tracker && npm ci && npm run build
import { build } from 'esbuild';

await build({
  entryPoints: ['src/recorder.js'],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2018'],
  legalComments: 'none',
  outfile: '../api/assets/recorder.js',
  banner: { js: '/* TrackR session recorder; includes the rrweb recorder (MIT licence). Built by tracker/build.mjs. */' },
});
