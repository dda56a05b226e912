import { QueryClient } from '@tanstack/react-query';
import { Kind, type FieldNode, type OperationDefinitionNode } from '@0no-co/graphql.web';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SiteSettingsQuery } from './documents';
import { siteSettingsKey, siteSettingsQuery, siteSettingsVars, teamQuery } from './settingsQueries';

afterEach(() => vi.unstubAllGlobals());

/** The fields selected on `site` by the SiteSettings document, with their directives. */
function siteFields(): Map<string, string[]> {
  const ops = SiteSettingsQuery.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  expect(ops).toHaveLength(1);
  const site = ops[0]!.selectionSet.selections.find((s): s is FieldNode => s.kind === Kind.FIELD && s.name.value === 'site')!;
  const out = new Map<string, string[]>();
  for (const s of site.selectionSet!.selections) {
    if (s.kind !== Kind.FIELD) continue;
    out.set(
      s.name.value,
      (s.directives ?? []).map((d) => {
        const arg = d.arguments?.[0];
        const value = arg && arg.value.kind === Kind.VARIABLE ? `$${arg.value.name.value}` : '?';
        return `@${d.name.value}(${arg?.name.value}: ${value})`;
      }),
    );
  }
  return out;
}

describe('the site settings query', () => {
  it('asks for the share links, recipients and alerts only for owners and admins', () => {
    expect(siteSettingsVars('s1', 'o1', 'OWNER')).toEqual({ id: 's1', org: 'o1', manages: true });
    expect(siteSettingsVars('s1', 'o1', 'ADMIN').manages).toBe(true);
    expect(siteSettingsVars('s1', 'o1', 'VIEWER').manages).toBe(false);
    expect(siteSettingsVars('s1', 'o1', 'BILLING').manages).toBe(false);
    // Staff outside the organization.
    expect(siteSettingsVars('s1', 'o1', null).manages).toBe(false);
  });

  it('is one document: the settings and goals always, the lists refused to viewers under @include(if: $manages)', () => {
    const fields = siteFields();
    expect(fields.get('goals')).toEqual([]);
    for (const name of ['shareLinks', 'emailRecipients', 'trafficAlerts']) expect(fields.get(name)).toEqual(['@include(if: $manages)']);
    // Nothing else is left to a role check.
    expect([...fields].filter(([, d]) => d.length > 0).map(([n]) => n).sort()).toEqual(['emailRecipients', 'shareLinks', 'trafficAlerts']);
  });

  it('sends one request, with the role decided by the caller', async () => {
    const data = { site: { id: 's1', goals: [] }, organization: { id: 'o1' } };
    const fetch = vi.fn(async () => new Response(JSON.stringify({ data }), { status: 200 }));
    vi.stubGlobal('fetch', fetch);
    expect(await siteSettingsQuery('s1', 'o1', 'VIEWER').queryFn()).toEqual(data);
    expect(fetch).toHaveBeenCalledTimes(1);
    const body = JSON.parse((fetch.mock.calls[0] as unknown as [string, RequestInit])[1].body as string);
    expect(body.operationName).toBe('SiteSettings');
    expect(body.variables).toEqual({ id: 's1', org: 'o1', manages: false });
  });

  it("keys each role's answer apart, under the prefix the page's changes invalidate", async () => {
    const owner = siteSettingsQuery('s1', 'o1', 'OWNER').queryKey;
    const viewer = siteSettingsQuery('s1', 'o1', 'VIEWER').queryKey;
    expect(owner).not.toEqual(viewer);
    expect(owner.slice(0, 3)).toEqual(siteSettingsKey('s1'));
    expect(viewer.slice(0, 3)).toEqual(siteSettingsKey('s1'));
    const qc = new QueryClient();
    qc.setQueryData(owner, {});
    qc.setQueryData(viewer, {});
    qc.setQueryData(siteSettingsQuery('s2', 'o1', 'OWNER').queryKey, {});
    // A goal, share link, recipient or alert changed; a site update invalidates ['site', id].
    await qc.invalidateQueries({ queryKey: siteSettingsKey('s1') });
    expect(qc.getQueryState(owner)?.isInvalidated).toBe(true);
    expect(qc.getQueryState(viewer)?.isInvalidated).toBe(true);
    expect(qc.getQueryState(siteSettingsQuery('s2', 'o1', 'OWNER').queryKey)?.isInvalidated).toBe(false);
    qc.setQueryData(owner, {});
    await qc.invalidateQueries({ queryKey: ['site', 's1'] });
    expect(qc.getQueryState(owner)?.isInvalidated).toBe(true);
    qc.clear();
  });
});

describe('the team query', () => {
  it("is the team page's cache entry, which the settings' recipient suggestions share", () => {
    expect(teamQuery('o1').queryKey).toEqual(['team', 'o1']);
  });
});
