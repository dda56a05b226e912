// A site's session recordings: /orgs/:org/sites/:site/recordings. Loaded on
// demand (React.lazy in App.tsx). Filters and range live in the query
// string (lib/recordings.ts); pages of 25 load as the list scrolls.
import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link, useParams, useSearch } from 'wouter';
import { useUrlState } from '../lib/useUrlState';
import { request } from '../api/client';
import { RecordingFilterOptionsQuery, RecordingsQuery } from '../api/recordingDocuments';
import type { ResultOf } from '../api/graphql';
import { retryOnce } from '../api/hooks';
import { ErrorBox } from '../components/ErrorBox';
import { Loading } from '../components/Loading';
import { useOrg } from '../components/OrgContext';
import { PageHeader } from '../components/PageHeader';
import { countryName, formatDuration, formatRange } from '../lib/dashboard';
import { formatNumber } from '../lib/format';
import { can } from '../lib/permissions';
import {
  apiFilters,
  describeDurations,
  formatStart,
  hasFilters,
  listStateToSearch,
  parseDurations,
  parseListState,
  rangeDays,
  RANGES,
  REC_DIMS,
  type ListState,
  type RangeId,
  type RecDim,
} from '../lib/recordings';
import { paths } from '../lib/routes';
import { RecordingsGate, rememberListSearch, SiteLinks, useRecordingsSite, useSiteToday, type RecSite } from '../recordings/common';
import '../recordings/recordings.css';

const PAGE_SIZE = 25;

type Rec = ResultOf<typeof RecordingsQuery>['site']['recordings']['edges'][number]['node'];

/** The list's state from the URL, and a setter that pushes a history entry. */
function useListState(): [ListState, (next: ListState) => void] {
  return useUrlState(parseListState, listStateToSearch);
}

export default function RecordingsPage() {
  const org = useOrg();
  const { site: siteId } = useParams<{ site: string }>();
  const site = useRecordingsSite(siteId, can(org.viewerRole, 'readRecordings'));
  return (
    <RecordingsGate title="Recordings" need="readRecordings" queries={[site]}>
      {(site) => <Recordings site={site} orgSlug={org.slug} manage={can(org.viewerRole, 'manageSites')} />}
    </RecordingsGate>
  );
}

function Recordings({ site, orgSlug, manage }: { site: RecSite; orgSlug: string; manage: boolean }) {
  const [state, setState] = useListState();
  const search = useSearch();
  useEffect(() => rememberListSearch(site.id, search ? `?${search}` : ''), [site.id, search]);
  const today = useSiteToday(site.timezone);
  const range = rangeDays(state.range, today);
  const vars = {
    id: site.id,
    range,
    filters: apiFilters(state),
    min: state.minDuration,
    max: state.maxDuration,
    first: PAGE_SIZE,
  };
  const q = useInfiniteQuery({
    queryKey: ['recordings', vars],
    queryFn: async ({ pageParam }) => (await request(RecordingsQuery, { ...vars, after: pageParam })).site.recordings,
    initialPageParam: null as string | null,
    getNextPageParam: (last) => (last.pageInfo.hasNextPage ? (last.pageInfo.endCursor ?? undefined) : undefined),
    retry: retryOnce,
    placeholderData: keepPreviousData,
  });
  const rows = useMemo(() => q.data?.pages.flatMap((p) => p.edges.map((e) => e.node)) ?? [], [q.data]);
  const updating = q.isFetching && q.isPlaceholderData;

  return (
    <>
      <PageHeader title="Recordings" docTitle={`Recordings · ${site.name}`}>
        <SiteLinks org={orgSlug} site={site.id} name={site.name} current="recordings" />
      </PageHeader>
      <p className="rec-domain mono">{site.domain}</p>

      {!site.recordingsEnabled ? <RecordingsOff site={site} orgSlug={orgSlug} manage={manage} /> : null}

      <Filters site={site} state={state} setState={setState} range={range} rows={rows} />

      {q.isPending ? (
        <Loading label="Loading recordings…" lines={5} />
      ) : q.isError && !q.data ? (
        <ErrorBox error={q.error} onRetry={() => void q.refetch()} />
      ) : rows.length === 0 ? (
        <div className="empty card rec-empty">
          <h2>No recordings</h2>
          <p>
            {hasFilters(state)
              ? `No recorded session in ${formatRange(range)} matches these filters.`
              : site.recordingsEnabled
                ? `No session was recorded in ${formatRange(range)}. Recordings appear here a few seconds after a visit (the recorder sends every 5 seconds).`
                : `No session was recorded in ${formatRange(range)}.`}
          </p>
          {hasFilters(state) ? (
            <button type="button" className="button secondary" onClick={() => setState({ ...state, filters: {}, minDuration: null, maxDuration: null })}>
              Remove the filters
            </button>
          ) : null}
        </div>
      ) : (
        <div className={updating ? 'rec-body updating' : 'rec-body'} aria-busy={updating}>
          <RecordingList rows={rows} site={site} orgSlug={orgSlug} range={range} />
          <MoreLoader
            hasMore={q.hasNextPage}
            loading={q.isFetchingNextPage}
            failed={q.isFetchNextPageError}
            error={q.error}
            count={rows.length}
            onMore={() => void q.fetchNextPage()}
          />
        </div>
      )}
    </>
  );
}

function RecordingsOff({ site, orgSlug, manage }: { site: RecSite; orgSlug: string; manage: boolean }) {
  return (
    <div className="notice rec-off" role="note">
      <p>
        <strong>Session recordings are off for {site.name}.</strong> Turn them on under "Session recordings" in the site's settings
        (there you choose the share of page loads to record and whether to mask all text; inputs are always masked), then add the
        recorder's tag to the site's pages: the settings' tracking snippet has a "Session recorder" option.
      </p>
      {manage ? (
        <Link href={`${paths.siteSettings(orgSlug, site.id)}#recordings-heading`} className="button primary">
          Turn on recordings in the site's settings
        </Link>
      ) : (
        <p>An owner or admin can turn them on in the site's settings.</p>
      )}
    </div>
  );
}

const PLURAL: Record<RecDim, string> = { PAGE: 'pages', COUNTRY: 'countries', BROWSER: 'browsers', OS: 'systems', DEVICE: 'device types' };

/** A dimension's values in the recordings shown, most frequent first. */
function recordedValues(rows: readonly Rec[], dim: RecDim): string[] {
  const counts = new Map<string, number>();
  const add = (v: string | null | undefined) => {
    if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
  };
  for (const r of rows) {
    if (dim === 'PAGE') r.pages.forEach(add);
    else add({ COUNTRY: r.country, BROWSER: r.browser, OS: r.os, DEVICE: r.device }[dim]);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([v]) => v);
}

function Filters({
  site,
  state,
  setState,
  range,
  rows,
}: {
  site: RecSite;
  state: ListState;
  setState: (s: ListState) => void;
  range: { from: string; to: string };
  rows: readonly Rec[];
}) {
  const id = useId();
  const options = useQuery({
    queryKey: ['recordingFilterOptions', site.id, range],
    queryFn: async () => (await request(RecordingFilterOptionsQuery, { id: site.id, range, limit: 100 })).site,
    retry: retryOnce,
    placeholderData: keepPreviousData,
    staleTime: 60_000,
  });
  const [min, setMin] = useState(state.minDuration?.toString() ?? '');
  const [max, setMax] = useState(state.maxDuration?.toString() ?? '');
  const [errors, setErrors] = useState<{ min?: string; max?: string }>({});
  useEffect(() => {
    setMin(state.minDuration?.toString() ?? '');
    setMax(state.maxDuration?.toString() ?? '');
    setErrors({});
  }, [state.minDuration, state.maxDuration]);

  // Two groups of values: those of the recordings listed, then the range's
  // top values in all events (which may have no recording).
  const valuesOf = (dim: RecDim): { recorded: string[]; top: string[] } => {
    const d = options.data;
    const list = !d ? [] : { PAGE: d.pages, COUNTRY: d.countries, BROWSER: d.browsers, OS: d.oses, DEVICE: d.devices }[dim];
    const chosen = state.filters[dim];
    const recorded = recordedValues(rows, dim);
    // A value from the URL that neither group has is still shown.
    if (chosen && !recorded.includes(chosen)) recorded.unshift(chosen);
    const top = list.map((r) => r.value).filter((v) => v !== '' && !recorded.includes(v));
    return { recorded, top };
  };
  const setFilter = (dim: RecDim, value: string) => {
    const filters = { ...state.filters };
    if (value) filters[dim] = value;
    else delete filters[dim];
    setState({ ...state, filters });
  };
  const applyDurations = (e: FormEvent) => {
    e.preventDefault();
    const r = parseDurations(min, max);
    if ('minDuration' in r) {
      setErrors({});
      setState({ ...state, minDuration: r.minDuration, maxDuration: r.maxDuration });
    } else setErrors(r);
  };
  const durations = describeDurations(state.minDuration, state.maxDuration);

  return (
    <section className="rec-filters" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`} className="visually-hidden">
        Filters
      </h2>
      <div className="rec-pickers">
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
        {REC_DIMS.map(({ dim, label }) => (
          <div className="field" key={dim}>
            <label htmlFor={`${id}-${dim}`}>{label}</label>
            <select id={`${id}-${dim}`} value={state.filters[dim] ?? ''} onChange={(e) => setFilter(dim, e.target.value)}>
              <option value="">All {PLURAL[dim]}</option>
              <DimOptions dim={dim} {...valuesOf(dim)} />
            </select>
          </div>
        ))}
      </div>
      <form className="rec-durations" onSubmit={applyDurations} noValidate aria-label="Duration">
        <div className="field">
          <label htmlFor={`${id}-min`}>Shortest (seconds)</label>
          <input
            id={`${id}-min`}
            type="number"
            inputMode="numeric"
            min={0}
            value={min}
            onChange={(e) => setMin(e.target.value)}
            aria-invalid={errors.min ? true : undefined}
            aria-describedby={errors.min ? `${id}-min-err` : undefined}
          />
          {errors.min ? (
            <p id={`${id}-min-err`} className="field-error">
              {errors.min}
            </p>
          ) : null}
        </div>
        <div className="field">
          <label htmlFor={`${id}-max`}>Longest (seconds)</label>
          <input
            id={`${id}-max`}
            type="number"
            inputMode="numeric"
            min={0}
            value={max}
            onChange={(e) => setMax(e.target.value)}
            aria-invalid={errors.max ? true : undefined}
            aria-describedby={errors.max ? `${id}-max-err` : undefined}
          />
          {errors.max ? (
            <p id={`${id}-max-err`} className="field-error">
              {errors.max}
            </p>
          ) : null}
        </div>
        <button type="submit" className="button secondary">
          Apply durations
        </button>
        {hasFilters(state) ? (
          <button type="button" className="button ghost" onClick={() => setState({ ...state, filters: {}, minDuration: null, maxDuration: null })}>
            Remove all filters
          </button>
        ) : null}
      </form>
      <p className="hint" aria-live="polite">
        {formatRange(range)} · times in {site.timezone}
        {durations ? ` · ${durations}` : ''}
      </p>
    </section>
  );
}

function DimOptions({ dim, recorded, top }: { dim: RecDim; recorded: string[]; top: string[] }) {
  const option = (v: string) => (
    <option key={v} value={v}>
      {dim === 'COUNTRY' ? countryName(v) : v}
    </option>
  );
  return (
    <>
      {recorded.length ? <optgroup label="In these recordings">{recorded.map(option)}</optgroup> : null}
      {top.length ? <optgroup label="Top in the range">{top.map(option)}</optgroup> : null}
    </>
  );
}

function deviceText(r: Rec): string {
  const sys = [r.browser, r.os].filter(Boolean).join(' on ');
  return [r.device, sys].filter(Boolean).join(' · ') || 'Unknown';
}

function RecordingList({ rows, site, orgSlug, range }: { rows: Rec[]; site: RecSite; orgSlug: string; range: { from: string; to: string } }) {
  return (
    <div className="table-wrap rec-table-wrap">
      <table className="rec-table">
        <caption className="visually-hidden">
          Recorded sessions, {formatRange(range)}, newest first (times in {site.timezone})
        </caption>
        <thead>
          <tr>
            <th scope="col">Started</th>
            <th scope="col">Duration</th>
            <th scope="col">Pages</th>
            <th scope="col">Country</th>
            <th scope="col">Device</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.sessionId} data-testid="recording-row" data-session-id={r.sessionId}>
              <th scope="row" data-label="Started">
                <Link href={paths.recording(orgSlug, site.id, r.sessionId)}>
                  <span className="visually-hidden">Watch the session of </span>
                  {formatStart(r.startedAt, site.timezone)}
                </Link>
              </th>
              <td data-label="Duration">{formatDuration(r.durationSeconds)}</td>
              <td data-label="Pages">
                <span className="rec-pages">
                  {formatNumber(r.pages.length)} {r.pages.length === 1 ? 'page' : 'pages'}
                </span>
                {r.pages[0] ? (
                  <span className="rec-first mono" title={r.pages.join(' → ')}>
                    <span className="visually-hidden">, first </span>
                    {r.pages[0]}
                  </span>
                ) : null}
              </td>
              <td data-label="Country">{r.country ? countryName(r.country) : <span className="muted">Unknown</span>}</td>
              <td data-label="Device">{deviceText(r)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * Loads the next page when the sentinel under the list scrolls into view,
 * with a "Load more" button for keyboards and browsers without
 * IntersectionObserver.
 */
function MoreLoader({
  hasMore,
  loading,
  failed,
  error,
  count,
  onMore,
}: {
  hasMore: boolean;
  loading: boolean;
  failed: boolean;
  error: unknown;
  count: number;
  onMore: () => void;
}) {
  const sentinel = useRef<HTMLDivElement>(null);
  const more = useRef(onMore);
  more.current = onMore;
  // Automatic loading stops after a failure: Retry asks again.
  const auto = hasMore && !loading && !failed;
  useEffect(() => {
    const el = sentinel.current;
    if (!el || !auto || typeof IntersectionObserver === 'undefined') return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) more.current();
    }, { rootMargin: '400px 0px' });
    io.observe(el);
    return () => io.disconnect();
  }, [auto, count]);
  return (
    <div className="rec-more">
      <div ref={sentinel} className="rec-sentinel" aria-hidden="true" />
      {failed ? <ErrorBox error={error} onRetry={onMore} title="Could not load more recordings" /> : null}
      <p className="hint" role="status">
        {loading ? 'Loading more recordings…' : `${formatNumber(count)} ${count === 1 ? 'recording' : 'recordings'} shown${hasMore ? '' : ', that is all'}.`}
      </p>
      {hasMore && !failed ? (
        <button type="button" className="button secondary" onClick={onMore} disabled={loading}>
          {loading ? 'Loading…' : 'Load more recordings'}
        </button>
      ) : null}
    </div>
  );
}
