// A session that ends while a page is open: the next page's query leads to /login?next=….
//   node session-expiry.mjs (against npm run dev on 5173)
import { chromium } from 'playwright-core';
const base = process.argv[2] ?? 'http://127.0.0.1:5173', run = Date.now().toString(36);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true });
const ctx = await browser.newContext(); const p = await ctx.newPage(); p.setDefaultTimeout(10000); p.on('pageerror', e => console.log('PAGEERROR', String(e).slice(0,400))); p.on('console', m => m.type()==='error' && console.log('CONSOLE', m.text().slice(0,300)));
await p.goto(base + '/signup');
await p.getByLabel('Email').fill(`x-${run}@example.com`); await p.getByLabel('Username').fill(`x${run}`); await p.getByLabel('Password').fill('correct horse battery staple');
await p.getByRole('button', { name: 'Sign up' }).click();
await p.getByLabel('Organization name').fill('Exp ' + run); await p.getByRole('button', { name: 'Create organization' }).click();
await p.getByRole('heading', { level: 1, name: 'Add a site' }).waitFor();
await ctx.clearCookies();
await p.getByRole('link', { name: 'Team' }).click();
await p.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
console.log('redirected to', p.url());
await browser.close();
