// The flows whose links come by email (tokens in the URL fragment):
// invitation (logged out → sign up → accept), email verification, password
// reset. Reads the emails from the outbox of a local `trackr serve`.
//   node flows.mjs http://127.0.0.1:5173 /tmp/webdev-data/outbox
// (the organization's plan must allow 2 seats: TRACKR_PLANS__FREE__MAX_SEATS=5)
import { chromium } from 'playwright-core';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const [base = 'http://127.0.0.1:5173', outbox = '/tmp/webdev-data/outbox'] = process.argv.slice(2);
const run = Date.now().toString(36);
const owner = { email: `own-${run}@example.com`, username: `own${run}`, password: 'correct horse battery staple' };
const bob = { email: `bob-${run}@example.com`, username: `bob${run}`, password: 'purple monkey dishwasher lamp' };

function tokenFor(address, path) {
  const files = readdirSync(outbox).map((f) => join(outbox, f)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  for (const f of files) {
    const raw = readFileSync(f, 'utf8');
    const text = raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
    if (!text.toLowerCase().includes(`to: ${address}`) && !text.includes(`<${address}>`)) continue;
    const m = new RegExp(`${path}#token=([0-9a-zA-Z_-]+)`).exec(text);
    if (m) return m[1];
  }
  throw new Error(`no ${path} email for ${address}`);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true });
let failed = false;
async function step(name, fn) {
  process.stdout.write(`- ${name} … `);
  try {
    await fn();
    console.log('ok');
  } catch (e) {
    failed = true;
    console.log('FAILED\n' + String(e).split('\n').slice(0, 5).join('\n'));
  }
}
const a = await (await browser.newContext()).newPage();
const b = await (await browser.newContext()).newPage();
for (const p of [a, b]) p.setDefaultTimeout(10_000);
const h1 = (p, name) => p.getByRole('heading', { level: 1, name }).waitFor();

await step('owner signs up, creates an organization, invites bob', async () => {
  await a.goto(`${base}/signup`);
  await a.getByLabel('Email').fill(owner.email);
  await a.getByLabel('Username').fill(owner.username);
  await a.getByLabel('Password').fill(owner.password);
  await a.getByRole('button', { name: 'Sign up' }).click();
  await a.getByLabel('Organization name').fill(`Team ${run}`);
  await a.getByRole('button', { name: 'Create organization' }).click();
  await h1(a, 'Add a site');
  await a.getByRole('link', { name: 'Team' }).click();
  await a.getByLabel('Email').fill(bob.email);
  await a.getByLabel('Role', { exact: true }).selectOption('ADMIN');
  await a.getByRole('button', { name: 'Invite' }).click();
  await a.getByText(`Invitation sent to ${bob.email}`).waitFor();
  await a.getByRole('button', { name: `Resend invitation to ${bob.email}` }).waitFor();
});
await step('owner verifies the email', async () => {
  await sleep(300);
  await a.goto(`${base}/verify-email#token=${tokenFor(owner.email, 'verify-email')}`);
  await a.getByText('Your email is verified').waitFor();
});
await step('bob opens the invitation logged out, signs up, and joins', async () => {
  await sleep(300);
  await b.goto(`${base}/invitations/accept#token=${tokenFor(bob.email, 'invitations/accept')}`);
  await h1(b, 'Accept invitation');
  await b.getByRole('link', { name: 'Sign up to accept' }).click();
  await b.getByLabel('Email').fill(bob.email);
  await b.getByLabel('Username').fill(bob.username);
  await b.getByLabel('Password').fill(bob.password);
  await b.getByRole('button', { name: 'Sign up' }).click();
  await b.getByText(/You joined/).waitFor();
  await b.getByRole('link', { name: /Go to Team/ }).click();
  await h1(b, 'Sites');
});
await step('owner sees bob and changes his role', async () => {
  await a.getByRole('link', { name: 'Continue to TrackR' }).click();
  await h1(a, 'Sites');
  await a.getByRole('link', { name: 'Team' }).click();
  await a.getByLabel(`Role of ${bob.username}`, { exact: true }).selectOption('VIEWER');
  await a.getByRole('button', { name: `Change role of ${bob.username}` }).click();
  await a.waitForFunction(() => !document.querySelector('button[aria-label^="Change role"]:not([disabled])'));
});
await step('bob, now a viewer, sees no API keys and leaves', async () => {
  await b.reload();
  await h1(b, 'Sites');
  if (await b.getByRole('link', { name: 'API keys' }).count()) throw new Error('viewer sees API keys');
  await b.getByRole('link', { name: 'Team' }).click();
  await b.getByRole('button', { name: 'Leave organization' }).click();
  await h1(b, 'Create an organization');
});
await step('password reset from a logged-out browser', async () => {
  const c = await (await browser.newContext()).newPage();
  await c.goto(`${base}/forgot-password`);
  await c.getByLabel('Email').fill(bob.email);
  await c.getByRole('button', { name: 'Send reset link' }).click();
  await c.getByText(/we sent it an email/).waitFor();
  await sleep(500);
  await c.goto(`${base}/reset-password#token=${tokenFor(bob.email, 'reset-password')}`);
  await c.getByLabel('New password', { exact: true }).fill('seven silver trumpets sing loudly');
  await c.getByLabel('Repeat the new password').fill('seven silver trumpets sing loudly');
  await c.getByRole('button', { name: 'Set new password' }).click();
  await c.getByText('Your password is changed').waitFor();
  await c.getByRole('link', { name: 'Log in' }).click();
  await c.getByLabel('Email').fill(bob.email);
  await c.getByLabel('Password').fill('seven silver trumpets sing loudly');
  await c.getByRole('button', { name: 'Log in' }).click();
  await h1(c, 'Create an organization');
});
await browser.close();
console.log(failed ? 'flows: FAILED' : 'flows: all steps passed');
process.exit(failed ? 1 : 0);
