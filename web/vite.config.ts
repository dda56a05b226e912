import { defineConfig, type Plugin, type UserConfig } from 'vite';
import { resolve } from 'node:path';

// The app and GraphiQL are two separate builds into the same directory, so
// that no chunk is shared between them: `vite build` builds the app (and
// empties the output directory), `vite build --mode graphiql` adds GraphiQL.
// TRACKR_WEB_OUT overrides the output directory (the reproducibility test).
export const outDir = process.env.TRACKR_WEB_OUT
  ? resolve(process.env.TRACKR_WEB_OUT)
  : resolve(__dirname, '../api/assets/web');

// GraphiQL's stylesheet embeds its fonts as data: URLs, which the server's CSP
// (font-src falls back to default-src 'self') refuses anyway: drop them and
// let system fonts take over, saving ~260 KB.
const stripDataFonts: Plugin = {
  name: 'trackr-strip-data-fonts',
  enforce: 'pre',
  transform(code, id) {
    if (!/node_modules\/graphiql\/.*\.css$/.test(id.split('?')[0] ?? '')) return null;
    return { code: code.replace(/@font-face\s*\{[^}]*\}/g, ''), map: null };
  },
};

// TRACKR_DEV_BACKEND points the dev proxy at another `trackr serve`.
const backend = process.env.TRACKR_DEV_BACKEND || 'http://127.0.0.1:8000';
const proxy = { target: backend, changeOrigin: false };

export default defineConfig(({ mode }): UserConfig => {
  const graphiql = mode === 'graphiql';
  return {
    root: __dirname,
    base: '/',
    // The app's own public files (favicon) belong to the app build only.
    publicDir: graphiql ? false : 'public',
    plugins: graphiql ? [stripDataFonts] : [],
    // GraphiQL names its icons after their components' function names: keep them.
    esbuild: { jsx: 'automatic', legalComments: 'none', keepNames: graphiql },
    build: {
      outDir,
      emptyOutDir: !graphiql,
      target: 'es2020',
      modulePreload: { polyfill: false },
      assetsInlineLimit: 0,
      sourcemap: false,
      reportCompressedSize: false,
      chunkSizeWarningLimit: 2000,
      rollupOptions: {
        onwarn(warning, warn) {
          // TanStack Query marks its modules "use client" (React Server Components); irrelevant here.
          if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
          warn(warning);
        },
        input: graphiql
          ? { graphiql: resolve(__dirname, 'graphiql.html') }
          : { index: resolve(__dirname, 'index.html') },
        output: graphiql
          ? {
              entryFileNames: 'assets/graphiql-[hash].js',
              chunkFileNames: 'assets/graphiql-[name]-[hash].js',
              assetFileNames: 'assets/graphiql-[name]-[hash][extname]',
            }
          : {
              // rrweb's Replayer and what keeps replays within the CSP, which
              // the player and the heatmap's snapshot both load: one chunk.
              manualChunks: (id) => (/\/node_modules\/@rrweb\/replay\/.*\.js$|\/src\/recordings\/replayCsp\.ts$/.test(id) ? 'replayer' : undefined),
            },
      },
    },
    server: {
      port: 5173,
      strictPort: true,
      proxy: {
        '/graphql': proxy,
        '/js': proxy,
        '/api': proxy,
        '/exports': proxy,
        // The app's own /finance page stays with Vite; only the CSV goes through.
        '^/finance/invoices\\.csv': proxy,
        // A share link's page stays with Vite; its password goes through.
        '^/share/[^/]+/unlock$': proxy,
      },
    },
    test: {
      include: ['src/**/*.test.ts'],
      environment: 'node',
    },
  } as UserConfig;
});
