// What the recordings list, the player and the heatmaps share: the site's
// query, the links between the site's pages, and the list's last query
// string (so that "All recordings" returns to the same filters).
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link } from 'wouter';
import { request } from '../api/client';
import { RecordingsSiteQuery } from '../api/recordingDocuments';
import type { ResultOf } from '../api/graphql';
import { retryOnce } from '../api/hooks';
import { dayIn } from '../lib/dates';
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
