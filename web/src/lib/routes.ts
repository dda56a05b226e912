// The app's URLs. The server serves index.html for these first path
// segments only: '', login, signup, forgot-password, reset-password,
// verify-email, invitations, orgs, account, finance; and for a share
// link's page, /share/<slug> (lib/share.ts), from a route of its own.

const enc = encodeURIComponent;

export const paths = {
  home: () => '/',
  login: (next?: string) => (next && next !== '/' ? `/login?next=${enc(next)}` : '/login'),
  signup: (next?: string) => (next && next !== '/' ? `/signup?next=${enc(next)}` : '/signup'),
  forgotPassword: () => '/forgot-password',
  account: () => '/account',
  finance: () => '/finance',
  /** Served by the server, not the app: a month's invoices of every organization. */
  invoicesCsv: (month: string) => `/finance/invoices.csv?month=${enc(month)}`,
  newOrg: () => '/orgs/new',
  sites: (org: string) => `/orgs/${enc(org)}/sites`,
  newSite: (org: string) => `/orgs/${enc(org)}/sites/new`,
  dashboard: (org: string, site: string) => `/orgs/${enc(org)}/sites/${enc(site)}`,
  siteSettings: (org: string, site: string) => `/orgs/${enc(org)}/sites/${enc(site)}/settings`,
  siteData: (org: string, site: string) => `/orgs/${enc(org)}/sites/${enc(site)}/data`,
  /** `search` is a list state's query string (lib/recordings.ts), "" or "?…". */
  recordings: (org: string, site: string, search = '') => `/orgs/${enc(org)}/sites/${enc(site)}/recordings${search}`,
  recording: (org: string, site: string, session: string) =>
    `/orgs/${enc(org)}/sites/${enc(site)}/recordings/${enc(session)}`,
  /** `search` is a heatmap state's query string (lib/recordings.ts). */
  heatmaps: (org: string, site: string, search = '') => `/orgs/${enc(org)}/sites/${enc(site)}/heatmaps${search}`,
  /** `search` is a funnels state's query string (lib/funnels.ts), "" or "?…". */
  funnels: (org: string, site: string, search = '') => `/orgs/${enc(org)}/sites/${enc(site)}/funnels${search}`,
  team: (org: string) => `/orgs/${enc(org)}/team`,
  keys: (org: string) => `/orgs/${enc(org)}/keys`,
  billing: (org: string) => `/orgs/${enc(org)}/billing`,
  orgSettings: (org: string) => `/orgs/${enc(org)}/settings`,
};

/**
 * The `next` parameter of /login and /signup, made safe: only a path on
 * this origin ("/…", not "//…" nor "/\…"), else "/". Keeps query and
 * fragment (an invitation's token travels in the fragment).
 */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  if (/[\u0000-\u001f]/.test(next)) return '/';
  try {
    const url = new URL(next, 'http://app.invalid');
    if (url.origin !== 'http://app.invalid') return '/';
    return url.pathname + url.search + url.hash;
  } catch {
    return '/';
  }
}

/** Reads `key` from a URL fragment such as `#token=abc&x=1`. */
export function fragmentParam(hash: string, key: string): string | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const value = params.get(key);
  return value && value.trim() ? value.trim() : null;
}

/** Reads `key` from a query string such as `?next=/x`. */
export function searchParam(search: string, key: string): string | null {
  return new URLSearchParams(search.replace(/^\?/, '')).get(key);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(s: string): boolean {
  return UUID.test(s);
}

export interface OrgRef {
  id: string;
  slug: string;
}

/**
 * The organization a URL segment names: its slug (or id) among the user's
 * organizations. A UUID that is none of them is used as an id as is (staff
 * may read any organization); anything else is null.
 */
export function resolveOrg<T extends OrgRef>(segment: string, orgs: readonly T[]): T | { id: string } | null {
  const found = orgs.find((o) => o.slug === segment) ?? orgs.find((o) => o.id === segment);
  if (found) return found;
  return isUuid(segment) ? { id: segment } : null;
}
