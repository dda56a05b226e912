// Drives the web app through its main flows in Chromium, by roles and
// labels, against a running TrackR (through `npm run dev` in web/, or the
// server itself once it embeds the app).
//   node smoke.mjs http://127.0.0.1:5173 [screenshot dir]
// Prints each step; exits non-zero at the first failure.
import { chromium } from 'playwright-core';

const base = process.argv[2] ?? 'http://127.0.0.1:5173';
const shots = process.argv[3];
const run = Date.now().toString(36);
const email = `ada-${run}@example.com`;
const username = `ada${run}`;
const password = 'correct horse battery staple';
const domain = `site-${run}.example.com`;

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true });
const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
const page = await ctx.newPage();
page.setDefaultTimeout(10_000);
page.on('pageerror', (e) => console.log('  page error:', String(e)));
const step = async (name, fn) => {
  process.stdout.write(`- ${name} … `);
  try {
    await fn();
    console.log('ok');
    if (shots) await page.screenshot({ path: `${shots}/smoke-${name.replace(/\W+/g, '_')}.png`, fullPage: true });
  } catch (e) {
    console.log('FAILED');
    console.log(String(e).split('\n').slice(0, 6).join('\n'));
    if (shots) await page.screenshot({ path: `${shots}/smoke-FAILED.png`, fullPage: true });
    await browser.close();
    process.exit(1);
  }
};
const h1 = (text) => page.getByRole('heading', { level: 1, name: text }).waitFor();

await step('logged out → /login with next', async () => {
  await page.goto(`${base}/orgs/x/team`);
  await h1('Log in');
  if (!page.url().includes('/login?next=')) throw new Error(`url ${page.url()}`);
});
await step('sign up: weak password shows field error', async () => {
  await page.getByRole('link', { name: 'Create an account' }).click();
  await h1('Create your account');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill('password12');
  await page.getByRole('button', { name: 'Sign up' }).click();
  const pw = page.getByLabel('Password');
  await page.waitForFunction(() => document.querySelector('input[name=password]')?.getAttribute('aria-invalid') === 'true');
  const describedBy = await pw.getAttribute('aria-describedby');
  if (!describedBy?.includes('error')) throw new Error('no aria-describedby error');
});
await step('sign up', async () => {
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await h1('Create an organization');
});
await step('create organization', async () => {
  await page.getByLabel('Organization name').fill(`Acme ${run}`);
  await page.getByRole('button', { name: 'Create organization' }).click();
  await h1('Add a site');
});
await step('create site: bad domain shows field error', async () => {
  await page.getByLabel('Domain').fill('localhost');
  await page.getByRole('button', { name: 'Create site' }).click();
  await page.locator('#' + (await page.getByLabel('Domain').getAttribute('id')).replace(/:/g, '\\:') + '-error').waitFor();
});
await step('create site', async () => {
  await page.getByLabel('Domain').fill(`https://${domain}/`);
  await page.getByRole('button', { name: 'Create site' }).click();
  await page.getByRole('heading', { level: 1, name: /Settings of/ }).waitFor();
});
await step('snippet options and copy', async () => {
  await page.getByLabel('Track outbound links').check();
  const text = await page.getByLabel('Script tag').textContent();
  if (!text.includes(`data-domain="${domain}"`) || !text.includes('data-outbound-links')) throw new Error(text);
  await page.getByRole('button', { name: 'Copy snippet' }).click();
  await page.getByText('Copied').waitFor();
});
await step('verify installation', async () => {
  await page.getByRole('button', { name: 'Verify installation' }).click();
  await page.getByText(/Waiting for the first event/).waitFor();
  const res = await fetch(new URL('/api/event', base), {
    method: 'POST',
    headers: { 'content-type': 'text/plain', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0' },
    body: JSON.stringify({ n: 'pageview', u: `https://${domain}/`, d: domain }),
  });
  if (res.status !== 202) throw new Error(`event: ${res.status} ${await res.text()}`);
  await page.getByText('Installation verified').waitFor({ timeout: 15_000 });
});
await step('retention override out of range', async () => {
  await page.getByLabel('Keep data for (days)').fill('5000');
  await page.getByRole('button', { name: 'Save retention' }).click();
  await page.getByText(/whole number of days/).waitFor();
  await page.getByLabel('Keep data for (days)').fill('7');
  await page.getByRole('button', { name: 'Save retention' }).click();
  await page.getByText('Saved').first().waitFor();
});
await step('sites list', async () => {
  await page.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: 'Sites' }).click();
  await h1('Sites');
  await page.getByRole('img', { name: /Daily visitors/ }).first().waitFor();
});
await step('data: export', async () => {
  await page.getByRole('link', { name: /^Data of/ }).first().click();
  await page.getByRole('heading', { level: 1, name: /Data of/ }).waitFor();
  await page.getByRole('button', { name: 'Request export' }).click();
  await page.getByRole('link', { name: 'Download NDJSON (gzip)' }).waitFor({ timeout: 20_000 });
});
await step('data: a bad visitor id is refused next to its field', async () => {
  await page.getByLabel('Visitor id (optional)').fill('abc');
  await page.getByRole('button', { name: 'Delete data' }).click();
  await page.getByRole('button', { name: 'Confirm deletion' }).click();
  await page.waitForFunction(() => document.querySelector('input[aria-invalid=true]'));
});
await step('data: delete a range', async () => {
  const del = page.getByRole('region', { name: 'Delete data' });
  await del.getByLabel('Visitor id (optional)').fill('');
  await del.getByLabel('From', { exact: true }).fill('2026-11-01');
  await del.getByLabel('To', { exact: true }).fill('2026-11-02');
  await del.getByRole('button', { name: 'Delete data' }).click();
  await del.getByRole('button', { name: 'Confirm deletion' }).click();
  await page.getByRole('region', { name: 'Requests' }).getByText('Deletion').waitFor();
});
await step('team: invite', async () => {
  await page.getByRole('link', { name: 'Team' }).click();
  await h1('Team');
  await page.getByLabel('Email').fill(`bob-${run}@example.com`);
  await page.getByRole('button', { name: 'Invite' }).click();
  await page.getByText(/Invitation sent|allows|seat/i).first().waitFor();
});
await step('API keys: create and revoke', async () => {
  await page.getByRole('link', { name: 'API keys' }).click();
  await h1('API keys');
  await page.getByLabel('Key name').fill('CI');
  await page.getByRole('button', { name: 'Create API key' }).click();
  await page.getByLabel('New API key').waitFor();
  await page.getByRole('button', { name: 'Revoke CI' }).click();
  await page.getByRole('button', { name: 'Confirm: revoke CI' }).click();
  await page.getByText('No API keys yet.').waitFor();
});
await step('billing', async () => {
  await page.getByRole('link', { name: 'Billing' }).click();
  await h1('Billing');
  await page.getByRole('button', { name: 'Upgrade to Starter' }).click();
  await page.getByRole('alert').waitFor();
});
await step('account: wrong current password', async () => {
  await page.getByRole('link', { name: /Account:/ }).click();
  await h1('Your account');
  const section = page.getByRole('region', { name: 'Password' });
  await section.getByLabel('Current password').fill('not my password at all');
  await section.getByLabel('New password', { exact: true }).fill('another horse battery staple');
  await section.getByLabel('Repeat the new password').fill('another horse battery staple');
  await section.getByRole('button', { name: 'Change password' }).click();
  await page.waitForFunction(() => [...document.querySelectorAll('input[aria-invalid=true]')].length > 0);
});
await step('log out, log in again, come back', async () => {
  await page.getByRole('button', { name: 'Log out' }).click();
  await h1('Log in');
  await page.goto(`${base}/account`);
  await h1('Log in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await h1('Your account');
});
await browser.close();
console.log('smoke: all steps passed');
