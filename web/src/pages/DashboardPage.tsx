// A site's dashboard: /orgs/:org/sites/:site. Loaded on demand (React.lazy
// in App.tsx). Its whole state lives in the query string (lib/dashboard.ts).
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useId, useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { Link, useLocation, useParams, useSearch } from 'wouter';
import { request } from '../api/client';
import { DashboardQuery, DashboardSiteQuery } from '../api/dashboardDocuments';
import type { ResultOf } from '../api/graphql';
import { retryOnce } from '../api/hooks';
import { ErrorBox } from '../components/ErrorBox';
import { useOrg } from '../components/OrgContext';
import { PageHeader } from '../components/PageHeader';
import { Chart } from '../dashboard/Chart';
import '../dashboard/dashboard.css';
import {
  addFilter,
  change,
  customRangeError,
  describeFilter,
  dimensionName,
  displayValue,
  formatDuration,
  formatRange,
  higherIsBetter,
  intervalFor,
  isTypingTarget,
  PANELS,
  parseState,
  periodForKey,
  PERIODS,
  previousRange,
  rangeOf,
  removeFilter,
  siteToday,
  stateToSearch,
  type DashFilter,
  type DashState,
  type Dim,
  type Metric,
  type PanelId,
  type Period,
} from '../lib/dashboard';
import { formatNumber } from '../lib/format';
import { can } from '../lib/permissions';
import { paths } from '../lib/routes';

type Dash = NonNullable<ResultOf<typeof DashboardQuery>['site']>;
type Row = Dash['sources'][number];

const ROWS = 10;

/** The dashboard's state from the URL, and a setter that pushes a history entry. */
function useDashState(): [DashState, (next: DashState, opts?: { replace?: boolean }) => void] {
  const search = useSearch();
  const [location, navigate] = useLocation();
  const state = useMemo(() => parseState(search), [search]);
  const set = useCallback(
    (next: DashState, opts?: { replace?: boolean }) => {
      const qs = stateToSearch(next);
      if (qs.replace(/^\?/, '') === search) return;
      navigate(location + qs, { replace: opts?.replace ?? false });
    },
    [location, navigate, search],
  );
  return [state, set];
}

export default function DashboardPage() {
  const org = useOrg();
  const { site: siteId } = useParams<{ site: string }>();
  const readable = can(org.viewerRole, 'readSites');
  const site = useQuery({
    queryKey: ['dashboardSite', siteId],
    queryFn: async () => (await request(DashboardSiteQuery, { id: siteId })).site,
    retry: retryOnce,
    enabled: readable,
    // The current visitors' count.
    refetchInterval: 15_000,
    staleTime: 0,
  });
  if (!readable)
    return (
      <>
        <PageHeader title="Dashboard" />
        <p>Your role in {org.name} does not include reading sites and reports.</p>
      </>
    );
  if (site.isPending)
    return (
      <>
        <PageHeader title="Dashboard" />
        <div className="dash-controls-skeleton skeleton" aria-hidden="true" />
        <DashSkeleton label="Loading the site…" />
      </>
    );
  if (site.isError)
    return (
      <>
        <PageHeader title="Dashboard" />
        <ErrorBox error={site.error} onRetry={() => void site.refetch()} />
      </>
    );
  return <Dashboard site={site.data} orgSlug={org.slug} manage={can(org.viewerRole, 'manageSites')} />;
}

function Dashboard({
  site,
  orgSlug,
  manage,
}: {
  site: ResultOf<typeof DashboardSiteQuery>['site'];
  orgSlug: string;
  manage: boolean;
}) {
  const [state, setState] = useDashState();
  const recordings = can(useOrg().viewerRole, 'readRecordings');
  const today = siteToday(new Date(), site.timezone);
  const range = rangeOf(state, today);
  const interval = range ? intervalFor(range, state.period) : 'DAY';
  const vars = range
    ? {
        id: site.id,
        range,
        previousRange: previousRange(range),
        compare: state.compare,
        interval,
        filters: state.filters.length ? state.filters : null,
        sources: state.tabs.sources,
        pages: state.tabs.pages,
        locations: state.tabs.locations,
        devices: state.tabs.devices,
        limit: ROWS,
      }
    : null;
  const q = useQuery({
    queryKey: ['dashboard', vars],
    queryFn: async () => (await request(DashboardQuery, vars!)).site,
    enabled: vars !== null,
    retry: retryOnce,
    placeholderData: keepPreviousData,
    // Waiting for the first page view: ask again until it comes.
    refetchInterval: (query) => {
      const d = query.state.data;
      return d && d.stats.events === 0 && state.filters.length === 0 && range && range.to >= today ? 10_000 : false;
    },
  });

  const customFrom = useRef<HTMLInputElement>(null);
  const setPeriod = useCallback(
    (period: Period) => {
      if (period === 'custom') {
        const r = range ?? { from: today, to: today };
        setState({ ...state, period, from: state.from ?? r.from, to: state.to ?? r.to });
        window.setTimeout(() => customFrom.current?.focus(), 0);
      } else setState({ ...state, period, from: null, to: null });
    },
    [range, setState, state, today],
  );

  // Keyboard shortcuts: one letter, never while typing in a field.
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || isTypingTarget(e.target)) return;
      if (e.key.toLowerCase() === 'x') {
        e.preventDefault();
        setState({ ...state, compare: !state.compare });
        return;
      }
      const p = periodForKey(e.key);
      if (!p) return;
      e.preventDefault();
      if (p === 'custom') {
        if (state.period === 'custom') customFrom.current?.focus();
        else setPeriod('custom');
      } else setPeriod(p);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [setPeriod, setState, state]);

  const data = q.data;
  // Nothing yet: no events in a range up to today, nobody on the site, no filter.
  const empty = !!data && !!range && range.to >= today && data.stats.events === 0 && site.realtimeVisitors === 0 && state.filters.length === 0;
  const updating = q.isFetching && q.isPlaceholderData;

  const addRowFilter = (dimension: Dim, value: string) => setState({ ...state, filters: addFilter(state.filters, { dimension, op: 'IS', value }) });

  return (
    <>
      <PageHeader title={site.name} docTitle={`Dashboard · ${site.name}`}>
        <Realtime count={site.realtimeVisitors} />
        {recordings ? (
          <Link href={paths.recordings(orgSlug, site.id)} aria-label={`Recordings of ${site.name}`}>
            Recordings
          </Link>
        ) : null}
        <Link href={paths.heatmaps(orgSlug, site.id)} aria-label={`Heatmaps of ${site.name}`}>
          Heatmaps
        </Link>
        {manage ? (
          <>
            <Link href={paths.siteSettings(orgSlug, site.id)} aria-label={`Settings of ${site.name}`}>
              Settings
            </Link>
            <Link href={paths.siteData(orgSlug, site.id)} aria-label={`Data of ${site.name}`}>
              Data
            </Link>
          </>
        ) : null}
      </PageHeader>
      <p className="dash-domain mono">{site.domain}</p>

      <Controls state={state} setState={setState} setPeriod={setPeriod} range={range} today={today} timeZone={site.timezone} customFrom={customFrom} />

      {state.filters.length ? (
        <FilterChips filters={state.filters} onRemove={(f) => setState({ ...state, filters: removeFilter(state.filters, f) })} onClear={() => setState({ ...state, filters: [] })} />
      ) : null}

      {!range ? (
        <p className="notice">Choose a valid custom range to see the reports.</p>
      ) : q.isPending ? (
        <DashSkeleton label="Loading the reports…" />
      ) : q.isError && !data ? (
        <ErrorBox error={q.error} onRetry={() => void q.refetch()} />
      ) : data ? (
        empty ? (
          <EmptySite orgSlug={orgSlug} siteId={site.id} manage={manage} range={range} />
        ) : (
          <div className={updating ? 'dash-body updating' : 'dash-body'} aria-busy={updating}>
            {q.isError ? <ErrorBox error={q.error} onRetry={() => void q.refetch()} title="Could not update the reports" /> : null}
            <TopStats stats={data.stats} compare={state.compare} metric={state.metric} onMetric={(metric) => setState({ ...state, metric })} />
            <section className="card dash-chart" aria-labelledby="chart-h">
              <h2 id="chart-h">
                {state.metric === 'visitors' ? 'Unique visitors' : 'Page views'}
                <span className="muted"> · {formatRange(range)}</span>
              </h2>
              <Chart
                points={data.series.map((p) => ({ at: p.at, value: p[state.metric] }))}
                previous={state.compare && data.previousSeries ? data.previousSeries.map((p) => ({ at: p.at, value: p[state.metric] })) : null}
                interval={interval}
                timeZone={site.timezone}
                metricLabel={state.metric === 'visitors' ? 'Unique visitors' : 'Page views'}
                caption={`${state.metric === 'visitors' ? 'Unique visitors' : 'Page views'} per ${interval.toLowerCase()}, ${formatRange(range)}${state.compare ? ', with the previous period' : ''}`}
              />
            </section>
            <div className="panels">
              {PANELS.map((panel) => (
                <Panel
                  key={panel.id}
                  panel={panel}
                  tab={state.tabs[panel.id]}
                  rows={data[panel.id]}
                  onTab={(dim) => setState({ ...state, tabs: { ...state.tabs, [panel.id]: dim } })}
                  onRow={addRowFilter}
                />
              ))}
            </div>
          </div>
        )
      ) : null}
    </>
  );
}

function Realtime({ count }: { count: number }) {
  return (
    <p className="realtime">
      <span className={count > 0 ? 'pulse on' : 'pulse'} aria-hidden="true" />
      <strong>{formatNumber(count)}</strong> {count === 1 ? 'current visitor' : 'current visitors'}
    </p>
  );
}

function Controls({
  state,
  setState,
  setPeriod,
  range,
  today,
  timeZone,
  customFrom,
}: {
  state: DashState;
  setState: (s: DashState) => void;
  setPeriod: (p: Period) => void;
  range: { from: string; to: string } | null;
  today: string;
  timeZone: string;
  customFrom: React.RefObject<HTMLInputElement>;
}) {
  const id = useId();
  const [from, setFrom] = useState(state.from ?? '');
  const [to, setTo] = useState(state.to ?? '');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setFrom(state.from ?? '');
    setTo(state.to ?? '');
    setError(null);
  }, [state.from, state.to]);
  const apply = (e: FormEvent) => {
    e.preventDefault();
    const err = customRangeError(from, to);
    setError(err);
    if (!err) setState({ ...state, period: 'custom', from, to });
  };
  return (
    <div className="dash-controls">
      <div className="dash-pickers">
        <div className="field">
          <label htmlFor={`${id}-range`}>Date range</label>
          <select
            id={`${id}-range`}
            value={state.period}
            onChange={(e) => setPeriod(e.target.value as Period)}
            aria-describedby={`${id}-keys`}
            aria-keyshortcuts={PERIODS.map((p) => p.key).join(' ')}
          >
            {PERIODS.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-compare`}>Comparison</label>
          <select
            id={`${id}-compare`}
            value={state.compare ? 'previous' : 'off'}
            onChange={(e) => setState({ ...state, compare: e.target.value === 'previous' })}
            aria-keyshortcuts="x"
          >
            <option value="off">Off</option>
            <option value="previous">Previous period</option>
          </select>
        </div>
        {range ? (
          <p className="dash-range" aria-live="polite">
            {formatRange(range)}
            {state.compare ? <span className="muted"> vs {formatRange(previousRange(range))}</span> : null}
          </p>
        ) : null}
      </div>
      {state.period === 'custom' ? (
        <form className="dash-custom" onSubmit={apply} noValidate aria-label="Custom range">
          <div className="field">
            <label htmlFor={`${id}-from`}>From</label>
            <input
              ref={customFrom}
              id={`${id}-from`}
              type="date"
              value={from}
              max={today}
              onChange={(e) => setFrom(e.target.value)}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? `${id}-err` : undefined}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-to`}>To</label>
            <input
              id={`${id}-to`}
              type="date"
              value={to}
              max={today}
              onChange={(e) => setTo(e.target.value)}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? `${id}-err` : undefined}
            />
          </div>
          <button type="submit" className="button secondary">
            Apply range
          </button>
          {error ?? (!range ? customRangeError(state.from, state.to) : null) ? (
            <p id={`${id}-err`} className="field-error" role="alert">
              {error ?? customRangeError(state.from, state.to)}
            </p>
          ) : null}
        </form>
      ) : null}
      <p id={`${id}-keys`} className="hint dash-keys">
        Keyboard shortcuts:{' '}
        {PERIODS.map((p) => (
          <span key={p.id}>
            <kbd>{p.key.toUpperCase()}</kbd> {p.short},{' '}
          </span>
        ))}
        <kbd>X</kbd> comparison on or off. Days are in the site's time zone ({timeZone}).
      </p>
    </div>
  );
}

function FilterChips({ filters, onRemove, onClear }: { filters: DashFilter[]; onRemove: (f: DashFilter) => void; onClear: () => void }) {
  const listRef = useRef<HTMLUListElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  // Keep the keyboard focus in the filter bar when a chip goes away.
  const remove = (f: DashFilter, i: number) => {
    onRemove(f);
    window.setTimeout(() => {
      const buttons = listRef.current?.querySelectorAll<HTMLButtonElement>('button');
      const next = buttons?.[Math.min(i, (buttons?.length ?? 1) - 1)];
      (next ?? heading.current)?.focus();
    }, 0);
  };
  return (
    <section className="dash-filters" aria-labelledby="filters-h">
      <h2 id="filters-h" className="visually-hidden" tabIndex={-1} ref={heading}>
        Filters
      </h2>
      <ul ref={listRef} className="chips">
        {filters.map((f, i) => {
          const text = describeFilter(f, displayValue);
          return (
            <li key={`${f.dimension}:${f.op}:${f.value}`} className="chip">
              <span className="chip-text">
                <span className="chip-dim">{dimensionName(f.dimension)}</span> {f.op === 'IS' ? 'is' : f.op === 'IS_NOT' ? 'is not' : 'contains'}{' '}
                <strong>{displayValue(f.dimension, f.value)}</strong>
              </span>
              <button type="button" className="chip-remove" aria-label={`Remove filter: ${text}`} onClick={() => remove(f, i)}>
                <span aria-hidden="true">×</span>
              </button>
            </li>
          );
        })}
      </ul>
      {filters.length > 1 ? (
        <button type="button" className="button ghost" onClick={onClear}>
          Remove all filters
        </button>
      ) : null}
    </section>
  );
}

const METRICS: { id: Metric; label: string; chart: boolean }[] = [
  { id: 'visitors', label: 'Unique visitors', chart: true },
  { id: 'visits', label: 'Visits', chart: false },
  { id: 'pageviews', label: 'Page views', chart: true },
  { id: 'viewsPerVisit', label: 'Views per visit', chart: false },
  { id: 'bounceRate', label: 'Bounce rate', chart: false },
  { id: 'visitDurationSeconds', label: 'Visit duration', chart: false },
];

function formatMetric(m: Metric, v: number): string {
  if (m === 'bounceRate') return `${Math.round(v)}%`;
  if (m === 'visitDurationSeconds') return formatDuration(v);
  if (m === 'viewsPerVisit') return v.toFixed(2).replace(/\.?0+$/, '') || '0';
  return formatNumber(v);
}

function TopStats({
  stats,
  compare,
  metric,
  onMetric,
}: {
  stats: Dash['stats'];
  compare: boolean;
  metric: string;
  onMetric: (m: 'visitors' | 'pageviews') => void;
}) {
  return (
    <section className="dash-stats" aria-labelledby="stats-h">
      <h2 id="stats-h" className="visually-hidden">
        Top stats
      </h2>
      <ul className="stat-tiles">
        {METRICS.map((m) => {
          const value = stats[m.id];
          const prev = compare && stats.previous ? stats.previous[m.id] : null;
          // Averages of no visits compare with nothing.
          const prevEmpty = stats.previous ? (m.id === 'visitors' || m.id === 'pageviews' ? stats.previous.events === 0 : stats.previous.visits === 0) : true;
          const ch = prev !== null && !prevEmpty ? change(m.id, value, prev) : null;
          const good = ch ? (ch.value === 0 ? 'flat' : (ch.value > 0) === higherIsBetter(m.id) ? 'good' : 'bad') : '';
          const body = (
            <>
              <span className="stat-label">{m.label}</span>
              <span className="stat-value">{formatMetric(m.id, value)}</span>
              {prev !== null ? (
                <span className={`stat-change ${good}`}>
                  {ch ? (
                    <>
                      <span aria-hidden="true">{ch.value > 0 ? '↑' : ch.value < 0 ? '↓' : '→'} </span>
                      {ch.text}
                    </>
                  ) : (
                    <span aria-hidden="true">—</span>
                  )}
                  <span className="visually-hidden">
                    {ch ? ` vs the previous period (${formatMetric(m.id, prev)})` : ' no data to compare in the previous period'}
                  </span>
                </span>
              ) : null}
            </>
          );
          return (
            <li key={m.id}>
              {m.chart ? (
                <button type="button" className="stat chartable" aria-pressed={metric === m.id} onClick={() => onMetric(m.id as 'visitors' | 'pageviews')}>
                  {body}
                </button>
              ) : (
                <div className="stat">{body}</div>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

function Panel({
  panel,
  tab,
  rows,
  onTab,
  onRow,
}: {
  panel: (typeof PANELS)[number];
  tab: Dim;
  rows: Row[];
  onTab: (d: Dim) => void;
  onRow: (d: Dim, v: string) => void;
}) {
  const id = `panel-${panel.id as PanelId}`;
  const current = panel.tabs.find((t) => t.dim === tab) ?? panel.tabs[0]!;
  const tabRefs = useRef<(HTMLButtonElement | null)[]>([]);
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const i = panel.tabs.findIndex((t) => t.dim === current.dim);
    let n = -1;
    if (e.key === 'ArrowRight') n = (i + 1) % panel.tabs.length;
    else if (e.key === 'ArrowLeft') n = (i - 1 + panel.tabs.length) % panel.tabs.length;
    else if (e.key === 'Home') n = 0;
    else if (e.key === 'End') n = panel.tabs.length - 1;
    if (n < 0) return;
    e.preventDefault();
    onTab(panel.tabs[n]!.dim);
    tabRefs.current[n]?.focus();
  };
  const max = Math.max(1, ...rows.map((r) => r.visitors));
  return (
    <section className="card panel" aria-labelledby={`${id}-h`}>
      <div className="panel-head">
        <h2 id={`${id}-h`}>{panel.title}</h2>
        <div role="tablist" aria-label={panel.title} className="tabs" onKeyDown={onKeyDown}>
          {panel.tabs.map((t, i) => (
            <button
              key={t.dim}
              ref={(el) => {
                tabRefs.current[i] = el;
              }}
              type="button"
              role="tab"
              id={`${id}-tab-${t.dim}`}
              aria-selected={t.dim === current.dim}
              aria-controls={`${id}-body`}
              tabIndex={t.dim === current.dim ? 0 : -1}
              onClick={() => onTab(t.dim)}
            >
              {t.label}
            </button>
          ))}
        </div>
      </div>
      <div role="tabpanel" id={`${id}-body`} aria-labelledby={`${id}-tab-${current.dim}`} className="panel-body">
        <p className="panel-cols" aria-hidden="true">
          <span>{current.column}</span>
          <span>Visitors</span>
        </p>
        {rows.length === 0 ? (
          <p className="panel-empty muted">
            {panel.id === 'locations' ? 'No locations in this range (they need a GeoIP database on the server).' : 'Nothing in this range.'}
          </p>
        ) : (
          <ol className="bars">
            {rows.map((r) => {
              const label = displayValue(current.dim, r.value);
              return (
                <li key={r.value}>
                  <button type="button" className="bar-row" onClick={() => onRow(current.dim, r.value)}>
                    <span className="bar" style={{ width: `${(r.visitors / max) * 100}%` }} aria-hidden="true" />
                    <span className="bar-label">
                      <span className="visually-hidden">Filter by {dimensionName(current.dim).toLowerCase()}: </span>
                      {label}
                    </span>
                    <span className="bar-value">
                      {formatNumber(r.visitors)}
                      <span className="visually-hidden"> {r.visitors === 1 ? 'visitor' : 'visitors'}</span>
                    </span>
                  </button>
                </li>
              );
            })}
          </ol>
        )}
      </div>
    </section>
  );
}

function EmptySite({ orgSlug, siteId, manage, range }: { orgSlug: string; siteId: string; manage: boolean; range: { from: string; to: string } }) {
  return (
    <div className="empty card dash-empty">
      <h2>
        <span className="spinner" aria-hidden="true" />
        Waiting for the first page view
      </h2>
      <p>
        No page views in {formatRange(range)} and nobody on the site right now. This page checks again every few seconds.
      </p>
      {manage ? (
        <Link href={paths.siteSettings(orgSlug, siteId)} className="button primary">
          Go to the site's settings to install the snippet
        </Link>
      ) : (
        <p>An owner or admin can install the tracking snippet from the site's settings.</p>
      )}
    </div>
  );
}

/** Placeholders shaped like the dashboard, so nothing moves when the data comes. */
function DashSkeleton({ label }: { label: string }) {
  return (
    <div className="dash-skeleton" role="status">
      <span className="visually-hidden">{label}</span>
      <div className="stat-tiles" aria-hidden="true">
        {Array.from({ length: 6 }, (_, i) => (
          <div key={i} className="skeleton stat-skeleton" />
        ))}
      </div>
      <div className="skeleton chart-skeleton" aria-hidden="true" />
      <div className="panels" aria-hidden="true">
        {PANELS.map((p) => (
          <div key={p.id} className="skeleton panel-skeleton" />
        ))}
      </div>
    </div>
  );
}
