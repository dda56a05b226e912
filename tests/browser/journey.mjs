// Drives Debian's Chromium through the web app, one step at a time, for
// tests/tests/app.rs: the Rust test runs the real server, reads the emails
// and plays Stripe between steps. A step's browser state (its cookies) is
// kept in a file, so a "person" carries on from one step to the next.
//
//   node journey.mjs <step> '<json arguments>'
//
// Every step takes {base, state} (the server's URL, the state file) and
// prints exactly one JSON line on stdout, or explains on stderr and exits
// non-zero. Console errors, page errors and Content-Security-Policy
// reports on the app's pages fail the step. CHROMIUM overrides the browser
// binary; SHOTS names a folder for screenshots.
import { launch, userAgent } from './chromium.mjs';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const [step, raw] = process.argv.slice(2);
const args = JSON.parse(raw ?? '{}');
const TIMEOUT = 15_000;

// A guard against a hang, not a measure of speed (that is bench/): the
// tour loads every page three times over, with a screenshot and axe each.
const WATCHDOG_S = step === 'tour' ? 300 : 90;
const watchdog = setTimeout(() => {
  console.error(`journey.mjs: step '${step}' did not finish within ${WATCHDOG_S} s`);
  process.exit(3);
}, WATCHDOG_S * 1000);

const browser = await launch();

const problems = [];
async function open(state, options = {}) {
  const context = await browser.newContext({
    userAgent,
    storageState: state && existsSync(state) ? state : undefined,
    viewport: options.viewport ?? { width: 1280, height: 900 },
    acceptDownloads: true,
    bypassCSP: options.bypassCSP ?? false,
    colorScheme: options.colorScheme ?? 'light',
  });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  watch(page);
  return { context, page };
}

function watch(page) {
  const base = args.base ?? '';
  page.on('console', (m) => {
    if (m.type() === 'error' && page.url().startsWith(base)) {
      const text = m.text();
      // A GraphQL answer the page shows as an error is not a bug of the page.
      if (!/Failed to load resource: the server responded with a status of 40[134]/.test(text)) {
        problems.push(`console: ${text}`);
      }
    }
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e}`));
}

async function save(context) {
  if (args.state) await context.storageState({ path: args.state });
}

function finish(result) {
  if (problems.length) throw new Error(problems.join('\n'));
  console.log(JSON.stringify(result));
}

const role = (page, kind, name) => page.getByRole(kind, { name });
const field = (page, label) => page.getByLabel(label, { exact: true });

// The page's own URL path, once it matches `pattern`.
async function landed(page, pattern) {
  await page.waitForURL(pattern);
  return new URL(page.url()).pathname;
}

const steps = {
  // Signs up from /signup (or from the sign-up link `next` leads to).
  async signup() {
    const { context, page } = await open(args.state);
    await page.goto(args.base + (args.path ?? '/signup'));
    await field(page, 'Email').fill(args.email);
    await field(page, 'Username').fill(args.username);
    await field(page, 'Password').fill(args.password);
    await role(page, 'button', /^Sign up$/).click();
    const path = await landed(page, (u) => !u.pathname.startsWith('/signup'));
    // No secret where page JavaScript can read it.
    const visible = await page.evaluate(() => ({
      cookie: document.cookie,
      local: JSON.stringify(localStorage),
      session: JSON.stringify(sessionStorage),
    }));
    await save(context);
    const cookies = await context.cookies();
    finish({ path, visible, cookies: cookies.map((c) => ({ name: c.name, httpOnly: c.httpOnly, sameSite: c.sameSite })) });
  },

  // Logs in with the keyboard only: Tab to each field, Enter to submit.
  async login() {
    const { context, page } = await open(args.state);
    await page.goto(args.base + (args.path ?? '/login'));
    const focused = () => page.evaluate(() => document.activeElement?.labels?.[0]?.textContent?.trim() ?? '');
    const tabTo = async (label) => {
      for (let i = 0; i < 20; i += 1) {
        await page.keyboard.press('Tab');
        if ((await focused()) === label) return;
      }
      throw new Error(`Tab never reached the field "${label}"`);
    };
    await tabTo('Email');
    await page.keyboard.type(args.email);
    await tabTo('Password');
    await page.keyboard.type(args.password);
    await page.keyboard.press('Enter');
    const path = await landed(page, (u) => !u.pathname.startsWith('/login'));
    await save(context);
    finish({ path });
  },

  async forgot() {
    const { page } = await open(args.state);
    await page.goto(args.base + '/forgot-password');
    await field(page, 'Email').fill(args.email);
    await role(page, 'button', /^Send reset link$/).click();
    const said = await page.getByRole('status').innerText();
    finish({ said });
  },

  // Sets a new password from the emailed link, then logs in with it.
  async reset() {
    const { context, page } = await open(args.state);
    await page.goto(args.link);
    await field(page, 'New password').fill(args.password);
    await field(page, 'Repeat the new password').fill(args.password);
    await role(page, 'button', /^Set new password$/).click();
    const said = await page.getByRole('status').innerText();
    await page.getByRole('link', { name: /^Log in$/ }).click();
    await field(page, 'Email').fill(args.email);
    await field(page, 'Password').fill(args.password);
    await role(page, 'button', /^Log in$/).click();
    // Home sends a member on to their organization.
    const path = await landed(page, (u) => u.pathname.startsWith('/orgs/'));
    await save(context);
    finish({ said, path });
  },

  // Opens a URL and waits for a text: an emailed link, a page to check.
  async visit() {
    const { context, page } = await open(args.state);
    await page.goto(args.url.startsWith('http') ? args.url : args.base + args.url);
    if (args.expect) await page.getByText(new RegExp(args.expect, 'i')).first().waitFor();
    const links = await page.getByRole('navigation').getByRole('link').allInnerTexts().catch(() => []);
    const text = await page.locator('main').innerText().catch(() => '');
    await save(context);
    finish({ path: new URL(page.url()).pathname, links, text });
  },

  // Creates an organization and its first site; copies the snippet.
  async 'create-site'() {
    const { context, page } = await open(args.state);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: args.base });
    await page.goto(args.base + '/orgs/new');
    await field(page, 'Organization name').fill(args.org);
    await role(page, 'button', /^Create organization$/).click();
    await landed(page, /\/orgs\/[^/]+\/sites\/new$/);
    await field(page, 'Domain').fill(args.domain);
    await role(page, 'button', /^Create site$/).click();
    const settings = await landed(page, /\/orgs\/[^/]+\/sites\/[^/]+\/settings$/);
    const shown = (await page.getByLabel('Script tag').innerText()).trim();
    await role(page, 'button', /Copy snippet/).click();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    await save(context);
    finish({ settings, org: settings.split('/')[2], site: settings.split('/')[4], shown, copied });
  },

  // "Verify installation", then a visit to the page carrying the snippet.
  async 'verify-install'() {
    const { context, page } = await open(args.state);
    await page.goto(args.base + args.settings);
    await role(page, 'button', /^Verify installation$/).click();
    const visitor = await context.newPage();
    await visitor.goto(args.testPage);
    await page.getByText('Installation verified').waitFor({ timeout: 30_000 });
    await save(context);
    finish({ verified: true });
  },

  // A second organization: switched to, renamed, deleted after typing
  // its name.
  async 'org-lifecycle'() {
    const { context, page } = await open(args.state);
    await page.goto(args.base + '/orgs/new');
    await field(page, 'Organization name').fill(args.name);
    await role(page, 'button', /^Create organization$/).click();
    await landed(page, /\/orgs\/[^/]+\/sites\/new$/);
    // The switcher lists both organizations and switches back and forth.
    await role(page, 'button', /^Switch organization/).click();
    const listed = await page.getByRole('link', { name: new RegExp(args.other) }).count();
    await page.keyboard.press('Escape');
    await page.goto(args.base + `/orgs/${new URL(page.url()).pathname.split('/')[2]}/settings`);
    const rename = page.locator('form', { has: page.getByRole('button', { name: /^Rename organization$/ }) });
    await rename.getByLabel('Organization name', { exact: true }).fill(args.renamed);
    await role(page, 'button', /^Rename organization$/).click();
    await page.getByRole('button', { name: /^Switch organization, current: / }).filter({ hasText: args.renamed }).waitFor();
    const remove = page.locator('form', { has: page.getByRole('button', { name: /^Delete organization$/ }) });
    const button = role(page, 'button', /^Delete organization$/);
    const disabledBeforeTyping = await button.isDisabled();
    await remove.getByRole('textbox').fill(args.renamed);
    await button.click();
    const path = await landed(page, (u) => !u.pathname.endsWith('/settings'));
    await save(context);
    finish({ listed, disabledBeforeTyping, path });
  },

  // Back and forward between pages of the app, and a reload, keep the URL
  // and the page.
  async history() {
    const { context, page } = await open(args.state);
    const heading = () => page.locator('h1').first().innerText();
    await page.goto(args.base + `/orgs/${args.org}/sites`);
    await page.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: 'Team' }).click();
    await landed(page, /\/team$/);
    const team = await heading();
    await page.goBack();
    await landed(page, /\/sites$/);
    const back = await heading();
    await page.goForward();
    await landed(page, /\/team$/);
    await page.reload();
    const reloaded = await heading();
    await save(context);
    finish({ team, back, reloaded, path: new URL(page.url()).pathname });
  },

  async logout() {
    const { context, page } = await open(args.state);
    await page.goto(args.base + '/account');
    await role(page, 'button', /^Log out$/).click();
    const path = await landed(page, /\/login/);
    await save(context);
    await page.goto(args.base + '/account');
    const after = await landed(page, /\/login/);
    finish({ path, after });
  },

  async invite() {
    const { context, page } = await open(args.state);
    await page.goto(args.base + `/orgs/${args.org}/team`);
    const form = page.locator('form', { has: page.getByRole('button', { name: /^Invite$/ }) });
    await form.getByLabel('Email', { exact: true }).fill(args.email);
    await form.getByLabel('Role', { exact: true }).selectOption(args.role);
    await role(page, 'button', /^Invite$/).click();
    await page.getByText(args.email).first().waitFor();
    await save(context);
    finish({ invited: args.email });
  },

  // The invitee opens the emailed link logged out, signs up from it, and
  // lands back on the invitation, which joins them.
  async accept() {
    const { context, page } = await open(args.state);
    await page.goto(args.link);
    await page.getByRole('link', { name: /sign up|create an account/i }).first().click();
    await field(page, 'Email').fill(args.email);
    await field(page, 'Username').fill(args.username);
    await field(page, 'Password').fill(args.password);
    await role(page, 'button', /^Sign up$/).click();
    const joined = await page.getByText(/You joined/).innerText();
    await page.getByRole('link', { name: /^Go to / }).click();
    const path = await landed(page, (u) => u.pathname.startsWith('/orgs/'));
    await save(context);
    finish({ joined, path });
  },

  async 'create-key'() {
    const { context, page } = await open(args.state);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: args.base });
    await page.goto(args.base + `/orgs/${args.org}/keys`);
    await field(page, 'Key name').fill(args.name);
    await role(page, 'button', /^Create API key$/).click();
    await role(page, 'button', /Copy API key/).click();
    const secret = await page.evaluate(() => navigator.clipboard.readText());
    await save(context);
    finish({ secret });
  },

  async 'revoke-key'() {
    const { context, page } = await open(args.state);
    await page.goto(args.base + `/orgs/${args.org}/keys`);
    await role(page, 'button', `Revoke ${args.name}`).click();
    await role(page, 'button', `Confirm: revoke ${args.name}`).click();
    await page.getByRole('listitem').filter({ hasText: args.name }).waitFor({ state: 'detached' });
    await save(context);
    finish({ revoked: args.name });
  },

  // "Upgrade": the browser goes to Stripe Checkout (answered here by a
  // stand-in page at Stripe's URL the server was given).
  async upgrade() {
    const { context, page } = await open(args.state);
    await context.route('https://checkout.stripe.test/**', (route) =>
      route.fulfill({ contentType: 'text/html', body: '<title>Stripe Checkout</title><h1>Checkout stand-in</h1>' }),
    );
    await page.goto(args.base + `/orgs/${args.org}/billing`);
    await role(page, 'button', new RegExp(`Upgrade to ${args.plan}`)).click();
    await page.waitForURL(/checkout\.stripe\.test/);
    await save(context);
    finish({ checkout: page.url() });
  },

  async export() {
    const { context, page } = await open(args.state);
    await page.goto(args.base + `/orgs/${args.org}/sites/${args.site}/data`);
    await role(page, 'button', /^Request export$/).click();
    const link = page.getByRole('link', { name: /download/i }).first();
    await link.waitFor({ timeout: 45_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const file = await download.path();
    const body = gunzipSync(readFileSync(file)).toString('utf8');
    await save(context);
    finish({ name: download.suggestedFilename(), bytes: statSync(file).size, lines: body.split('\n').filter(Boolean).length, first: body.split('\n')[0] });
  },

  // Changes the password in this browser; `other` (another browser of the
  // same user) is then logged out.
  async 'change-password'() {
    const { context, page } = await open(args.state);
    await page.goto(args.base + '/account');
    const form = page.locator('form', { has: page.getByRole('button', { name: /^Change password$/ }) });
    await form.getByLabel('Current password', { exact: true }).fill(args.current);
    await form.getByLabel('New password', { exact: true }).fill(args.next);
    const repeat = form.getByLabel('Repeat the new password', { exact: true });
    if (await repeat.count()) await repeat.fill(args.next);
    await role(page, 'button', /^Change password$/).click();
    await page.getByText(/password (was )?changed|new password is set/i).first().waitFor();
    const other = await open(args.other);
    await other.page.goto(args.base + '/account');
    const otherPath = await landed(other.page, /\/login/);
    await save(context);
    finish({ otherPath });
  },

  async 'delete-account'() {
    const { context, page } = await open(args.state);
    await page.goto(args.base + '/account');
    const form = page.locator('form', { has: page.getByRole('button', { name: /^Delete account$/ }) });
    await form.getByLabel(/password/i).fill(args.password);
    await role(page, 'button', /^Delete account$/).click();
    const path = await landed(page, (u) => !u.pathname.startsWith('/account'));
    await save(context);
    finish({ path });
  },

  // Every page at desktop and phone width: a screenshot, axe-core's
  // serious and critical violations, and how many GraphQL requests it made.
  async tour() {
    const axe = readFileSync(join(here, 'node_modules/axe-core/axe.min.js'), 'utf8');
    const shots = process.env.SHOTS ?? args.shots;
    if (shots) mkdirSync(shots, { recursive: true });
    const report = [];
    const looks = [[1280, 900, 'light'], [375, 812, 'light'], [1280, 900, 'dark']];
    for (const [width, height, colorScheme] of looks) {
      // axe is injected as a script: the one thing CSP is bypassed for.
      const { context, page } = await open(args.state, { viewport: { width, height }, bypassCSP: true, colorScheme });
      for (const [name, path] of args.pages) {
        let requests = 0;
        const started = Date.now();
        const count = (r) => { if (r.url().endsWith('/graphql') && r.method() === 'POST') requests += 1; };
        page.on('request', count);
        await page.goto(args.base + path, { waitUntil: 'networkidle' });
        await page.locator('h1').first().waitFor();
        await page.waitForTimeout(150);
        page.off('request', count);
        const look = colorScheme === 'dark' ? `${width}-dark` : `${width}`;
        if (shots) await page.screenshot({ path: join(shots, `${name}-${look}.png`), fullPage: true });
        await page.addScriptTag({ content: axe });
        const violations = await page.evaluate(async () => {
          const r = await globalThis.axe.run(document, { resultTypes: ['violations'] });
          return r.violations
            .filter((v) => v.impact === 'serious' || v.impact === 'critical')
            .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
        });
        const title = await page.title();
        report.push({ name, path, width, colorScheme, title, graphql: requests, violations, ms: Date.now() - started });
      }
      await context.close();
    }
    finish({ pages: report });
  },

  // A site's dashboard (args.org, args.site; the site has page views today):
  // the site name links to it, its state lives in the URL, a breakdown row
  // adds a filter, shortcuts change the range (not while typing), back and
  // forward step through the changes, and it loads with few requests.
  async dashboard() {
    const { context, page } = await open(args.state);
    await page.goto(args.base + `/orgs/${args.org}/sites`, { waitUntil: 'networkidle' });
    let requests = 0;
    page.on('request', (r) => {
      if (r.url().endsWith('/graphql') && r.method() === 'POST') requests += 1;
    });
    await page.locator('.site-name a').first().click();
    const path = await landed(page, new RegExp(`/orgs/[^/]+/sites/${args.site}$`));
    await role(page, 'button', /^Unique visitors/).waitFor();
    await page.waitForLoadState('networkidle');
    const onLoad = requests;
    // The top stats as shown, by their labels.
    const stats = {};
    for (const tile of await page.locator('.stat-tiles li').all()) {
      // textContent: the label's CSS capitalises what innerText reads.
      stats[(await tile.locator('.stat-label').textContent()).trim()] = (await tile.locator('.stat-value').textContent()).trim();
    }
    const rowCount = await page.locator('.bars button').count();
    await page.locator('#panel-sources-body .bars button').first().click();
    await page.getByRole('button', { name: /^Remove filter Source is / }).waitFor();
    const filtered = new URL(page.url()).search;
    await page.locator('body').click({ position: { x: 2, y: 2 } });
    await page.keyboard.press('d');
    await page.waitForURL(/period=day/);
    await role(page, 'tab', 'Operating systems').click();
    await page.waitForURL(/devices=os/);
    await page.goBack();
    await page.waitForURL((u) => !u.search.includes('devices=os'));
    const back = new URL(page.url()).search;
    await page.goForward();
    await page.waitForURL(/devices=os/);
    await role(page, 'combobox', 'Date range').selectOption('custom');
    await field(page, 'From').focus();
    await page.keyboard.press('w');
    const shortcutWhileTyping = new URL(page.url()).search.includes('period=7d');
    await page.reload();
    await role(page, 'tab', 'Operating systems').waitFor();
    const reloaded = {
      tab: await role(page, 'tab', 'Operating systems').getAttribute('aria-selected'),
      chips: await page.locator('.chip').count(),
      range: await role(page, 'combobox', 'Date range').inputValue(),
    };
    await save(context);
    finish({ path, onLoad, stats, rowCount, filtered, back, shortcutWhileTyping, reloaded });
  },

  // GraphiQL from the binary's own assets lists the schema.
  async graphiql() {
    const { page } = await open(args.state);
    await page.goto(args.base + '/graphql');
    await page.getByRole('button', { name: /documentation explorer|show documentation/i }).first().click();
    // The root types, then the Query type's fields, from introspection.
    await page.getByText('Mutation', { exact: true }).first().waitFor();
    await page.getByText('Organization', { exact: true }).first().waitFor();
    await page.getByRole('link', { name: 'Query', exact: true }).first().click();
    await page.getByText('organization', { exact: true }).first().waitFor();
    const text = await page.locator('body').innerText();
    finish({ listsQuery: /\bme\b/.test(text) && text.includes('plans'), listsMutation: text.includes('Mutation') });
  },
};

try {
  if (!steps[step]) {
    console.error(`usage: node journey.mjs <${Object.keys(steps).join('|')}> '<json>'`);
    process.exit(2);
  }
  await steps[step]();
} catch (e) {
  console.error(`journey.mjs ${step}: ${e.stack ?? e}`);
  if (process.env.SHOTS) {
    for (const ctx of browser.contexts()) {
      for (const [i, p] of ctx.pages().entries()) {
        await p.screenshot({ path: join(process.env.SHOTS, `failed-${step}-${i}.png`) }).catch(() => {});
      }
    }
  }
  process.exitCode = 1;
} finally {
  clearTimeout(watchdog);
  await browser.close();
}
