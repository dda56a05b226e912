// The dashboard's two queries as TanStack Query options, shared by the
// page and by `prefetchDashboard`, which main.tsx calls before anything
// renders: on a dashboard URL the site, the dashboard's data and its chunk
// are then asked for beside `me`, not one after the other (a cold load was
// four round trips in a row: `me`, the chunk, the site for its time zone,
// the data). A share link's page (`/share/<slug>`) has its own first
// requests, `prefetchShare`'s: its chunk and `sharedSite` (never `me`).
import type { QueryClient } from '@tanstack/react-query';
import {
  apiFilter,
  comparisonOf,
  intervalFor,
  panelById,
  panelTab,
  parseState,
  rangeOf,
  siteToday,
  type DashState,
} from '../lib/dashboard';
import { reportFilters } from '../lib/segments';
import { shareSlug } from '../lib/share';
import { isVisitMeasure, panelMeasures } from '../lib/table';
import { request } from './client';
import { DashboardQuery, DashboardSiteQuery, SharedSiteQuery } from './dashboardDocuments';
import { retryOnce } from './hooks';
import type { VariablesOf } from './graphql';

/** Rows a panel shows. */
export const PANEL_ROWS = 10;
/** Countries asked for when the map is open: all of them. */
export const MAP_ROWS = 300;

export type DashboardVars = VariablesOf<typeof DashboardQuery>;

export function dashboardSiteQuery(siteId: string) {
  return {
    queryKey: ['dashboardSite', siteId],
    queryFn: async () => (await request(DashboardSiteQuery, { id: siteId })).site,
    retry: retryOnce,
  };
}

/** A share link's page: the link's name and its site (the request names the link: api/client.ts). */
export function sharedSiteQuery(slug: string) {
  return {
    queryKey: ['sharedSite', slug],
    queryFn: async () => (await request(SharedSiteQuery)).sharedSite,
    retry: retryOnce,
  };
}

/**
 * The variables of the Dashboard query for a view, or null when the view
 * asks for none (the realtime view, an invalid custom range). `today` is
 * the site's date now: the range, hence the query, depends on nothing else.
 * `shared`: a share link's page, which reads no segments (nor applies
 * one: the state's is ignored).
 */
export function dashboardVars(siteId: string, state: DashState, today: string, shared = false): DashboardVars | null {
  const range = rangeOf(state, today);
  if (!range || state.period === 'realtime') return null;
  const comparison = comparisonOf(state.compare);
  const pages = panelTab(panelById('pages'), state.tabs.pages).dim;
  const properties = state.tabs.events === 'PROPERTY';
  return {
    id: siteId,
    range,
    comparing: comparison !== null,
    comparison,
    statsComparison: comparison ?? 'PREVIOUS_PERIOD',
    interval: intervalFor(range, state.period),
    // The view's filters (a property's with its key) and its segment's (lib/segments.ts).
    filters: reportFilters(state.filters.map(apiFilter), shared ? null : state.segment),
    sources: panelTab(panelById('sources'), state.tabs.sources).dim,
    pages,
    locations: panelTab(panelById('locations'), state.tabs.locations).dim,
    locationsLimit: state.tabs.locations === 'MAP' ? MAP_ROWS : PANEL_ROWS,
    devices: panelTab(panelById('devices'), state.tabs.devices).dim,
    limit: PANEL_ROWS,
    // One more than shown: page views are among the event names, and left out.
    eventsLimit: PANEL_ROWS + 1,
    // Visit figures cost the server a scan of today's visits: asked for
    // only where a panel shows them (entry and exit pages).
    pageVisits: panelMeasures(pages).some(isVisitMeasure),
    // Goals' conversions only while their tab shows them (custom events then not).
    goalsTab: state.tabs.events === 'GOALS',
    eventsTab: state.tabs.events === 'EVENT_NAME',
    // Property keys and values only while their tab shows them. Without a
    // key in the URL, the page names the first of the keys it was answered
    // (DashState's propKey), so the values come with the next answer.
    propertiesTab: properties,
    propertyValues: properties && state.propKey !== null,
    propertyKey: properties ? state.propKey : null,
    segments: !shared,
  };
}

export function dashboardQuery(vars: DashboardVars | null) {
  return {
    queryKey: ['dashboard', vars],
    queryFn: async () => (await request(DashboardQuery, vars!)).site,
    retry: retryOnce,
  };
}

/** `/orgs/<org>/sites/<site>`: the dashboard's route (App.tsx). */
const DASHBOARD_PATH = /^\/orgs\/[^/]+\/sites\/([^/]+)\/?$/;

/** The site whose dashboard a path shows, if it is a dashboard's. */
export function dashboardSiteId(pathname: string): string | null {
  const m = DASHBOARD_PATH.exec(pathname);
  if (!m || m[1] === 'new') return null;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return null;
  }
}

/**
 * On a dashboard URL, starts what the page will ask for: its chunk, the
 * site, and the view's data for today's date where the browser is. The
 * page asks with the site's date; in the usual case it is the same, the
 * same query, and the answer is already on its way. When it is not (the
 * site's time zone is past midnight and the browser's is not), the page
 * asks again, and this one answer is wasted.
 */
export function prefetchDashboard(client: QueryClient, location: Pick<Location, 'pathname' | 'search'>, now = new Date()): void {
  const siteId = dashboardSiteId(location.pathname);
  if (siteId === null) return;
  void import('../pages/DashboardPage');
  void client.prefetchQuery(dashboardSiteQuery(siteId));
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const vars = dashboardVars(siteId, parseState(location.search.replace(/^\?/, '')), siteToday(now, browserZone));
  if (vars) void client.prefetchQuery(dashboardQuery(vars));
}

/**
 * On a share link's page, starts what the page will ask for: its chunk and
 * the link's site; once the site is known (its id and time zone), the
 * view's data, as the page will ask for it. Nothing a member's page asks
 * (`me`): the page's requests act as the link.
 */
export function prefetchShare(client: QueryClient, location: Pick<Location, 'pathname' | 'search'>, now = new Date()): void {
  const slug = shareSlug(location.pathname);
  if (slug === null) return;
  void import('../pages/SharePage');
  const options = sharedSiteQuery(slug);
  void client.prefetchQuery(options).then(() => {
    const shared = client.getQueryData<Awaited<ReturnType<typeof options.queryFn>>>(options.queryKey);
    if (!shared) return;
    const vars = dashboardVars(shared.site.id, parseState(location.search.replace(/^\?/, '')), siteToday(now, shared.site.timezone), true);
    if (vars) void client.prefetchQuery(dashboardQuery(vars));
  });
}
