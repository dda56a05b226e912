// A site's dashboard: /orgs/:org/sites/:site. Loaded on demand (React.lazy
// in App.tsx). Its whole state lives in the query string (lib/dashboard.ts).
// A share link's page (pages/SharePage.tsx) shows the same `Dashboard`,
// read-only: its reports, nothing else.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useId, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Link, useLocation, useParams } from 'wouter';
import { useSearch } from 'wouter/use-browser-location';
import type { DashboardQuery, DashboardSiteQuery } from '../api/dashboardDocuments';
import { dashboardQuery, dashboardSiteQuery, dashboardVars } from '../api/dashboardQueries';
import type { ResultOf } from '../api/graphql';
import { errorItems } from '../api/errors';
import { ErrorBox } from '../components/ErrorBox';
import { useOrg } from '../components/OrgContext';
import { PageHeader } from '../components/PageHeader';
import { useTitle } from '../lib/useTitle';
import { Chart } from '../dashboard/Chart';
import '../dashboard/dashboard.css';
import { Details } from '../dashboard/Details';
import { FilterDialog } from '../dashboard/FilterDialog';
import { GoalList } from '../dashboard/Goals';
import { mark } from '../dashboard/marks';
import { Panel } from '../dashboard/Panel';
import { PropertyList } from '../dashboard/Properties';
import { RealtimeView } from '../dashboard/RealtimeView';
import { DeletedSegment, SegmentBar, useSegmentList } from '../dashboard/Segments';
import {
  addFilter,
  apiFilter,
  change,
  COMPARISONS,
  comparedRange,
  customRangeError,
  DEFAULT_DETAILS_SORT,
  describeFilter,
  filterDisplay,
  filterSubject,
  formatMetric,
  formatRange,
  hasDetails,
  higherIsBetter,
  intervalFor,
  isTypingTarget,
  METRIC_LABELS,
  METRICS,
  OP_NAMES,
  PANELS,
  panelById,
  panelTab,
  parseState,
  periodForKey,
  PERIODS,
  rangeOf,
  removeFilter,
  siteToday,
  stateToSearch,
  type Compare,
  type DashFilter,
  type DashState,
  type DayRange,
  type Dim,
  type Metric,
  type Period,
} from '../lib/dashboard';
import { refusedGoalIds, type GoalRef } from '../lib/goals';
import { reportFilters } from '../lib/segments';
import type { TableRow } from '../lib/table';
import { formatNumber } from '../lib/format';
import { can } from '../lib/permissions';
import { paths } from '../lib/routes';
import { keepParams } from '../lib/share';

type Dash = NonNullable<ResultOf<typeof DashboardQuery>['site']>;

/**
 * Who reads the dashboard: a member of the site's organization (the
 * header's links as the role allows), or whoever holds a share link (the
 * reports only: no links out of the page, no segments, nothing of the
 * viewer's; framed, `embed`, not even the heading).
 */
export type DashboardViewer =
  | { kind: 'member'; orgSlug: string; manage: boolean; recordings: boolean }
  | {
      kind: 'share';
      /** The link's name. */
      name: string;
      embed: boolean;
      /** The URL's parameters that are not the dashboard's state (`shareLookParams`): kept as it changes. */
      keep: string;
    };

/**
 * The dashboard's state from the URL, and a setter that pushes a history
 * entry. The query string is read as the browser has it: wouter's own
 * useSearch passes it through decodeURI first, which turns `%25` into `%`
 * and so garbles values and property keys holding a `%` or an escape.
 * `keep`: a share link's page, whose state has no segment, and whose URL
 * keeps these parameters (its embed's look); null for members.
 */
function useDashState(keep: string | null): [DashState, (next: DashState, opts?: { replace?: boolean }) => void] {
  const search = useSearch().replace(/^\?/, '');
  const [location, navigate] = useLocation();
  const state = useMemo(() => {
    const parsed = parseState(search);
    return keep === null ? parsed : { ...parsed, segment: null };
  }, [search, keep]);
  const set = useCallback(
    (next: DashState, opts?: { replace?: boolean }) => {
      const qs = keep === null ? stateToSearch(next) : keepParams(stateToSearch(next), keep);
      if (qs.replace(/^\?/, '') === search) return;
      navigate(location + qs, { replace: opts?.replace ?? false });
    },
    [keep, location, navigate, search],
  );
  return [state, set];
}

export default function DashboardPage() {
  const org = useOrg();
  const { site: siteId } = useParams<{ site: string }>();
  const readable = can(org.viewerRole, 'readSites');
  const site = useQuery({
    ...dashboardSiteQuery(siteId),
    enabled: readable,
    // The current visitors' count.
    refetchInterval: 15_000,
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
  return (
    <Dashboard
      site={site.data}
      viewer={{ kind: 'member', orgSlug: org.slug, manage: can(org.viewerRole, 'manageSites'), recordings: can(org.viewerRole, 'readRecordings') }}
    />
  );
}

/** A site's dashboard, for a member (DashboardPage) or a share link's holder (pages/SharePage.tsx). */
export function Dashboard({ site, viewer }: { site: ResultOf<typeof DashboardSiteQuery>['site']; viewer: DashboardViewer }) {
  const shared = viewer.kind === 'share';
  const [state, setState] = useDashState(shared ? viewer.keep : null);
  const manage = viewer.kind === 'member' && viewer.manage;
  const today = siteToday(new Date(), site.timezone);
  const realtime = state.period === 'realtime';
  const range = rangeOf(state, today);
  const interval = range ? intervalFor(range, state.period) : 'DAY';
  // The Properties tab without a key in the URL lists the first of the
  // range's keys: known once an answer named them (the view then asks
  // again, for that key's values).
  const [firstKey, setFirstKey] = useState<string | null>(null);
  const propertiesTab = state.tabs.events === 'PROPERTY';
  const view = propertiesTab && state.propKey === null && firstKey !== null ? { ...state, propKey: firstKey } : state;
  const vars = dashboardVars(site.id, view, today, shared);
  const q = useQuery({
    ...dashboardQuery(vars),
    enabled: vars !== null,
    placeholderData: keepPreviousData,
    // Waiting for the first page view: ask again until it comes.
    refetchInterval: (query) => {
      const d = query.state.data;
      return d && d.stats.events === 0 && state.filters.length === 0 && !state.segment && range && range.to >= today ? 10_000 : false;
    },
  });

  const [adding, setAdding] = useState(false);
  const customFrom = useRef<HTMLInputElement>(null);
  const setPeriod = useCallback(
    (period: Period) => {
      if (period === 'custom') {
        const r = range ?? { from: today, to: today };
        setState({ ...state, period, from: state.from ?? r.from, to: state.to ?? r.to });
        window.setTimeout(() => customFrom.current?.focus(), 0);
      } else setState({ ...state, period, from: null, to: null, details: period === 'realtime' ? null : state.details });
    },
    [range, setState, state, today],
  );

  // Keyboard shortcuts: one letter, never while typing in a field or with a dialog open.
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || isTypingTarget(e.target)) return;
      if (document.querySelector('dialog[open]')) return;
      if (e.key.toLowerCase() === 'x') {
        e.preventDefault();
        setState({ ...state, compare: state.compare === 'off' ? 'previous' : 'off' });
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

  const data = realtime ? undefined : q.data;
  const propertyKeys = q.data?.propertyKeys;
  useEffect(() => {
    if (propertyKeys) setFirstKey(propertyKeys[0]?.key ?? null);
  }, [propertyKeys]);
  // Nothing yet: no events in a range up to today, nobody on the site, no filter.
  const empty = !!data && !!range && range.to >= today && data.stats.events === 0 && site.realtimeVisitors === 0 && state.filters.length === 0 && !state.segment;
  const updating = q.isFetching && q.isPlaceholderData;
  // The same points while the data and metric stay: the chart is drawn
  // again only for them, not for every change of the URL (a details
  // dialog's order or search).
  const series = data?.series;
  const metric = state.metric;
  const points = useMemo(
    () =>
      (series ?? []).map((p) => ({
        at: p.at,
        value: p[metric],
        previous: p.previous ? { at: p.previous.at, value: p.previous[metric] } : null,
      })),
    [series, metric],
  );

  const addRowFilter = (dimension: Dim, value: string, key?: string) =>
    setState({
      ...state,
      details: null,
      filters: addFilter(state.filters, key === undefined ? { dimension, op: 'IS', value } : { dimension, op: 'IS', value, key }),
    });
  const compared = COMPARISONS.find((c) => c.id === state.compare)!;
  const metricLabel = METRIC_LABELS[state.metric];
  const detailsPanel = state.details && hasDetails(state.tabs[state.details]) ? panelById(state.details) : null;
  // The site's goals, to name GOAL filters: those of the last answer while
  // the next is on its way, or in the realtime view (which asks for none).
  const lastGoals = useRef<readonly GoalRef[] | undefined>(undefined);
  if (q.data) lastGoals.current = q.data.goals;
  const goals = lastGoals.current;
  // A GOAL filter whose goal was deleted fails the whole report: the server's answer names it.
  const refused = useMemo(() => (q.isError ? refusedGoalIds(errorItems(q.error), state.filters) : new Set<string>()), [q.isError, q.error, state.filters]);
  const segments = useSegmentList(q.data, q.isError ? q.error : null, state.segment);
  const removeRefused = () => setState({ ...state, filters: state.filters.filter((f) => !(f.dimension === 'GOAL' && refused.has(f.value))) });

  const visitors = <CurrentVisitors count={site.realtimeVisitors} onOpen={() => setPeriod('realtime')} />;
  return (
    <>
      {viewer.kind === 'share' ? (
        <ShareHeader name={viewer.name} domain={site.domain} embed={viewer.embed}>
          {visitors}
        </ShareHeader>
      ) : (
        <>
          <PageHeader title={site.name} docTitle={`Dashboard · ${site.name}`}>
            {visitors}
            {viewer.recordings ? (
              <Link href={paths.recordings(viewer.orgSlug, site.id)} aria-label={`Recordings of ${site.name}`}>
                Recordings
              </Link>
            ) : null}
            <Link href={paths.heatmaps(viewer.orgSlug, site.id)} aria-label={`Heatmaps of ${site.name}`}>
              Heatmaps
            </Link>
            <Link href={paths.funnels(viewer.orgSlug, site.id)} aria-label={`Funnels of ${site.name}`}>
              Funnels
            </Link>
            {manage ? (
              <>
                <Link href={paths.siteSettings(viewer.orgSlug, site.id)} aria-label={`Settings of ${site.name}`}>
                  Settings
                </Link>
                <Link href={paths.siteData(viewer.orgSlug, site.id)} aria-label={`Data of ${site.name}`}>
                  Data
                </Link>
              </>
            ) : null}
          </PageHeader>
          <p className="dash-domain mono">{site.domain}</p>
        </>
      )}

      <Controls state={state} setState={setState} setPeriod={setPeriod} range={range} today={today} timeZone={site.timezone} customFrom={customFrom} />

      <FilterBar
        filters={state.filters}
        display={filterDisplay(goals, refused)}
        realtime={realtime}
        onAdd={() => setAdding(true)}
        onRemove={(f) => setState({ ...state, filters: removeFilter(state.filters, f) })}
        onClear={() => setState({ ...state, filters: [] })}
      />
      {shared ? null : (
        <SegmentBar
          siteId={site.id}
          segment={state.segment}
          filters={state.filters}
          segments={segments.segments}
          refused={segments.refused}
          realtime={realtime}
          display={filterDisplay(goals, refused)}
          onSelect={(segment) => setState({ ...state, segment })}
          onSaved={(segment) => setState({ ...state, segment, filters: [] })}
        />
      )}
      {adding && range ? (
        <FilterDialog
          siteId={site.id}
          range={range}
          filters={state.filters}
          goals={goals ?? []}
          propertyKeys={propertyKeys?.map((k) => k.key)}
          onClose={() => setAdding(false)}
          onApply={(f) => {
            setAdding(false);
            setState({ ...state, period: realtime ? 'day' : state.period, filters: addFilter(state.filters, f) });
          }}
        />
      ) : null}

      {realtime ? (
        <RealtimeView
          siteId={site.id}
          timeZone={site.timezone}
          // The realtime figures are not filtered: a row opens today's dashboard filtered by it.
          onRow={(dimension, value) => setState({ ...state, period: 'day', filters: addFilter(state.filters, { dimension, op: 'IS', value }) })}
        />
      ) : !range ? (
        <p className="notice">Choose a valid custom range to see the reports.</p>
      ) : q.isPending ? (
        <DashSkeleton label="Loading the reports…" />
      ) : refused.size > 0 ? (
        <DeletedGoal count={refused.size} onRemove={removeRefused} />
      ) : segments.refused ? (
        <DeletedSegment onRemove={() => setState({ ...state, segment: null })} />
      ) : q.isError && !data ? (
        <ErrorBox error={q.error} onRetry={() => void q.refetch()} />
      ) : data ? (
        empty ? (
          <EmptySite viewer={viewer} siteId={site.id} range={range} />
        ) : (
          <div className={updating ? 'dash-body updating' : 'dash-body'} aria-busy={updating}>
            {q.isError ? <ErrorBox error={q.error} onRetry={() => void q.refetch()} title="Could not update the reports" /> : null}
            <TopStats stats={data.stats} compare={state.compare} metric={state.metric} onMetric={(metric) => setState({ ...state, metric })} />
            <section className="card dash-chart" aria-labelledby="chart-h">
              <h2 id="chart-h">
                {metricLabel}
                <span className="muted"> · {formatRange(range)}</span>
              </h2>
              <Chart
                points={points}
                comparing={state.compare !== 'off'}
                comparedLabel={compared.label}
                metric={state.metric}
                interval={interval}
                timeZone={site.timezone}
                metricLabel={metricLabel}
                caption={`${metricLabel} per ${interval.toLowerCase()}, ${formatRange(range)}${state.compare !== 'off' ? `, with ${compared.against}` : ''}`}
              />
            </section>
            <div className="panels">
              {PANELS.map((panel) => {
                const tab = state.tabs[panel.id];
                return (
                  <Panel
                    key={panel.id}
                    panel={panel}
                    tab={tab}
                    rows={(panel.id === 'events' ? (data.events ?? []).filter((r) => r.value !== 'pageview') : data[panel.id]).map(panelRow)}
                    total={data.stats.visitors}
                    onTab={(t) => setState({ ...state, tabs: { ...state.tabs, [panel.id]: t } })}
                    onRow={addRowFilter}
                    onDetails={
                      hasDetails(tab) ? () => setState({ ...state, details: panel.id, detailsSort: DEFAULT_DETAILS_SORT, detailsSearch: '' }) : undefined
                    }
                    body={
                      tab === 'GOALS' ? (
                        <GoalList
                          rows={data.goalConversions}
                          hasGoals={data.goals.length > 0}
                          settingsHref={viewer.kind === 'member' && manage ? `${paths.siteSettings(viewer.orgSlug, site.id)}#goals` : null}
                          shared={shared}
                          onGoal={(id) => addRowFilter('GOAL', id)}
                        />
                      ) : tab === 'PROPERTY' ? (
                        data.propertyKeys ? (
                          <PropertyList
                            keys={data.propertyKeys}
                            chosen={view.propKey}
                            rows={view.propKey !== null && data.properties ? data.properties.map(panelRow) : undefined}
                            total={data.stats.visitors}
                            onKey={(propKey) => setState({ ...state, propKey })}
                            onValue={(key, value) => addRowFilter('PROPERTY', value, key)}
                          />
                        ) : (
                          <p className="panel-empty muted" role="status">
                            Loading the properties…
                          </p>
                        )
                      ) : panel.id === 'events' && !data.events ? (
                        // The Goals tab's answer, kept while the custom events are on their way.
                        <p className="panel-empty muted" role="status">
                          Loading the custom events…
                        </p>
                      ) : undefined
                    }
                  />
                );
              })}
            </div>
            {detailsPanel ? (
              <Details
                key={`${detailsPanel.id}:${state.tabs[detailsPanel.id]}`}
                siteId={site.id}
                domain={site.domain}
                panel={detailsPanel}
                tab={panelTab(detailsPanel, state.tabs[detailsPanel.id])}
                range={range}
                filters={reportFilters(state.filters.map(apiFilter), state.segment) ?? []}
                total={data.stats.visitors}
                view={{ sort: state.detailsSort, search: state.detailsSearch }}
                onView={(v, how) => setState({ ...state, detailsSort: v.sort, detailsSearch: v.search }, { replace: how === 'replace' })}
                onRow={addRowFilter}
                onClose={() => setState({ ...state, details: null })}
              />
            ) : null}
          </div>
        )
      ) : null}
    </>
  );
}

/**
 * A share link's heading: its name and the site's domain; framed (`embed`),
 * for assistive technologies only (the page is nothing but the dashboard).
 * No links: the page leads nowhere else.
 */
function ShareHeader({ name, domain, embed, children }: { name: string; domain: string; embed: boolean; children: ReactNode }) {
  useTitle(`${name} · ${domain}`);
  return (
    <div className={embed ? 'page-header share-header embed' : 'page-header share-header'}>
      <div className="share-heading">
        <h1 className={embed ? 'visually-hidden' : undefined} data-testid="share-title">
          {name}
        </h1>
        <p className={embed ? 'visually-hidden' : 'share-domain mono'} data-testid="share-domain">
          {domain}
        </p>
      </div>
      <div className="page-actions">{children}</div>
    </div>
  );
}

/** "12 current visitors" in the header (polled with the site); opens the realtime view. */
function CurrentVisitors({ count, onOpen }: { count: number; onOpen: () => void }) {
  return (
    <button type="button" className="realtime" data-testid="current-visitors" data-value={count} onClick={onOpen} title="Open the realtime view">
      <span className={count > 0 ? 'pulse on' : 'pulse'} aria-hidden="true" />
      <strong>{formatNumber(count)}</strong> {count === 1 ? 'current visitor' : 'current visitors'}
    </button>
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
  range: DayRange | null;
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
  const realtime = state.period === 'realtime';
  const against = range ? comparedRange(range, state.compare) : null;
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
        {realtime ? null : (
          <div className="field">
            <label htmlFor={`${id}-compare`}>Comparison</label>
            <select
              id={`${id}-compare`}
              value={state.compare}
              onChange={(e) => setState({ ...state, compare: e.target.value as Compare })}
              aria-keyshortcuts="x"
            >
              {COMPARISONS.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.label}
                </option>
              ))}
            </select>
          </div>
        )}
        {realtime ? (
          <p className="dash-range" aria-live="polite">
            The last 30 minutes
          </p>
        ) : range ? (
          <p className="dash-range" aria-live="polite">
            {formatRange(range)}
            {against ? <span className="muted"> vs {formatRange(against)}</span> : null}
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
        <kbd>X</kbd> comparison with the previous period on or off. Days are in the site's time zone ({timeZone}).
      </p>
    </div>
  );
}

function FilterBar({
  filters,
  display,
  realtime,
  onAdd,
  onRemove,
  onClear,
}: {
  filters: DashFilter[];
  /** How a filter's value reads (a goal by its name). */
  display: (d: Dim, v: string) => string;
  realtime: boolean;
  onAdd: () => void;
  onRemove: (f: DashFilter) => void;
  onClear: () => void;
}) {
  const listRef = useRef<HTMLUListElement>(null);
  const addRef = useRef<HTMLButtonElement>(null);
  // Keep the keyboard focus in the filter bar when a chip goes away.
  const remove = (f: DashFilter, i: number) => {
    onRemove(f);
    window.setTimeout(() => {
      const buttons = listRef.current?.querySelectorAll<HTMLButtonElement>('button');
      const next = buttons?.[Math.min(i, (buttons?.length ?? 1) - 1)];
      (next ?? addRef.current)?.focus();
    }, 0);
  };
  return (
    <section className="dash-filters" aria-labelledby="filters-h">
      <h2 id="filters-h" className="visually-hidden">
        Filters
      </h2>
      {filters.length ? (
        <ul ref={listRef} className="chips">
          {filters.map((f, i) => {
            const text = describeFilter(f, display);
            return (
              <li
                key={`${f.dimension}:${f.key ?? ''}:${f.op}:${f.value}`}
                className="chip"
                data-testid="filter-chip"
                data-dimension={f.dimension}
                data-key={f.key}
                data-op={f.op}
                data-value={f.value}
              >
                <span className="chip-text">
                  <span className="chip-dim">{filterSubject(f)}</span> {OP_NAMES[f.op]} <strong>{display(f.dimension, f.value)}</strong>
                </span>
                <button type="button" className="chip-remove" aria-label={`Remove filter ${text}`} onClick={() => remove(f, i)} />
              </li>
            );
          })}
        </ul>
      ) : null}
      <button ref={addRef} type="button" className="button secondary add-filter" onClick={onAdd}>
        Add filter
      </button>
      {filters.length ? (
        <button
          type="button"
          className="button ghost"
          onClick={() => {
            onClear();
            window.setTimeout(() => addRef.current?.focus(), 0);
          }}
        >
          Remove all filters
        </button>
      ) : null}
      {realtime && filters.length ? <p className="hint">Filters do not apply to the realtime view.</p> : null}
    </section>
  );
}

function TopStats({
  stats,
  compare,
  metric,
  onMetric,
}: {
  stats: Dash['stats'];
  compare: Compare;
  metric: Metric;
  onMetric: (m: Metric) => void;
}) {
  // The benchmark's mark: the top stats show data (once per page load).
  useEffect(() => mark('stats'), []);
  const against = COMPARISONS.find((c) => c.id === compare)!.against;
  return (
    <section className="dash-stats" aria-labelledby="stats-h">
      <h2 id="stats-h" className="visually-hidden">
        Top stats (select one to chart it)
      </h2>
      <ul className="stat-tiles">
        {METRICS.map((m) => {
          const value = stats[m];
          const prev = compare !== 'off' && stats.previous ? stats.previous[m] : null;
          // Averages of no visits compare with nothing.
          const prevEmpty = stats.previous ? (m === 'visitors' || m === 'pageviews' ? stats.previous.events === 0 : stats.previous.visits === 0) : true;
          const ch = prev !== null && !prevEmpty ? change(m, value, prev) : null;
          const good = ch ? (ch.value === 0 ? 'flat' : (ch.value > 0) === higherIsBetter(m) ? 'good' : 'bad') : '';
          return (
            <li key={m}>
              <button
                type="button"
                className="stat"
                aria-pressed={metric === m}
                onClick={() => onMetric(m)}
                data-testid={`stat-${m}`}
                data-value={value}
                data-previous={prev ?? undefined}
              >
                <span className="stat-label">{METRIC_LABELS[m]}</span>
                <span className="stat-value">{formatMetric(m, value)}</span>
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
                      {ch ? ` vs ${against} (${formatMetric(m, prev)})` : ` no data to compare in ${against}`}
                    </span>
                  </span>
                ) : null}
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/** The view filters by a goal that was deleted: the server answers nothing for it. */
function DeletedGoal({ count, onRemove }: { count: number; onRemove: () => void }) {
  return (
    <div className="notice dash-deleted-goal" role="alert">
      <p>
        {count === 1 ? 'A filter of this view is by a goal that was deleted' : 'Filters of this view are by goals that were deleted'}, so there are no
        reports to show.
      </p>
      <button type="button" className="button secondary" onClick={onRemove}>
        {count === 1 ? "Remove the deleted goal's filter" : "Remove the deleted goals' filters"}
      </button>
    </div>
  );
}

function EmptySite({ viewer, siteId, range }: { viewer: DashboardViewer; siteId: string; range: { from: string; to: string } }) {
  return (
    <div className="empty card dash-empty">
      <h2>
        <span className="spinner" aria-hidden="true" />
        Waiting for the first page view
      </h2>
      <p>
        No page views in {formatRange(range)} and nobody on the site right now. This page checks again every few seconds.
      </p>
      {viewer.kind === 'share' ? null : viewer.manage ? (
        <Link href={paths.siteSettings(viewer.orgSlug, siteId)} className="button primary">
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

/** A panel's row as the table takes it: the visit figures a panel was not
 * asked for (it does not show them) as zero. */
function panelRow(r: { value: string; visitors: number; pageviews: number; events: number; visits?: number; bounceRate?: number }): TableRow {
  return { visits: 0, bounceRate: 0, visitDurationSeconds: 0, ...r };
}
