// A stand-in for `trackr serve` to look at the web app without the Rust
// server: serves api/assets/web (index.html for the app's routes) and answers
// /graphql with canned data by operation name. Not a test of the API.
//
//   node mock-server.mjs [port]     (default 8090)
import { createServer } from 'node:http';
import { readFileSync, existsSync, statSync } from 'node:fs';
import { join, extname, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../../api/assets/web');
const port = Number(process.argv[2] ?? 8090);
const APP = new Set(['', 'login', 'signup', 'forgot-password', 'reset-password', 'verify-email', 'invitations', 'orgs', 'account', 'finance']);
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

const ORG = 'a0000000-0000-4000-8000-000000000001';
const SITE = 'b0000000-0000-4000-8000-000000000001';
let loggedIn = process.env.MOCK_LOGGED_OUT ? false : true;
const role = process.env.MOCK_ROLE ?? 'OWNER';
const plan = { id: 'STARTER', name: 'Starter', monthlyEvents: 100000, maxSites: 5, maxSeats: 3, retentionDays: 365, recordingRetentionDays: 30 };
const plans = [
  { id: 'FREE', name: 'Free', monthlyEvents: 10000, maxSites: 1, maxSeats: 1, retentionDays: 30, recordingRetentionDays: null },
  plan,
  { id: 'GROWTH', name: 'Growth', monthlyEvents: 1000000, maxSites: 25, maxSeats: 10, retentionDays: 730, recordingRetentionDays: 90 },
  { id: 'BUSINESS', name: 'Business', monthlyEvents: 10000000, maxSites: null, maxSeats: null, retentionDays: 1825, recordingRetentionDays: 365 },
];
const user = { id: 'c0000000-0000-4000-8000-000000000001', username: 'ada', email: 'ada@example.com', name: 'Ada Lovelace', emailVerified: true, isStaff: true };
const orgRef = { id: ORG, name: 'Acme Analytics', slug: 'acme', viewerRole: role };
const series = Array.from({ length: 30 }, (_, i) => ({ at: `2026-11-${String(i + 1).padStart(2, '0')}T00:00:00Z`, visitors: Math.round(40 + 30 * Math.sin(i / 3) + i * 2) }));
const site = {
  id: SITE, domain: 'www.example.com', name: 'Example', timezone: 'Europe/Berlin', retentionDays: 365, retentionOverrideDays: null,
  honorDnt: true, requireConsent: false, recordingsEnabled: false, recordingSampleRate: 1, recordingMaxSeconds: 1800, recordingMaskAllText: false,
  allowedHostnames: ['shop.example.net'], createdAt: '2026-11-01T10:00:00Z',
};
let events = 0;

const answers = {
  Me: () => (loggedIn ? { me: { ...user, organizations: [orgRef, { id: 'a0000000-0000-4000-8000-000000000002', name: 'Second Org', slug: 'second', viewerRole: 'VIEWER' }] } } : unauth()),
  LogIn: (v) => (v.password === 'wrong' ? { __errors: [{ message: 'wrong email or password', extensions: { code: 'UNAUTHENTICATED' } }] } : ((loggedIn = true), { logIn: { user: { id: user.id } } })),
  SignUp: (v) => (v.password.length < 10 ? { __errors: [{ message: 'password: must be at least 10 characters', extensions: { code: 'BAD_USER_INPUT', field: 'password' } }] } : ((loggedIn = true), { signUp: { user: { id: user.id } } })),
  LogOut: () => ((loggedIn = false), { logOut: true }),
  Sites: () => ({ organization: { ...orgRef, plan: { id: plan.id, name: plan.name, maxSites: plan.maxSites }, sites: [
    { id: SITE, domain: site.domain, name: site.name, timezone: site.timezone, today: { visitors: 87 }, month: { visitors: 2315, pageviews: 6120 }, series },
    { id: 'b0000000-0000-4000-8000-000000000002', domain: 'blog.example.org', name: 'A blog with a rather long name to see wrapping', timezone: 'UTC', today: { visitors: 0 }, month: { visitors: 12 }, series: series.map((p) => ({ ...p, visitors: p.visitors % 3 })) },
  ] } }),
  SiteSettings: () => ({ site, organization: { id: ORG, viewerRole: role, plan: { id: plan.id, name: plan.name, retentionDays: plan.retentionDays, recordingRetentionDays: plan.recordingRetentionDays } } }),
  UpdateSite: (v) => (v.input.retentionOverrideDays > 365 ? { __errors: [{ message: "retentionOverrideDays: must be between 1 and the plan's 365 days", extensions: { code: 'BAD_USER_INPUT', field: 'retentionOverrideDays' } }] } : { updateSite: Object.assign(site, v.input) }),
  Installation: () => ({ site: { id: SITE, realtimeVisitors: 0, stats: { events: events++ > 1 ? 1 : 0 }, ingestIssues: [] } }),
  SiteName: () => ({ site: { id: SITE, domain: site.domain, name: site.name, timezone: site.timezone } }),
  RequestExport: () => ({ requestExport: 'd0000000-0000-4000-8000-000000000001' }),
  DeleteSiteData: () => ({ deleteSiteData: 'd0000000-0000-4000-8000-000000000002' }),
  Job: (v) => ({ job: { id: v.id, kind: v.id.endsWith('1') ? 'EXPORT' : 'DELETE_DATA', status: 'SUCCEEDED', progress: 1, error: null, result: { events: 120, files: 2 }, downloadUrls: v.id.endsWith('1') ? [`/exports/${v.id}/${v.id}.ndjson.gz?expires=1&sig=a`, `/exports/${v.id}/${v.id}.csv.gz?expires=1&sig=a`] : [], createdAt: '2026-11-30T10:00:00Z', updatedAt: '2026-11-30T10:01:00Z' } }),
  Team: () => ({ organization: { id: ORG, name: orgRef.name, viewerRole: role, plan: { id: plan.id, name: plan.name, maxSeats: plan.maxSeats }, members: [
    { role: 'OWNER', createdAt: '2026-11-01T10:00:00Z', user: { id: user.id, username: 'ada', name: 'Ada Lovelace', email: 'ada@example.com' } },
    { role: 'VIEWER', createdAt: '2026-11-02T10:00:00Z', user: { id: 'c0000000-0000-4000-8000-000000000002', username: 'bob', name: null, email: 'bob@example.com' } },
  ] } }),
  Invitations: () => ({ organization: { id: ORG, invitations: [{ id: 'i1', email: 'carol@example.com', role: 'ADMIN', createdAt: '2026-11-28T10:00:00Z', expiresAt: '2026-12-05T10:00:00Z', expired: false }] } }),
  ResendInvitation: () => ({ resendInvitation: true }),
  CancelInvitation: () => ({ cancelInvitation: true }),
  MyData: () => ({ myData: { user } }),
  OrgHeader: (v) => ({ organization: { id: v.id, name: 'Someone else', slug: 'else', viewerRole: null } }),
  InviteMember: (v) => (v.email.includes('@') ? { inviteMember: true } : { __errors: [{ message: 'email: is not an email address', extensions: { code: 'BAD_USER_INPUT', field: 'email' } }] }),
  ApiKeys: () => ({ organization: { id: ORG, viewerRole: role, apiKeys: [{ id: 'e0000000-0000-4000-8000-000000000001', name: 'CI dashboard', scopes: ['STATS_READ'], prefix: 'trk_k_1a2b3c4d', createdAt: '2026-11-20T10:00:00Z', lastUsedAt: null }] } }),
  CreateApiKey: (v) => ({ createApiKey: { secret: 'trk_k_1a2b3c4d5e6f7a8b9c0d', apiKey: { id: 'e0000000-0000-4000-8000-000000000002', name: v.name, scopes: v.scopes, prefix: 'trk_k_1a2b3c4d', createdAt: '2026-11-30T10:00:00Z', lastUsedAt: null } } }),
  Billing: () => ({ organization: { id: ORG, name: orgRef.name, viewerRole: role, plan, usage: { periodStart: '2026-11-01', events: 81234, limit: 100000, overQuota: false }, members: [{ role: 'OWNER' }, { role: 'VIEWER' }],
    subscription: null, invoices: [{ id: 'f1', stripeInvoiceId: 'in_123', status: 'paid', currency: 'eur', amountDue: 1900, amountPaid: 1900, periodStart: '2026-10-01T00:00:00Z', periodEnd: '2026-11-01T00:00:00Z', paidAt: '2026-10-01T00:00:00Z', hostedInvoiceUrl: null }] }, plans }),
  SiteCount: () => ({ organization: { id: ORG, sites: [{ id: SITE }, { id: 'x' }] } }),
  StartCheckout: () => ({ __errors: [{ message: 'billing is not configured on this server', extensions: { code: 'FORBIDDEN' } }] }),
  Reconciliation: (v) => ({ reconciliation: { month: v.month, comparedWithStripe: false, totals: [{ currency: 'eur', plan: 'starter', invoiced: 19000, paid: 17100, refunded: 0, activeSubscriptions: 10, mrr: 19000 }], discrepancies: [{ kind: 'invoice_status', organizationId: ORG, stripeId: 'in_9', detail: 'paid in Stripe, open here' }] } }),
  CreateSite: (v) => (v.domain.includes('.') ? { createSite: { id: SITE, domain: v.domain } } : { __errors: [{ message: 'domain: needs a dot, such as example.com', extensions: { code: 'BAD_USER_INPUT', field: 'domain' } }] }),
  CreateOrganization: (v) => ({ createOrganization: { ...orgRef, name: v.name } }),
};

function unauth() {
  return { __errors: [{ message: 'the token is invalid or has expired; log in again', extensions: { code: 'UNAUTHENTICATED' } }] };
}

createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/graphql' && req.method === 'POST') {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const { operationName, variables } = JSON.parse(body);
      const fn = answers[operationName];
      const data = fn ? fn(variables ?? {}) : { __errors: [{ message: `mock: no answer for ${operationName}`, extensions: { code: 'INTERNAL' } }] };
      const out = data.__errors ? { data: null, errors: data.__errors } : { data };
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'mock-1' });
      res.end(JSON.stringify(out));
    });
    return;
  }
  const first = url.pathname.split('/')[1] ?? '';
  let file = join(root, decodeURIComponent(url.pathname));
  if (url.pathname === '/graphql') file = join(root, 'graphiql.html');
  else if (!file.startsWith(root) || !existsSync(file) || statSync(file).isDirectory()) {
    if (!APP.has(first)) {
      res.writeHead(404).end('not found');
      return;
    }
    file = join(root, 'index.html');
  }
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-security-policy': file.endsWith('graphiql.html') ? CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'") : CSP });
  res.end(readFileSync(file));
}).listen(port, '127.0.0.1', () => console.log(`mock on http://127.0.0.1:${port}`));
