// The site settings page's query and the team's, as TanStack Query options
// shared by the pages that read them (one cache entry each).
//
// The settings page makes one request besides `me`: SiteSettings, with the
// site's settings, goals, and, for those who manage the site, its share
// links, email recipients and traffic alerts. The team's members (the add
// recipient form's suggestions) are asked for only when that form's
// address field is first focused.
import { can, type Role } from '../lib/permissions';
import { request } from './client';
import { SiteSettingsQuery, TeamQuery } from './documents';
import type { ResultOf, VariablesOf } from './graphql';
import { retryOnce } from './hooks';

export type SiteSettingsData = ResultOf<typeof SiteSettingsQuery>;
export type SiteSettingsVars = VariablesOf<typeof SiteSettingsQuery>;

/**
 * The prefix of the SiteSettings query's keys: what a change to the site,
 * its goals, share links, recipients or alerts invalidates.
 */
export function siteSettingsKey(siteId: string) {
  return ['site', siteId, 'settings'] as const;
}

/**
 * The variables of SiteSettings for a member with `role` (null: staff
 * outside the organization). Only owners and admins ask for the share
 * links, recipients and alerts: the API refuses them to the others.
 */
export function siteSettingsVars(siteId: string, orgId: string, role: Role | null | undefined): SiteSettingsVars {
  return { id: siteId, org: orgId, manages: can(role, 'manageSites') };
}

export function siteSettingsQuery(siteId: string, orgId: string, role: Role | null | undefined) {
  const vars = siteSettingsVars(siteId, orgId, role);
  return {
    // `manages` in the key: a role that changed asks anew, never reading
    // an answer without the lists it now shows (or with those it may not).
    queryKey: [...siteSettingsKey(siteId), { manages: vars.manages }] as const,
    queryFn: () => request(SiteSettingsQuery, vars),
    retry: retryOnce,
  };
}

/** The organization's members and plan: the team page, and the settings' recipient suggestions. */
export function teamQuery(orgId: string) {
  return {
    queryKey: ['team', orgId] as const,
    queryFn: async () => (await request(TeamQuery, { id: orgId })).organization,
    retry: retryOnce,
  };
}
