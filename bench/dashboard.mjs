// Opens a dashboard in Chromium RUNS times, each in a fresh context (cold
// cache, logged in beforehand), and prints the median time from navigation
// to each of the page's performance marks, the GraphQL requests it made and
// the JavaScript and CSS it loaded (transferred, and gzipped as
// bench/web-size.sh counts them).
//   node bench/dashboard.mjs BASE PATH RUNS
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';

const require = createRequire(new URL('../tests/browser/package.json', import.meta.url));
const { chromium } = require('playwright-core');
const [base, path, runs = '5'] = process.argv.slice(2);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
});
const userAgent =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

// Log in once; each run starts from this cookie in a new context.
const login = await browser.newContext({ userAgent });
const lp = await login.newPage();
await lp.goto(`${base}/login`);
await lp.getByLabel('Email').fill('bench@example.com');
await lp.getByLabel('Password').fill('benchmark password');
await lp.getByRole('button', { name: /log in/i }).click();
await lp.waitForURL((u) => !u.pathname.startsWith('/login'));
const state = await login.storageState();
await login.close();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const results = [];
for (let i = 0; i < Number(runs); i++) {
  const context = await browser.newContext({ userAgent, storageState: state, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  let graphql = 0;
  const assets = new Map();
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/graphql' && r.method() === 'POST') graphql++;
  });
  page.on('response', async (r) => {
    const u = new URL(r.url());
    if (/\.(js|css)$/.test(u.pathname)) {
      try {
        assets.set(u.pathname, await r.body());
      } catch {
        /* a redirect or aborted load has no body */
      }
    }
  });
  await page.goto(`${base}${path}`);
  await page.waitForFunction(() => performance.getEntriesByName('trackr:dashboard:ready').length > 0, null, {
    timeout: 60_000,
  });
  const marks = await page.evaluate(() =>
    Object.fromEntries(
      performance
        .getEntriesByType('mark')
        .filter((m) => m.name.startsWith('trackr:'))
        .map((m) => [m.name.replace('trackr:dashboard:', ''), Math.round(m.startTime)]),
    ),
  );
  const transferred = await page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .filter((r) => /\.(js|css)$/.test(new URL(r.name).pathname))
      .reduce((t, r) => t + r.transferSize, 0),
  );
  const gzipped = [...assets.values()].reduce((t, b) => t + gzipSync(b, { level: 9 }).length, 0);
  results.push({ marks, graphql, transferred, gzipped });
  await context.close();
}
await browser.close();

const names = Object.keys(results[0].marks);
const parts = names.map((n) => `${n} ${median(results.map((r) => r.marks[n] ?? NaN))} ms`);
console.log(`ready ${median(results.map((r) => r.marks.ready))} ms (median of ${results.length}; min ${Math.min(...results.map((r) => r.marks.ready))}, max ${Math.max(...results.map((r) => r.marks.ready))})`);
console.log(`marks: ${parts.join(', ')}`);
console.log(`GraphQL requests: ${Math.max(...results.map((r) => r.graphql))}`);
console.log(`JS + CSS: ${(median(results.map((r) => r.gzipped)) / 1024).toFixed(1)} KB gzipped, ${(median(results.map((r) => r.transferred)) / 1024).toFixed(1)} KB transferred (brotli)`);
