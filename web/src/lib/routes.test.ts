import { describe, expect, it } from 'vitest';
import { fragmentParam, isUuid, paths, resolveOrg, safeNext, searchParam } from './routes';

describe('safeNext', () => {
  it('keeps same-origin paths with query and fragment', () => {
    expect(safeNext('/orgs/acme/sites')).toBe('/orgs/acme/sites');
    expect(safeNext('/invitations/accept#token=abc')).toBe('/invitations/accept#token=abc');
    expect(safeNext('/x?y=1')).toBe('/x?y=1');
  });
  it('refuses other origins and odd values', () => {
    for (const bad of [null, undefined, '', 'https://evil.test/', '//evil.test', '/\\evil.test', 'javascript:alert(1)', '/a\nb']) {
      expect(safeNext(bad)).toBe('/');
    }
  });
});

describe('paths', () => {
  it('builds login links with next', () => {
    expect(paths.login()).toBe('/login');
    expect(paths.login('/')).toBe('/login');
    expect(paths.login('/invitations/accept#token=a b')).toBe('/login?next=%2Finvitations%2Faccept%23token%3Da%20b');
    expect(safeNext(searchParam('?next=%2Finvitations%2Faccept%23token%3Dabc', 'next'))).toBe('/invitations/accept#token=abc');
  });
  it('builds organization pages', () => {
    expect(paths.sites('acme')).toBe('/orgs/acme/sites');
    expect(paths.siteSettings('acme', 'id-1')).toBe('/orgs/acme/sites/id-1/settings');
    expect(paths.dashboard('acme', 'id-1')).toBe('/orgs/acme/sites/id-1');
    expect(paths.siteData('a b', 'x')).toBe('/orgs/a%20b/sites/x/data');
  });
  it("builds a site's funnels page, with its state", () => {
    expect(paths.funnels('acme', 'id-1')).toBe('/orgs/acme/sites/id-1/funnels');
    expect(paths.funnels('a b', 's/1', '?funnel=f1&period=7d')).toBe('/orgs/a%20b/sites/s%2F1/funnels?funnel=f1&period=7d');
  });
  it('builds the invoices CSV link of a month', () => {
    expect(paths.invoicesCsv('2026-11')).toBe('/finance/invoices.csv?month=2026-11');
  });
});

describe('fragmentParam', () => {
  it('reads the token of a fragment', () => {
    expect(fragmentParam('#token=abc123', 'token')).toBe('abc123');
    expect(fragmentParam('#a=1&token=x%2By', 'token')).toBe('x+y');
    expect(fragmentParam('', 'token')).toBeNull();
    expect(fragmentParam('#token=', 'token')).toBeNull();
  });
});

describe('resolveOrg', () => {
  const id = '0b6f5c1e-3a3b-4c1d-9e2f-1234567890ab';
  const orgs = [{ id, slug: 'acme', name: 'Acme' }];
  it('finds by slug or id', () => {
    expect(resolveOrg('acme', orgs)).toBe(orgs[0]);
    expect(resolveOrg(id, orgs)).toBe(orgs[0]);
  });
  it('passes other UUIDs through (staff) and refuses the rest', () => {
    const other = '11111111-2222-3333-4444-555555555555';
    expect(isUuid(other)).toBe(true);
    expect(resolveOrg(other, orgs)).toEqual({ id: other });
    expect(resolveOrg('nope', orgs)).toBeNull();
  });
});
