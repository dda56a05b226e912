// Screenshots the app's pages at 375 px and 1280 px in light and dark
// themes and runs axe-core on each; prints serious/critical violations and
// console errors (CSP included).
//   node look.mjs http://127.0.0.1:8090 /tmp/shots [path …]
import { chromium } from 'playwright-core';
import { readFileSync, mkdirSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const [base = 'http://127.0.0.1:8090', outDir = '/tmp/shots', ...only] = process.argv.slice(2);
const axe = readFileSync(resolve(here, '../../../web/node_modules/axe-core/axe.min.js'), 'utf8');
const pages = only.length ? only : [
  '/login', '/signup', '/forgot-password', '/reset-password#token=abc', '/verify-email#token=abc', '/invitations/accept#token=abc',
  '/orgs/acme/sites', '/orgs/acme/sites/new', '/orgs/acme/sites/b0000000-0000-4000-8000-000000000001/settings',
  '/orgs/acme/sites/b0000000-0000-4000-8000-000000000001/data', '/orgs/acme/team', '/orgs/acme/keys', '/orgs/acme/billing',
  '/orgs/acme/settings', '/account', '/finance', '/orgs/new',
];
mkdirSync(outDir, { recursive: true });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true });
let bad = 0;
for (const scheme of ['light', 'dark']) {
  for (const width of [375, 1280]) {
    const ctx = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: scheme, bypassCSP: true });
    const page = await ctx.newPage();
    const errors = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(String(e)));
    for (const p of pages) {
      errors.length = 0;
      await page.goto(base + p, { waitUntil: 'networkidle' });
      await page.waitForTimeout(300);
      const name = `${p.replace(/[^a-z0-9]+/gi, '_').slice(0, 60)}-${width}-${scheme}`;
      await page.screenshot({ path: `${outDir}/${name}.png`, fullPage: true });
      await page.addScriptTag({ content: axe }).catch(() => {});
      const result = await page.evaluate(async () => {
        // eslint-disable-next-line no-undef
        const r = await axe.run(document, { resultTypes: ['violations'] });
        return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')}`);
      }).catch((e) => [`axe failed: ${e}`]);
      const title = await page.title();
      const h1 = await page.locator('h1').allTextContents();
      const scrollW = await page.evaluate(() => document.documentElement.scrollWidth);
      const overflow = scrollW > width ? ` OVERFLOW ${scrollW}px` : '';
      if (result.length || errors.length || overflow) bad++;
      console.log(`${scheme} ${width} ${p} — "${title}" h1=${JSON.stringify(h1)}${overflow}${result.length ? `\n   axe: ${result.join('\n   axe: ')}` : ''}${errors.length ? `\n   console: ${errors.join('\n   console: ')}` : ''}`);
    }
    await ctx.close();
  }
}
await browser.close();
process.exit(bad ? 1 : 0);
