// What the recordings list, the player and the heatmaps share: the site's
// query, the gate in front of each page (the viewer's role, then its data
// loading or failed), the links between the site's pages, and the list's
// last query string (so that "All recordings" returns to the same filters).
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState, type ReactNode } from 'react';
import { Link } from 'wouter';
import { request } from '../api/client';
import { RecordingsSiteQuery } from '../api/recordingDocuments';
import type { ResultOf } from '../api/graphql';
import { retryOnce } from '../api/hooks';
import { ErrorBox } from '../components/ErrorBox';
import { Loading } from '../components/Loading';
import { useOrg } from '../components/OrgContext';
import { PageHeader } from '../components/PageHeader';
import { dayIn } from '../lib/dates';
import { can } from '../lib/permissions';
import { paths } from '../lib/routes';

export type RecSite = ResultOf<typeof RecordingsSiteQuery>['site'];

export function useRecordingsSite(siteId: string, enabled: boolean) {
  return useQuery({
    queryKey: ['recordingsSite', siteId],
    queryFn: async () => (await request(RecordingsSiteQuery, { id: siteId })).site,
    retry: retryOnce,
    enabled,
    staleTime: 60_000,
  });
}

/** What a page needs the viewer's role to allow, and what the others read instead. */
const DENIED = {
  readRecordings: (org: string) => `Your role in ${org} does not include session recordings: owners, admins and viewers may watch them.`,
  readSites: (org: string) => `Your role in ${org} does not include reading sites and reports.`,
} as const;

/** The part of a TanStack query the gate reads. */
interface Gated<T> {
  data: T | undefined;
  error: unknown;
  isError: boolean;
  refetch: () => unknown;
}

/**
 * The front of a recordings page: under the page's heading, why the
 * viewer's role may not see it, or the first error of its queries (Retry
 * fetches the failed ones again), or `loading` until every query has its
 * data; then `children` with that data, in the order of `queries`. The
 * page fetches only when its role allows `need` (`enabled`), so that is
 * checked first.
 */
export function RecordingsGate<T extends readonly unknown[]>({
  title,
  need,
  queries,
  loading = <Loading label="Loading the site…" lines={4} />,
  children,
}: {
  title: string;
  need: keyof typeof DENIED;
  queries: { readonly [K in keyof T]: Gated<T[K]> };
  loading?: ReactNode;
  children: (...data: T) => ReactNode;
}) {
  const org = useOrg();
  const all: readonly Gated<unknown>[] = queries;
  const failed = all.filter((q) => q.isError);
  let gate: ReactNode;
  if (!can(org.viewerRole, need)) gate = <p>{DENIED[need](org.name)}</p>;
  else if (failed.length) gate = <ErrorBox error={failed[0]!.error} onRetry={() => failed.forEach((q) => void q.refetch())} />;
  else if (all.some((q) => q.data === undefined)) gate = loading;
  else return <>{children(...(all.map((q) => q.data) as unknown as T))}</>;
  return (
    <>
      <PageHeader title={title} />
      {gate}
    </>
  );
}

/** Today in the site's zone, updated when the day changes while the page is open. */
export function useSiteToday(timeZone: string): string {
  const [today, setToday] = useState(() => dayIn(new Date(), timeZone));
  useEffect(() => {
    setToday(dayIn(new Date(), timeZone));
    const t = window.setInterval(() => setToday(dayIn(new Date(), timeZone)), 60_000);
    return () => window.clearInterval(t);
  }, [timeZone]);
  return today;
}

/** Links to the site's other report pages, for a PageHeader. */
export function SiteLinks({ org, site, name, current }: { org: string; site: string; name: string; current: 'recordings' | 'heatmaps' | 'recording' }) {
  return (
    <>
      <Link href={paths.dashboard(org, site)} aria-label={`Dashboard of ${name}`}>
        Dashboard
      </Link>
      {current !== 'recordings' ? (
        <Link href={paths.recordings(org, site, current === 'recording' && lastList.site === site ? lastList.search : '')} aria-label={`${current === 'recording' ? 'All recordings' : 'Recordings'} of ${name}`}>
          {current === 'recording' ? 'All recordings' : 'Recordings'}
        </Link>
      ) : null}
      {current !== 'heatmaps' ? (
        <Link href={paths.heatmaps(org, site)} aria-label={`Heatmaps of ${name}`}>
          Heatmaps
        </Link>
      ) : null}
    </>
  );
}

/** The list's query string when it was last shown, and its site (in memory only). */
let lastList = { site: '', search: '' };

export function rememberListSearch(site: string, search: string): void {
  lastList = { site, search };
}
