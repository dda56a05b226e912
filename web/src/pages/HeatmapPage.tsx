// A site's click heatmaps: /orgs/:org/sites/:site/heatmaps?path=&viewport=&range=.
// Loaded on demand (React.lazy in App.tsx). The clicks are drawn over the
// page as a recording saw it (rrweb's Replayer, a further chunk), or over
// an outline of the page when no recording shows it.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useId, useState } from 'react';
import { Link, useParams } from 'wouter';
import { useUrlState } from '../lib/useUrlState';
import { request } from '../api/client';
import { HeatmapPagesQuery, HeatmapQuery, HeatmapRecordingQuery, RecordingEventsQuery } from '../api/recordingDocuments';
import { retryOnce } from '../api/hooks';
import { ErrorBox } from '../components/ErrorBox';
import { Loading } from '../components/Loading';
import { useOrg } from '../components/OrgContext';
import { PageHeader } from '../components/PageHeader';
import { formatRange } from '../lib/dashboard';
import { formatNumber } from '../lib/format';
import { can } from '../lib/permissions';
import {
  asEvents,
  classOfWidth,
  gridRows,
  heatmapStateToSearch,
  metaSize,
  parseHeatmapState,
  rangeDays,
  RANGES,
  snapshotOf,
  viewportOf,
  VIEWPORTS,
  type DayRange,
  type HeatmapState,
  type RangeId,
  type RrEvent,
  type ViewportClass,
} from '../lib/recordings';
import { paths } from '../lib/routes';
import { RecordingsGate, SiteLinks, useRecordingsSite, useSiteToday, type RecSite } from '../recordings/common';
import { HeatOverlay, Legend, Stage, TopCells, type Heat } from '../recordings/HeatOverlay';
import '../recordings/recordings.css';

const SnapshotFrame = lazy(() => import('../recordings/SnapshotFrame'));

/** Height of an outline when the clicks reach less far (a screen or so). */
const OUTLINE_MIN_HEIGHT = 800;

function useHeatmapState(): [HeatmapState, (next: HeatmapState) => void] {
  return useUrlState(parseHeatmapState, heatmapStateToSearch);
}

export default function HeatmapPage() {
  const org = useOrg();
  const { site: siteId } = useParams<{ site: string }>();
  const site = useRecordingsSite(siteId, can(org.viewerRole, 'readSites'));
  return (
    <RecordingsGate title="Heatmaps" need="readSites" queries={[site]}>
      {(site) => <Heatmaps site={site} orgSlug={org.slug} recordings={can(org.viewerRole, 'readRecordings')} />}
    </RecordingsGate>
  );
}

interface Backdrop {
  sessionId: string;
  snapshot: [RrEvent, RrEvent];
}

/** Recordings fetched at most to find a backdrop (each answer holds a whole recording). */
const BACKDROP_TRIES = 3;

/**
 * A snapshot of `path` from its newest recordings: one recorded in the
 * viewport class if one of the first few is (the device type, which the
 * API filters on, comes from the browser, not the window's width), else
 * the first snapshot found; null when none shows the page. Only the two
 * events are kept, not the whole recording.
 */
async function findBackdrop(siteId: string, range: DayRange, path: string, viewport: ViewportClass): Promise<Backdrop | null> {
  const page = [{ dimension: 'PAGE' as const, op: 'IS' as const, value: path }];
  const found = (
    await request(HeatmapRecordingQuery, {
      id: siteId,
      range,
      page,
      pageOnDevice: [...page, { dimension: 'DEVICE', op: 'IS', value: viewportOf(viewport).device }],
      first: BACKDROP_TRIES,
    })
  ).site;
  const sessions = [...new Set([...found.onDevice.nodes, ...found.any.nodes].map((n) => n.sessionId))].slice(0, BACKDROP_TRIES);
  let fallback: Backdrop | null = null;
  // One at a time: the API answers one recording's events a request.
  for (const sessionId of sessions) {
    const rec = (await request(RecordingEventsQuery, { id: siteId, session: sessionId })).site.recording;
    const events = rec ? asEvents(rec.events) : null;
    const snapshot = events ? snapshotOf(events, path) : null;
    if (!snapshot) continue;
    const size = metaSize(snapshot[0]);
    if (size && classOfWidth(size.width) === viewport) return { sessionId, snapshot };
    fallback ??= { sessionId, snapshot };
  }
  return fallback;
}

function Heatmaps({ site, orgSlug, recordings }: { site: RecSite; orgSlug: string; recordings: boolean }) {
  const [state, setState] = useHeatmapState();
  const today = useSiteToday(site.timezone);
  const range = rangeDays(state.range, today);
  const pages = useQuery({
    queryKey: ['heatmapPages', site.id, range],
    queryFn: async () => (await request(HeatmapPagesQuery, { id: site.id, range })).site.pages,
    retry: retryOnce,
    placeholderData: keepPreviousData,
  });
  // Without a page in the URL: the range's top page.
  const path = state.path ?? pages.data?.find((p) => p.value !== '')?.value ?? null;
  const vars = path ? { id: site.id, path, range, viewport: state.viewport } : null;
  const heat = useQuery({
    queryKey: ['heatmap', vars],
    queryFn: async () => (await request(HeatmapQuery, vars!)).site.heatmap,
    enabled: vars !== null,
    retry: retryOnce,
    placeholderData: keepPreviousData,
  });
  const backdrop = useQuery({
    queryKey: ['heatmapBackdrop', site.id, path, state.viewport, range],
    queryFn: () => findBackdrop(site.id, range, path!, state.viewport),
    enabled: path !== null && recordings,
    retry: retryOnce,
    staleTime: 5 * 60_000,
  });

  return (
    <>
      <PageHeader title="Heatmaps" docTitle={`Heatmaps · ${site.name}`}>
        <SiteLinks org={orgSlug} site={site.id} name={site.name} current="heatmaps" />
      </PageHeader>
      <p className="rec-domain mono">{site.domain}</p>

      <Controls state={state} setState={setState} path={path} pages={pages.data?.map((p) => p.value) ?? []} range={range} />

      {pages.isError ? (
        <ErrorBox error={pages.error} onRetry={() => void pages.refetch()} />
      ) : pages.isPending ? (
        <Loading label="Loading the site's pages…" lines={4} />
      ) : path === null ? (
        <div className="empty card">
          <h2>No pages in this range</h2>
          <p>No page view was counted on {site.name} in {formatRange(range)}. Choose a longer range, or check the tracking snippet.</p>
        </div>
      ) : heat.isError && !heat.data ? (
        <ErrorBox error={heat.error} onRetry={() => void heat.refetch()} />
      ) : heat.isPending || (recordings && backdrop.isPending) ? (
        <div className="heat-skeleton skeleton" role="status">
          <span className="visually-hidden">Loading the heatmap…</span>
        </div>
      ) : (
        <HeatView
          heat={heat.data!}
          updating={heat.isFetching && heat.isPlaceholderData}
          viewport={state.viewport}
          range={range}
          backdrop={backdrop.data ?? null}
          backdropFailed={backdrop.isError}
          recordings={recordings}
          recordingsEnabled={site.recordingsEnabled}
          orgSlug={orgSlug}
          siteId={site.id}
        />
      )}
    </>
  );
}

function Controls({
  state,
  setState,
  path,
  pages,
  range,
}: {
  state: HeatmapState;
  setState: (s: HeatmapState) => void;
  path: string | null;
  pages: string[];
  range: DayRange;
}) {
  const id = useId();
  const options = path && !pages.includes(path) ? [path, ...pages] : pages;
  return (
    <div className="heat-controls">
      <div className="field heat-page">
        <label htmlFor={`${id}-page`}>Page</label>
        <select id={`${id}-page`} value={path ?? ''} onChange={(e) => setState({ ...state, path: e.target.value || null })} disabled={options.length === 0}>
          {options.length === 0 ? <option value="">No pages</option> : null}
          {options
            .filter((p) => p !== '')
            .map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-vp`}>Viewport</label>
        <select id={`${id}-vp`} value={state.viewport} onChange={(e) => setState({ ...state, viewport: e.target.value as ViewportClass })}>
          {VIEWPORTS.map((v) => (
            <option key={v.id} value={v.id}>
              {v.label} ({v.short})
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-range`}>Date range</label>
        <select id={`${id}-range`} value={state.range} onChange={(e) => setState({ ...state, range: e.target.value as RangeId })}>
          {RANGES.map((r) => (
            <option key={r.id} value={r.id}>
              {r.label}
            </option>
          ))}
        </select>
      </div>
      <p className="hint heat-range">{formatRange(range)}</p>
    </div>
  );
}

function HeatView({
  heat,
  updating,
  viewport,
  range,
  backdrop,
  backdropFailed,
  recordings,
  recordingsEnabled,
  orgSlug,
  siteId,
}: {
  heat: Heat;
  updating: boolean;
  viewport: ViewportClass;
  range: DayRange;
  backdrop: Backdrop | null;
  backdropFailed: boolean;
  recordings: boolean;
  recordingsEnabled: boolean;
  orgSlug: string;
  siteId: string;
}) {
  const vp = viewportOf(viewport);
  const recorded = backdrop ? metaSize(backdrop.snapshot[0]) : null;
  const [size, setSize] = useState<{ width: number; height: number } | null>(null);
  // A new backdrop is measured anew.
  useEffect(() => setSize(null), [backdrop]);
  const rows = gridRows(heat.cells);
  const width = backdrop ? (size?.width ?? recorded?.width ?? vp.outline) : vp.outline;
  const gridHeight = rows * heat.cellHeight;
  const height = Math.max(backdrop ? (size?.height ?? recorded?.height ?? OUTLINE_MIN_HEIGHT) : OUTLINE_MIN_HEIGHT, gridHeight);
  const summary = `${formatNumber(heat.clicks)} ${heat.clicks === 1 ? 'click' : 'clicks'} on ${heat.path} from ${vp.label.toLowerCase()} viewports (${vp.widths}), ${formatRange(range)}`;

  return (
    <div className={updating ? 'heat-body updating' : 'heat-body'} aria-busy={updating}>
      <p className="heat-summary" aria-live="polite">
        <strong>{summary}.</strong>
      </p>
      {heat.clicks === 0 ? (
        <p className="notice">
          No clicks here yet. Heatmaps count the clicks the tracking script reports when its tag has the <code>data-heatmaps</code> attribute
          (the "Heatmaps" option of the site's tracking snippet).
        </p>
      ) : (
        <Legend heat={heat} />
      )}
      <p className="hint heat-backdrop-note">
        <BackdropNote
          backdrop={backdrop}
          failed={backdropFailed}
          recordings={recordings}
          recordingsEnabled={recordingsEnabled}
          outline={vp.outline}
          recordedWidth={recorded?.width ?? null}
          viewport={viewport}
          orgSlug={orgSlug}
          siteId={siteId}
        />
      </p>
      <Stage width={width} height={height} label={`Heatmap of ${heat.path}`}>
        {backdrop ? (
          <Suspense fallback={<div className="heat-outline" />}>
            <SnapshotFrame snapshot={backdrop.snapshot} onSize={setSize} />
          </Suspense>
        ) : (
          <div className="heat-outline">
            <span className="heat-outline-label" aria-hidden="true">
              {heat.path} · {vp.outline} px wide
            </span>
          </div>
        )}
        <HeatOverlay heat={heat} width={width} />
      </Stage>
      <TopCells heat={heat} width={width} />
    </div>
  );
}

function BackdropNote({
  backdrop,
  failed,
  recordings,
  recordingsEnabled,
  outline,
  recordedWidth,
  viewport,
  orgSlug,
  siteId,
}: {
  backdrop: Backdrop | null;
  failed: boolean;
  recordings: boolean;
  recordingsEnabled: boolean;
  outline: number;
  recordedWidth: number | null;
  viewport: ViewportClass;
  orgSlug: string;
  siteId: string;
}) {
  if (backdrop) {
    const other = recordedWidth !== null && classOfWidth(recordedWidth) !== viewport;
    return (
      <>
        Drawn over the page as a{' '}
        <Link href={paths.recording(orgSlug, siteId, backdrop.sessionId)}>recorded session</Link> showed it
        {recordedWidth !== null ? `, ${recordedWidth} px wide` : ''}.
        {other ? ' No recording of this page in this viewport class exists, so the layout may differ from what these visitors saw.' : ''}
      </>
    );
  }
  const why = failed
    ? 'The recording of this page could not be loaded'
    : !recordings
      ? 'Your role does not include session recordings'
      : recordingsEnabled
        ? 'No recording shows this page in this range'
        : 'Session recordings are off for this site, and none shows this page in this range';
  return (
    <>
      {why}, so the clicks are drawn over an outline of the page, {outline} px wide.
    </>
  );
}
