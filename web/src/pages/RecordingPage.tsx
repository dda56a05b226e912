// One recorded session: /orgs/:org/sites/:site/recordings/:session. Loaded
// on demand (React.lazy in App.tsx); the player itself (rrweb's Replayer,
// about 65 KB gzipped) is a further chunk, fetched while the recording's
// events load.
import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useMemo } from 'react';
import { Link, useParams } from 'wouter';
import { request } from '../api/client';
import { RecordingQuery } from '../api/recordingDocuments';
import type { ResultOf } from '../api/graphql';
import { retryOnce } from '../api/hooks';
import { useOrg } from '../components/OrgContext';
import { PageHeader } from '../components/PageHeader';
import { countryName, formatDuration } from '../lib/dashboard';
import { formatNumber } from '../lib/format';
import { can } from '../lib/permissions';
import { asEvents, formatStart, pageVisits, replayable } from '../lib/recordings';
import { paths } from '../lib/routes';
import { RecordingsGate, SiteLinks, useRecordingsSite, type RecSite } from '../recordings/common';
import '../recordings/recordings.css';

const loadPlayer = () => import('../recordings/ReplayPlayer');
const ReplayPlayer = lazy(loadPlayer);

type Rec = NonNullable<ResultOf<typeof RecordingQuery>['site']['recording']>;

export default function RecordingPage() {
  const org = useOrg();
  const { site: siteId, session } = useParams<{ site: string; session: string }>();
  const allowed = can(org.viewerRole, 'readRecordings');
  const site = useRecordingsSite(siteId, allowed);
  const rec = useQuery({
    queryKey: ['recording', siteId, session],
    queryFn: async () => (await request(RecordingQuery, { id: siteId, session })).site.recording,
    enabled: allowed,
    retry: retryOnce,
    // A recording does not change; its events are large: kept only while shown.
    staleTime: Infinity,
    gcTime: 30_000,
  });
  useEffect(() => {
    if (allowed) void loadPlayer();
  }, [allowed]);

  return (
    <RecordingsGate
      title="Session recording"
      need="readRecordings"
      queries={[site, rec]}
      loading={
        <>
          <div className="rec-meta-skeleton skeleton" aria-hidden="true" />
          <div className="player-skeleton skeleton" role="status">
            <span className="visually-hidden">Loading the recording…</span>
          </div>
        </>
      }
    >
      {(site, rec) => (rec ? <Recording site={site} rec={rec} orgSlug={org.slug} /> : <NoSuchRecording site={site} orgSlug={org.slug} />)}
    </RecordingsGate>
  );
}

function NoSuchRecording({ site, orgSlug }: { site: RecSite; orgSlug: string }) {
  return (
    <>
      <PageHeader title="Session recording" docTitle={`Recording · ${site.name}`}>
        <SiteLinks org={orgSlug} site={site.id} name={site.name} current="recording" />
      </PageHeader>
      <div className="empty card">
        <h2>No such recording</h2>
        <p>This session was not recorded on {site.name}, or its recording is older than the plan keeps recordings.</p>
        <Link href={paths.recordings(orgSlug, site.id)} className="button secondary">
          See the site's recordings
        </Link>
      </div>
    </>
  );
}

function Recording({ site, rec, orgSlug }: { site: RecSite; rec: Rec; orgSlug: string }) {
  const events = useMemo(() => asEvents(rec.events), [rec.events]);
  const visits = useMemo(() => (events ? pageVisits(events) : []), [events]);
  const started = formatStart(rec.startedAt, site.timezone);
  return (
    <>
      <PageHeader title="Session recording" docTitle={`Recording of ${started} · ${site.name}`}>
        <SiteLinks org={orgSlug} site={site.id} name={site.name} current="recording" />
      </PageHeader>
      <dl className="rec-meta" aria-label="About this session">
        <div>
          <dt>Started</dt>
          <dd>
            <time dateTime={rec.startedAt}>{started}</time> <span className="muted">({site.timezone})</span>
          </dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{formatDuration(rec.durationSeconds)}</dd>
        </div>
        <div>
          <dt>Pages</dt>
          <dd>{formatNumber(rec.pages.length)}</dd>
        </div>
        <div>
          <dt>Country</dt>
          <dd>{rec.country ? countryName(rec.country) : 'Unknown'}</dd>
        </div>
        <div>
          <dt>Device</dt>
          <dd>{rec.device ?? 'Unknown'}</dd>
        </div>
        <div>
          <dt>Browser</dt>
          <dd>{rec.browser ?? 'Unknown'}</dd>
        </div>
        <div>
          <dt>Operating system</dt>
          <dd>{rec.os ?? 'Unknown'}</dd>
        </div>
      </dl>
      <p className="hint rec-privacy">Form inputs were masked when recorded: the player shows what was recorded, never what was typed.</p>
      {!events || !replayable(events) ? (
        <div className="notice" role="note">
          <p>
            This recording cannot be replayed: it has no snapshot of a page (its first part may have been lost, for instance when the
            browser stopped the page before sending it).
          </p>
        </div>
      ) : (
        <Suspense
          fallback={
            <div className="player-skeleton skeleton" role="status">
              <span className="visually-hidden">Loading the player…</span>
            </div>
          }
        >
          <ReplayPlayer events={events} visits={visits} />
        </Suspense>
      )}
    </>
  );
}
