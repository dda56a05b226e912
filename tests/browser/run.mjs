// Drives Debian's Chromium against a page that loads TrackR's tracking script.
//
//   node run.mjs <spa|dnt|consent|auto|plausible|record|record-consent|record-minute> <pageUrl>
//
// record-minute is not a test: it keeps a visitor busy on the page for a
// minute (bench/recording.sh measures what that stores).
//
// The page URL looks like http://example.test:PORT/index.html; Chromium maps
// example.test to 127.0.0.1, so the page's hostname is the site's domain.
// Prints exactly one JSON line on stdout and exits 0, or explains on stderr
// and exits non-zero. CHROMIUM overrides the browser binary.
import { chromium } from 'playwright-core';

const [scenario, pageUrl] = process.argv.slice(2);
const SCENARIOS = ['spa', 'dnt', 'consent', 'auto', 'plausible', 'record', 'record-consent', 'record-minute'];
if (!SCENARIOS.includes(scenario) || !pageUrl) {
  console.error(`usage: node run.mjs <${SCENARIOS.join('|')}> <pageUrl>`);
  process.exit(2);
}

const DEADLINE_MS = 10_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const isEvent = (req) => req.method() === 'POST' && new URL(req.url()).pathname === '/api/event';
const isChunk = (req) => req.method() === 'POST' && new URL(req.url()).pathname === '/api/recording';

function fail(msg) {
  const err = new Error(msg);
  err.clean = true;
  throw err;
}

// Polls `cond` every 50 ms until it holds, or fails with `what()` after the deadline.
async function waitFor(cond, what) {
  const end = Date.now() + DEADLINE_MS;
  while (!cond()) {
    if (Date.now() > end) fail(`timed out after ${DEADLINE_MS} ms waiting for ${what()}`);
    await sleep(50);
  }
}

// Hard stop in case the browser itself hangs.
const WATCHDOG_S = scenario === 'record-minute' ? 150 : 60;
const watchdog = setTimeout(() => {
  console.error(`run.mjs: scenario '${scenario}' did not finish within ${WATCHDOG_S} s`);
  process.exit(3);
}, WATCHDOG_S * 1000);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--host-resolver-rules=MAP example.test 127.0.0.1',
  ],
});

let code = 0;
try {
  // Headless Chromium says "HeadlessChrome" in its user agent, which the
  // server rightly drops as automation; present as the desktop browser it is.
  const userAgent =
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
  const context = await browser.newContext(
    scenario === 'dnt' ? { userAgent, extraHTTPHeaders: { DNT: '1' } } : { userAgent },
  );
  if (scenario === 'dnt') {
    await context.addInitScript(() => {
      Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1' });
    });
  }
  const page = await context.newPage();

  const requests = []; // every POST /api/event, in order
  const responses = []; // their responses, in arrival order
  const chunks = []; // every POST /api/recording
  const chunkResponses = [];
  page.on('request', (req) => isEvent(req) && requests.push(req));
  page.on('response', (res) => isEvent(res.request()) && responses.push(res));
  page.on('request', (req) => isChunk(req) && chunks.push(req));
  page.on('response', (res) => isChunk(res.request()) && chunkResponses.push(res));
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && console.error(`page console: ${m.text()}`));

  const call = (...args) => page.evaluate((a) => window.trackr(...a), args);
  const push = (path) => page.evaluate((p) => history.pushState({}, '', p), path);
  const names = () =>
    requests.map((r) => {
      try {
        return JSON.parse(r.postData()).n;
      } catch {
        return null;
      }
    });

  const resp = await page.goto(pageUrl, {
    waitUntil: scenario === 'spa' || scenario === 'dnt' ? 'networkidle' : 'load',
    timeout: DEADLINE_MS,
  });
  if (!resp || !resp.ok()) fail(`could not load ${pageUrl}: HTTP ${resp && resp.status()}`);
  if (scenario !== 'plausible') {
    await page
      .waitForFunction(() => typeof window.trackr === 'function', null, { timeout: DEADLINE_MS })
      .catch(() => fail('window.trackr never appeared: did /js/script.js load?'));
  }

  let out;
  if (scenario === 'plausible') {
    // The official Plausible tracker on the page (pages/plausible.html): its
    // page view, a custom event with a property and revenue, a page left
    // (SPA navigation: the first page's engagement, then a page view), and
    // the page hidden (the second page's engagement).
    await page
      .waitForFunction(() => typeof window.plausibleTrack === 'function', null, { timeout: DEADLINE_MS })
      .catch(() => fail("window.plausibleTrack never appeared: did Plausible's tracker load?"));
    await waitFor(() => names().includes('pageview'), () => `a page view (got ${names()})`);
    await page.evaluate(() => window.plausibleTrack('Purchase', { props: { plan: 'pro' }, revenue: { amount: 12.5, currency: 'EUR' } }));
    await waitFor(() => names().includes('Purchase'), () => `the custom event (got ${names()})`);
    await push('/thanks');
    await waitFor(() => names().filter((n) => n === 'pageview').length === 2, () => `a second page view (got ${names()})`);
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await waitFor(() => names().includes('engagement'), () => `engagement (got ${names()})`);
    await waitFor(() => responses.length >= requests.length, () => 'answers to every request');
    await sleep(250);
    out = { names: names(), statuses: responses.map((r) => r.status()) };
  } else if (scenario === 'auto') {
    // The script's opt-in automatic events (pages/auto.html): a file
    // download, an internal link (nothing), a tagged button, a tagged
    // form's submission, and a 404.
    await waitFor(() => names().includes('pageview'), () => `a page view (got ${names()})`);
    for (const id of ['#pdf', '#internal', '#tagged', '#send']) await page.click(id);
    await call('404');
    await waitFor(() => requests.length >= 5, () => `5 requests (got ${names()})`);
    await waitFor(() => responses.length >= requests.length, () => 'answers to every request');
    await sleep(300);
    out = {
      names: names(),
      props: requests.map((r) => JSON.parse(r.postData()).p ?? null),
      statuses: responses.map((r) => r.status()),
    };
  } else if (scenario === 'record-minute') {
    await page
      .waitForFunction(() => typeof window.trackrRecorder === 'function', null, { timeout: DEADLINE_MS })
      .catch(() => fail('window.trackrRecorder never appeared: did /js/recorder.js load?'));
    await waitFor(() => chunks.length > 0, () => 'a first recording chunk');
    // A visitor reading, moving the mouse, scrolling and filling the form
    // for a minute: something every second.
    const end = Date.now() + 60_000;
    for (let i = 0; Date.now() < end; i++) {
      await page.mouse.move(50 + ((i * 97) % 700), 50 + ((i * 61) % 500), { steps: 8 });
      if (i % 3 === 0) await page.mouse.wheel(0, i % 2 ? 120 : -120);
      if (i % 5 === 0) await page.type('#notes', 'word ', { delay: 30 });
      if (i % 7 === 0) await page.click('#go');
      await sleep(1000);
    }
    await page.evaluate(() => window.trackrRecorder('flush'));
    await waitFor(() => chunkResponses.length >= chunks.length, () => 'answers to every chunk');
    out = { sent: chunks.length, statuses: chunkResponses.map((r) => r.status()) };
  } else if (scenario === 'record' || scenario === 'record-consent') {
    await page
      .waitForFunction(() => typeof window.trackrRecorder === 'function', null, { timeout: DEADLINE_MS })
      .catch(() => fail('window.trackrRecorder never appeared: did /js/recorder.js load?'));
    let beforeConsent = 0;
    if (scenario === 'record-consent') {
      await sleep(1500);
      beforeConsent = chunks.length;
      await call('consent', true);
    }
    await waitFor(() => chunks.length > beforeConsent, () => 'a first recording chunk (the full snapshot)');
    await page.type('#email', 'typed-text-xyz', { delay: 10 });
    await page.type('#password', 'hunter2-secret', { delay: 10 });
    await page.type('#notes', 'notes-typed-abc', { delay: 10 });
    await page.click('#go');
    await sleep(700);
    await page.evaluate(() => window.trackrRecorder('flush'));
    await waitFor(
      () => chunkResponses.length >= chunks.length && chunks.length >= 2,
      () => `answers to every recording chunk (${chunkResponses.length} of ${chunks.length})`,
    );
    await sleep(250);
    let whileRevoked = 0, resumed = 0;
    if (scenario === 'record-consent') {
      // Consent withdrawn: nothing more is sent; given again: recording resumes.
      await call('consent', false);
      await sleep(500);
      const afterRevoke = chunks.length;
      await page.click('#go');
      await sleep(1200);
      whileRevoked = chunks.length - afterRevoke;
      await call('consent', true);
      await waitFor(() => chunks.length > afterRevoke + whileRevoked, () => 'a chunk after consent was given again');
      await page.evaluate(() => window.trackrRecorder('flush'));
      await waitFor(() => chunkResponses.length >= chunks.length, () => 'answers to every chunk after consent');
      await sleep(250);
      resumed = chunks.length - afterRevoke - whileRevoked;
    }
    out = {
      beforeConsent,
      whileRevoked,
      resumed,
      sent: chunks.length,
      statuses: chunkResponses.map((r) => r.status()),
      sessionId: await page.evaluate(() => window.trackrRecorder.sessionId),
    };
  } else if (scenario === 'spa' || scenario === 'dnt') {
    await push('/pricing');
    await sleep(300);
    await push('/signup?plan=pro');
    await sleep(300);
    await call('signup', { props: { plan: 'pro' } });
    if (scenario === 'spa') {
      // Four events, and the engagement of each page left (issue 17).
      await waitFor(() => responses.length >= 6, () => `6 responses from /api/event (got ${responses.length}: ${names()})`);
      await sleep(250); // let any surplus request show up in the count
      out = { sent: responses.length, statuses: responses.map((r) => r.status()), names: names() };
    } else {
      await sleep(1500);
      out = { sent: requests.length };
    }
  } else {
    await sleep(500);
    await call('early');
    await call('consent', true);
    await call('late');
    await waitFor(() => responses.length >= 2, () => `2 responses from /api/event (got ${responses.length}: ${names()})`);
    await sleep(250);
    out = { sent: responses.length, names: names() };
  }
  console.log(JSON.stringify(out));
} catch (e) {
  console.error(`run.mjs ${scenario}: ${e.clean ? e.message : e.stack || e}`);
  code = 1;
} finally {
  await browser.close().catch(() => {});
  clearTimeout(watchdog);
}
process.exit(code);
