// Drives Debian's Chromium through the site dashboard, its realtime view,
// recordings, player and heatmap, for tests/tests/dashboard.rs: the Rust
// test runs the real server and holds the model; each step reads what the
// page shows and prints one JSON line on stdout (or explains on stderr and
// exits non-zero).
//
//   node dashboard.mjs <step> '<json arguments>'
//
// Steps take {base, state} (the server's URL; a storage-state file with the
// session cookie; `share` uses none). Console errors, page errors and CSP
// reports on the app's pages fail the step. CHROMIUM overrides the browser
// binary.
import { launch, userAgent } from './chromium.mjs';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const [step, raw] = process.argv.slice(2);
const args = JSON.parse(raw ?? '{}');
const TIMEOUT = 20_000;

const watchdog = setTimeout(() => {
  console.error(`dashboard.mjs: step '${step}' did not finish within 120 s`);
  process.exit(3);
}, 120_000);

const browser = await launch();

const problems = [];
// `anonymous`: a fresh context without the session (a share link's
// visitor); `expected(message)`: console errors the step causes on purpose.
async function open(options = {}) {
  const context = await browser.newContext({
    userAgent,
    storageState: options.anonymous ? undefined : args.state || undefined,
    viewport: options.viewport ?? { width: 1280, height: 900 },
    bypassCSP: options.bypassCSP ?? false,
    colorScheme: options.colorScheme ?? 'light',
    acceptDownloads: true,
  });
  context.setDefaultTimeout(TIMEOUT);
  const page = await watched(context, options.expected);
  return { context, page };
}

// A new page of `context` whose console errors and page errors are problems.
async function watched(context, expected = () => false) {
  const page = await context.newPage();
  const base = args.base ?? '';
  page.on('console', (m) => {
    // A replay's frame is sandboxed without scripts on purpose: Chromium
    // reports every attempt to run one there (the sandbox doing its job).
    if (/^Blocked script execution in .* because the document's frame is sandboxed/.test(m.text())) return;
    if (m.type() === 'error' && expected(m)) return;
    if (m.type() === 'error' && base && page.url().startsWith(base)) problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e}`));
  return page;
}

function finish(result) {
  if (problems.length) {
    console.error(`dashboard.mjs: ${step}: problems on the page:\n${problems.join('\n')}`);
    process.exit(1);
  }
  console.log(JSON.stringify(result));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mark = (page, name) =>
  page.waitForFunction((n) => performance.getEntriesByName(n).length > 0, name, { timeout: TIMEOUT });
const num = (v) => (v === undefined || v === null || v === '' ? null : Number(v));

// The dataset of every element matching `selector` in `root`, numbers as
// numbers (the row contract: data-value, data-visitors, data-<measure>).
async function rows(root, selector = '[data-testid="row"]') {
  return root.locator(selector).evaluateAll((els) =>
    els.map((el) => {
      const out = {};
      for (const [k, v] of Object.entries(el.dataset)) {
        if (k === 'testid') continue;
        out[k] = k === 'value' || Number.isNaN(Number(v)) ? v : Number(v);
      }
      return out;
    }),
  );
}

// Waits for the dashboard to show its data, then reads every panel's rows.
async function panels(page) {
  await mark(page, 'trackr:dashboard:ready');
  await page.waitForFunction(() => !document.querySelector('.dash-body.updating, [aria-busy="true"]'));
  const out = {};
  for (const id of ['pages', 'sources', 'locations', 'devices', 'events']) {
    out[id] = await rows(page.locator(`[data-testid="panel-${id}"]`));
  }
  return out;
}

async function stats(page) {
  const out = {};
  for (const m of ['visitors', 'visits', 'pageviews', 'viewsPerVisit', 'bounceRate', 'visitDurationSeconds']) {
    const el = page.locator(`[data-testid="stat-${m}"]`);
    out[m] = { value: num(await el.getAttribute('data-value')), previous: num(await el.getAttribute('data-previous')) };
  }
  return out;
}

async function chart(page) {
  return page.locator('[data-testid="chart-table"] tr[data-at]').evaluateAll((trs) =>
    trs.map((tr) => ({ at: tr.dataset.at, value: Number(tr.dataset.value), previous: tr.dataset.previous === undefined ? null : Number(tr.dataset.previous) })),
  );
}

const steps = {
  // The dashboard against the model: stats, chart (visitors, then visits),
  // panels; a page row filters everything; back removes the filter.
  async model() {
    const { page } = await open();
    let requests = 0;
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/graphql' && r.method() === 'POST') requests += 1;
    });
    await page.goto(args.base + args.path);
    const shownPanels = await panels(page);
    const onLoad = requests;
    const shownStats = await stats(page);
    const visitorsChart = await chart(page);
    await page.locator('[data-testid="stat-visits"]').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="stat-visits"]')?.getAttribute('aria-pressed') === 'true');
    await page.waitForFunction(() => !document.querySelector('.dash-body.updating, [aria-busy="true"]'));
    const visitsChart = await chart(page);
    const pages = page.locator('[data-testid="panel-pages"]');
    await pages.locator(`[data-testid="row"][data-value="${args.filterPage}"]`).getByRole('button').first().click();
    await page.waitForURL((u) => u.search.includes('f='));
    await page.locator('[data-testid="filter-chip"]').first().waitFor();
    const filteredUrl = page.url();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="panel-pages"] [data-testid="row"]').length === 1);
    const filtered = await panels(page);
    const filteredVisitors = num(await page.locator('[data-testid="stat-visitors"]').getAttribute('data-value'));
    await page.goBack();
    await page.waitForURL((u) => !u.search.includes('f='));
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="filter-chip"]').length === 0);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="panel-pages"] [data-testid="row"]').length > 1);
    const back = await panels(page);
    finish({
      requests: onLoad,
      stats: shownStats,
      chart: visitorsChart,
      visitsChart,
      panels: shownPanels,
      filtered,
      filteredUrl,
      filteredVisitors,
      back,
      backUrl: page.url(),
    });
  },

  // Goals (issue 17): two added through the site settings' form (a page
  // goal, a revenue goal), then the dashboard's Goals tab read, a goal's
  // row clicked (the whole dashboard filtered by it), and axe-core on both
  // (injected: the CSP, checked by the other steps, is bypassed here).
  async goals() {
    const axe = readFileSync(join(here, 'node_modules/axe-core/axe.min.js'), 'utf8');
    const { page } = await open({ bypassCSP: true });
    const violations = [];
    await page.goto(args.base + args.settings + '#goals');
    const section = page.locator('section#goals');
    await section.getByRole('heading', { name: 'Add a goal' }).waitFor();
    for (const goal of args.goals) {
      await section.getByRole('radio', { name: goal.kind }).check();
      if (goal.pattern) await section.getByLabel('Page pattern').fill(goal.pattern);
      if (goal.event) await section.getByLabel('Event name').fill(goal.event);
      if (goal.currency) await section.getByLabel('Currency').selectOption(goal.currency);
      await section.getByLabel('Name (optional)').fill(goal.name);
      await section.getByRole('button', { name: 'Add goal' }).click();
      await page.getByRole('status').filter({ hasText: `Goal “${goal.name}” added` }).waitFor();
    }
    await section.locator(`li[data-testid="goal"]`).nth(args.goals.length - 1).waitFor();
    violations.push(...(await audit(page, axe, 'goals settings')));

    await page.goto(args.base + args.path);
    const panel = page.locator('[data-testid="panel-events"]');
    await mark(page, 'trackr:dashboard:ready');
    const tab = panel.getByRole('tab', { name: 'Goals' });
    if ((await tab.getAttribute('aria-selected')) !== 'true') await tab.click();
    await panel.locator('li[data-testid="goal-row"]').nth(args.goals.length - 1).waitFor();
    await page.waitForFunction(() => !document.querySelector('.dash-body.updating, [aria-busy="true"]'));
    const shown = await rows(panel, 'li[data-testid="goal-row"]');
    violations.push(...(await audit(page, axe, 'goals tab')));
    const first = args.goals[0].name;
    await panel.locator(`li[data-testid="goal-row"][data-value="${first}"]`).getByRole('button', { name: first }).click();
    await page.waitForURL((u) => u.search.includes('goal'));
    const chip = page.locator('[data-testid="filter-chip"][data-dimension="GOAL"]');
    await chip.waitFor();
    const chipText = (await chip.textContent()).trim();
    await page.waitForFunction(() => !document.querySelector('.dash-body.updating, [aria-busy="true"]'));
    const filtered = await stats(page);
    finish({ shown, chip: chipText, url: page.url(), filtered, violations });
  },

  // Funnels and properties (issue 17): a funnel made through the funnels
  // page's form and read step by step; the Events panel's Properties tab
  // read, a value clicked (the dashboard filtered by it); axe-core on the
  // funnels page (injected: the CSP is bypassed here).
  async insights() {
    const axe = readFileSync(join(here, 'node_modules/axe-core/axe.min.js'), 'utf8');
    const { page } = await open({ bypassCSP: true });
    const violations = [];
    await page.goto(args.base + args.funnels);
    const form = page.locator('form').filter({ has: page.getByRole('button', { name: 'Create funnel' }) });
    await form.getByLabel('Name').fill(args.funnel.name);
    for (let i = 0; i < args.funnel.steps.length; i++) {
      if (i >= 2) await form.getByRole('button', { name: 'Add step' }).click();
      await form.getByLabel(`Step ${i + 1} page pattern`).fill(args.funnel.steps[i]);
    }
    await form.getByRole('button', { name: 'Create funnel' }).click();
    await page.getByRole('status').filter({ hasText: `Funnel “${args.funnel.name}” created` }).waitFor();
    await page.waitForURL((u) => u.search.includes('funnel='));
    await page.goto(`${page.url()}&period=custom&from=${args.from}&to=${args.to}`);
    const report = page.locator('section[data-testid="funnel-report"]');
    await report.locator('li[data-testid="funnel-step"]').nth(args.funnel.steps.length - 1).waitFor();
    await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
    const steps = await rows(report, 'li[data-testid="funnel-step"]');
    violations.push(...(await audit(page, axe, 'funnels')));

    await page.goto(args.base + args.path);
    await mark(page, 'trackr:dashboard:ready');
    const panel = page.locator('[data-testid="panel-events"]');
    await panel.getByRole('tab', { name: 'Properties' }).click();
    await panel.getByTestId('property-key').selectOption(args.property);
    await page.waitForURL((u) => u.search.includes(`prop=${args.property}`));
    await page.waitForFunction(() => !document.querySelector('.dash-body.updating, [aria-busy="true"]'));
    await panel.locator('[data-testid="row"]').first().waitFor();
    const values = await rows(panel);
    await panel.locator(`[data-testid="row"][data-value="${args.value}"]`).getByRole('button').first().click();
    const chip = page.locator('[data-testid="filter-chip"][data-dimension="PROPERTY"]');
    await chip.waitFor();
    await page.waitForFunction(() => !document.querySelector('.dash-body.updating, [aria-busy="true"]'));
    const filtered = await stats(page);
    finish({ steps, values, chip: (await chip.textContent()).trim(), filtered, violations });
  },

  // The current visitors' count, then (once the Rust side, told through
  // the `ready` file, sent an event) the same count risen by itself, and
  // the realtime view's last 30 minutes.
  async realtime() {
    const { page } = await open();
    await page.goto(args.base + args.path);
    const count = page.locator('[data-testid="current-visitors"]');
    await count.waitFor();
    const before = num(await count.getAttribute('data-value'));
    writeFileSync(args.ready, String(before));
    await page.waitForFunction((b) => Number(document.querySelector('[data-testid="current-visitors"]')?.dataset.value) > b, before, {
      timeout: 90_000,
    });
    const after = num(await count.getAttribute('data-value'));
    await page.goto(args.base + args.path + '?period=realtime');
    const table = page.locator('[data-testid="realtime-table"] tr[data-at]');
    await table.first().waitFor({ state: 'attached' });
    const minutes = await table.evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.visitors)));
    finish({ before, after, minutes });
  },

  // A visitor on the test shop (no session: a stranger): types into the
  // form, clicks "Buy now" three times and elsewhere once, and waits for
  // every beacon and recording chunk to be answered.
  async visit() {
    const { page } = await open();
    let pending = 0, clicks = 0;
    const beacon = (r) => ['/api/event', '/api/recording'].includes(new URL(r.url()).pathname);
    page.on('request', (r) => {
      if (!beacon(r)) return;
      pending += 1;
      if (/"n":\s*"click"/.test(r.postDataBuffer()?.toString('utf8') ?? '')) clicks += 1;
    });
    page.on('response', (r) => beacon(r.request()) && (pending -= 1));
    page.on('requestfailed', (r) => beacon(r) && (pending -= 1));
    await page.goto(args.url);
    await page.waitForFunction(() => typeof window.trackrRecorder === 'function');
    await sleep(800);
    await page.type('#email', 'typed-text-xyz', { delay: 5 });
    await page.type('#password', 'hunter2-secret', { delay: 5 });
    const box = await page.locator('#buy').boundingBox();
    const buy = { x: box.x + 40, y: box.y + 20 };
    for (let i = 0; i < 3; i++) await page.mouse.click(buy.x, buy.y);
    await page.locator('#other').click();
    const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    await sleep(600);
    await page.evaluate(() => window.trackrRecorder('flush'));
    const end = Date.now() + 10_000;
    while ((pending > 0 || clicks < 4) && Date.now() < end) await sleep(100);
    await sleep(300);
    finish({ clicks, buy, scrollWidth });
  },

  // The recordings list shows the session; its player replays the page's
  // text, never what was typed.
  async player() {
    const { page } = await open();
    await page.goto(args.base + args.list);
    const row = page.locator(`[data-testid="recording-row"][data-session-id="${args.session}"]`);
    await row.waitFor();
    await row.getByRole('link').first().click();
    await page.waitForURL((u) => u.pathname.endsWith(`/recordings/${args.session}`));
    await mark(page, 'trackr:player:ready');
    const frame = page.frameLocator('[data-testid="player"] iframe').first();
    await frame.locator('h1').waitFor({ state: 'attached' });
    const text = await frame.locator('body').evaluate((b) => b.textContent ?? '');
    const inputs = await frame.locator('input').evaluateAll((els) => els.map((e) => e.value));
    // Play it through its typing: the inputs fill with what was recorded.
    await page.getByRole('button', { name: /^(Play|Replay)$/ }).click();
    const typed = () => frame.locator('input').evaluateAll((els) => els.filter((e) => e.value !== '').length);
    const end = Date.now() + 15_000;
    while ((await typed()) < 2 && Date.now() < end) await sleep(200);
    const later = await frame.locator('input').evaluateAll((els) => els.map((e) => e.value));
    const all = [text, ...inputs, ...later].join(' ');
    finish({
      listed: true,
      heading: text.includes('Visible heading for the replay'),
      secrets: ['typed-text-xyz', 'hunter2-secret'].filter((s) => all.includes(s)),
      masked: later.filter((v) => /^\*+$/.test(v)).length,
    });
  },

  // The heatmap's hottest cell (and its grid), drawn over the snapshot.
  async heatmap() {
    const { page } = await open();
    await page.goto(args.base + args.path);
    const hot = page.locator('[data-testid="heatmap-hottest"]');
    await hot.waitFor({ state: 'attached' });
    const overlay = page.locator('[data-testid="heatmap-overlay"]');
    // The replayed page comes with its own (lazy) chunk, maybe after the cells.
    const snapshot = await page
      .locator('.heat-snapshot iframe')
      .waitFor({ state: 'attached' })
      .then(() => true, () => false);
    finish({
      col: num(await hot.getAttribute('data-col')),
      row: num(await hot.getAttribute('data-row')),
      columns: num(await overlay.getAttribute('data-columns')),
      cellHeight: num(await overlay.getAttribute('data-cell-height')),
      snapshot,
    });
  },

  // A share link's page (issue 18), in a fresh context without the
  // session: with a password, a wrong one first (its alert's text), then
  // the right one; then the top stats, the link's name as the page shows
  // it, every link on the page (it leads nowhere), axe-core (injected: the
  // CSP is bypassed here) and the cookies the page's scripts see (the
  // unlock cookie is HttpOnly). With `embed` ({theme, background}), the
  // framable embed in the same browser: its body's colours and axe-core.
  async share() {
    const axe = readFileSync(join(here, 'node_modules/axe-core/axe.min.js'), 'utf8');
    // The wrong password's 401, on purpose.
    const expected = (m) => /\/share\/[^/]+\/unlock$/.test(m.location().url ?? '') && /status of 401/.test(m.text());
    const { context, page } = await open({ anonymous: true, bypassCSP: true, expected });
    const violations = [];
    const view = `period=custom&from=${args.from}&to=${args.to}`;
    const url = `${args.base}/share/${args.slug}?${view}`;
    await page.goto(url);
    let wrongAlert = null;
    if (args.password) {
      const field = page.getByLabel('Password', { exact: true });
      const submit = page.getByRole('button', { name: 'Open the dashboard' });
      await field.fill(`${args.password}-not-it`);
      await submit.click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      wrongAlert = (await alert.textContent()).trim();
      violations.push(...(await audit(page, axe, 'share password')));
      await field.fill(args.password);
      await submit.click();
    }
    await mark(page, 'trackr:dashboard:ready');
    await page.waitForFunction(() => !document.querySelector('.dash-body.updating, [aria-busy="true"]'));
    const shownStats = await stats(page);
    const title = (await page.getByTestId('share-title').textContent()).trim();
    const links = await page.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    violations.push(...(await audit(page, axe, 'share')));
    const cookieVisible = await page.evaluate(() => document.cookie);
    let embed;
    if (args.embed) {
      const look = new URLSearchParams({ embed: 'true' });
      if (args.embed.theme) look.set('theme', args.embed.theme);
      if (args.embed.background) look.set('background', args.embed.background);
      const framed = await watched(context, expected);
      await framed.goto(`${url}&${look}`);
      await mark(framed, 'trackr:dashboard:ready');
      await framed.waitForFunction(() => !document.querySelector('.dash-body.updating, [aria-busy="true"]'));
      await sleep(300);
      const colours = await framed.evaluate(() => {
        const style = getComputedStyle(document.body);
        return { background: style.backgroundColor, color: style.color };
      });
      embed = { ...colours, violations: await audit(framed, axe, `share embed ${look}`) };
    }
    finish({ stats: shownStats, title, links, violations, cookieVisible, wrongAlert, ...(embed ? { embed } : {}) });
  },

  // Share links (issue 18): the owner adds one through the site settings'
  // form ({name, password, origins}: a list, or one a line); the new
  // link's URL as its list shows it, every listed link's name, and
  // axe-core on the page (injected: the CSP is bypassed here).
  async 'share-links'() {
    const axe = readFileSync(join(here, 'node_modules/axe-core/axe.min.js'), 'utf8');
    const { page } = await open({ bypassCSP: true });
    await page.goto(args.base + args.path + '#share-links');
    const section = page.locator('section#share-links');
    const form = section.locator('form').filter({ has: page.getByRole('button', { name: 'Add share link' }) });
    await form.waitFor();
    await form.getByLabel('Name (optional)').fill(args.name);
    if (args.password) await form.getByLabel('Password (optional)').fill(args.password);
    const origins = Array.isArray(args.origins) ? args.origins.join('\n') : (args.origins ?? '');
    if (origins) await form.getByLabel('Allowed origins (optional)').fill(origins);
    await form.getByRole('button', { name: 'Add share link' }).click();
    const added = page.getByRole('status').filter({ hasText: `Share link “${args.name}” added` });
    const refused = form.locator('.field-error, .error-box');
    await Promise.race([added.waitFor(), refused.first().waitFor()]);
    if (!(await added.isVisible())) throw new Error(`the form refused the link: ${(await refused.allTextContents()).join(' | ')}`);
    const items = section.locator('li[data-testid="share-link"]');
    await page.waitForFunction((name) => [...document.querySelectorAll('li[data-testid="share-link"]')].some((el) => el.dataset.name === name), args.name);
    const listed = await items.evaluateAll((els) => els.map((el) => el.dataset.name));
    const url = (await items.nth(listed.indexOf(args.name)).getByTestId('share-link-url').textContent()).trim();
    const violations = await audit(page, axe, 'share links');
    finish({ url, listed, violations });
  },

  // Email reports and traffic alerts (issue 18): the owner adds a
  // recipient with weekly and alerts ticked through the site settings'
  // form ({email}), then sets the spike alert ({spikeThreshold} visitors
  // in 15 minutes, every 6 hours) and the silence alert ({silenceHours},
  // every 12 hours) through theirs. Returns the recipients and the alerts
  // as the page shows them after a reload (confirmed: no "Confirmation
  // pending" badge), the add form's note, and axe-core on the page
  // (injected: the CSP is bypassed here).
  async notifications() {
    const axe = readFileSync(join(here, 'node_modules/axe-core/axe.min.js'), 'utf8');
    const { page } = await open({ bypassCSP: true });
    await page.goto(args.base + args.path + '#email-reports');
    const section = page.locator('section#email-reports');
    const form = section.locator('form').filter({ has: page.getByRole('button', { name: 'Add recipient' }) });
    await form.waitFor();
    await form.getByLabel('Email address').fill(args.email);
    await form.getByLabel('Weekly report').setChecked(true);
    await form.getByLabel('Monthly report').setChecked(false);
    await form.getByLabel('Traffic alerts').setChecked(true);
    await form.getByRole('button', { name: 'Add recipient' }).click();
    const sent = form.getByRole('status').filter({ hasText: `A confirmation email was sent to ${args.email}` });
    const refused = form.locator('.field-error, .error-box');
    await Promise.race([sent.waitFor(), refused.first().waitFor()]);
    if (!(await sent.isVisible())) throw new Error(`the form refused the recipient: ${(await refused.allTextContents()).join(' | ')}`);
    const note = (await sent.textContent()).trim();
    await page.waitForFunction(
      (email) => [...document.querySelectorAll('li[data-testid="email-recipient"]')].some((el) => el.dataset.email === email),
      args.email,
    );

    const alertsSection = page.locator('section#traffic-alerts');
    const save = async (kind, threshold, everyHours) => {
      const alertForm = alertsSection.locator(`form[data-testid="traffic-alert"][data-kind="${kind}"]`);
      await alertForm.waitFor();
      await alertForm.getByRole('switch').setChecked(true);
      await alertForm.getByLabel(kind === 'SPIKE' ? 'Visitors in 15 minutes' : 'Hours without an event').fill(String(threshold));
      await alertForm.getByLabel('At most once every (hours)').fill(String(everyHours));
      await alertForm.getByRole('button', { name: /^Save / }).click();
      const saved = alertForm.getByRole('status').filter({ hasText: 'Saved' });
      const failed = alertForm.locator('.field-error, .error-box');
      await Promise.race([saved.waitFor(), failed.first().waitFor()]);
      if (!(await saved.isVisible())) throw new Error(`the ${kind} alert was refused: ${(await failed.allTextContents()).join(' | ')}`);
    };
    await save('SPIKE', args.spikeThreshold, 6);
    await save('SILENCE', args.silenceHours, 12);
    const violations = await audit(page, axe, 'notifications');

    // What the server kept, as the page shows it once loaded anew.
    await page.reload();
    await alertsSection.locator('form[data-testid="traffic-alert"]').first().waitFor();
    await section.locator('li[data-testid="email-recipient"]').first().waitFor();
    const recipients = await section.locator('li[data-testid="email-recipient"]').evaluateAll((els) =>
      els.map((el) => {
        const ticked = (label) => {
          const l = [...el.querySelectorAll('label')].find((x) => x.textContent.trim() === label);
          const input = l && document.getElementById(l.htmlFor);
          return input ? input.checked : null;
        };
        return {
          email: el.dataset.email,
          confirmed: !el.querySelector('[data-testid="recipient-pending"]'),
          weekly: ticked('Weekly report'),
          monthly: ticked('Monthly report'),
          alerts: ticked('Traffic alerts'),
        };
      }),
    );
    const alerts = await alertsSection.locator('form[data-testid="traffic-alert"]').evaluateAll((forms) =>
      forms
        .filter((f) => f.querySelector('[role="switch"]').checked)
        .map((f) => {
          const [threshold, everyHours] = [...f.querySelectorAll('input[type="number"]')].map((i) => Number(i.value));
          return { kind: f.dataset.kind, threshold, everyHours };
        }),
    );
    violations.push(...(await audit(page, axe, 'notifications reloaded')));
    finish({ recipients, note, alerts, violations });
  },

  // Screenshots of the dashboard (desktop, phone, dark) and axe-core's
  // serious and critical findings with its dialogs open.
  async shots() {
    const axe = readFileSync(join(here, 'node_modules/axe-core/axe.min.js'), 'utf8');
    mkdirSync(args.shots, { recursive: true });
    const violations = [];
    for (const [width, height, colorScheme] of [[1280, 900, 'light'], [375, 812, 'light'], [1280, 900, 'dark']]) {
      const { context, page } = await open({ viewport: { width, height }, bypassCSP: true, colorScheme });
      await page.goto(args.base + args.path);
      await mark(page, 'trackr:dashboard:ready');
      await sleep(300);
      const look = colorScheme === 'dark' ? `${width}-dark` : `${width}`;
      await page.screenshot({ path: join(args.shots, `dashboard-${look}.png`), fullPage: true });
      violations.push(...(await audit(page, axe, `dashboard ${look}`)));
      if (width === 1280 && colorScheme === 'light') {
        await page.getByRole('button', { name: 'Add filter' }).click();
        await page.getByRole('dialog', { name: 'Add filter' }).waitFor();
        violations.push(...(await audit(page, axe, 'filter dialog')));
        await page.screenshot({ path: join(args.shots, 'dashboard-filter.png') });
        await page.keyboard.press('Escape');
        await page.locator('[data-testid="panel-pages"]').getByRole('button', { name: 'Details' }).click();
        const dialog = page.getByRole('dialog', { name: /details/i });
        await dialog.locator('[data-testid="details-row"]').first().waitFor();
        violations.push(...(await audit(page, axe, 'details dialog')));
        await page.screenshot({ path: join(args.shots, 'dashboard-details.png') });
      }
      await context.close();
    }
    finish({ violations });
  },

  // Other pages: a screenshot each (desktop, phone, dark) and axe.
  async tour() {
    const axe = readFileSync(join(here, 'node_modules/axe-core/axe.min.js'), 'utf8');
    mkdirSync(args.shots, { recursive: true });
    const violations = [];
    for (const [width, height, colorScheme] of [[1280, 900, 'light'], [375, 812, 'light'], [1280, 900, 'dark']]) {
      const { context, page } = await open({ viewport: { width, height }, bypassCSP: true, colorScheme });
      for (const [name, path] of args.pages) {
        await page.goto(args.base + path, { waitUntil: 'networkidle' });
        await page.locator('h1').first().waitFor();
        await sleep(400);
        const look = colorScheme === 'dark' ? `${width}-dark` : `${width}`;
        await page.screenshot({ path: join(args.shots, `${name}-${look}.png`), fullPage: true });
        violations.push(...(await audit(page, axe, `${name} ${look}`)));
      }
      await context.close();
    }
    finish({ violations });
  },
};

async function audit(page, axe, label) {
  await page.addScriptTag({ content: axe });
  const found = await page.evaluate(async () => {
    const r = await globalThis.axe.run(document, { resultTypes: ['violations'] });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  });
  return found.map((v) => `${label}: ${v}`);
}

try {
  if (!steps[step]) throw new Error(`unknown step '${step}'`);
  await steps[step]();
} catch (e) {
  console.error(`dashboard.mjs: ${step}: ${e.stack ?? e}`);
  if (problems.length) console.error(problems.join('\n'));
  process.exitCode = 1;
} finally {
  clearTimeout(watchdog);
  await browser.close();
}
