// The dashboard's state (range, comparison, filters, chart metric, panel
// tabs, the open details dialog with its order and search) lives in the
// URL's query string, so a copied link reproduces the view. Days are local
// days of the site's time zone (the API's DateRange).
import { addDays, dayIn, isDay } from './dates';
import { goalName, type GoalRef } from './goals';
import { parseSegmentParam } from './segments';
import type { Sort, SortKey } from './table';

export type Period = 'day' | 'yesterday' | 'realtime' | '7d' | '30d' | 'month' | 'lastmonth' | '12mo' | 'custom';
export type Metric = 'visitors' | 'visits' | 'pageviews' | 'viewsPerVisit' | 'bounceRate' | 'visitDurationSeconds';
/** What the reports are compared with (`compare=` in the URL; the API's `Comparison`). */
export type Compare = 'off' | 'previous' | 'year';
export type Dim =
  | 'PAGE'
  | 'ENTRY_PAGE'
  | 'EXIT_PAGE'
  | 'SOURCE'
  | 'REFERRER'
  | 'UTM_SOURCE'
  | 'UTM_MEDIUM'
  | 'UTM_CAMPAIGN'
  | 'UTM_CONTENT'
  | 'UTM_TERM'
  | 'COUNTRY'
  | 'REGION'
  | 'CITY'
  | 'BROWSER'
  | 'OS'
  | 'DEVICE'
  | 'SCREEN_SIZE'
  | 'HOSTNAME'
  | 'EVENT_NAME'
  /** A custom property's values; the filter's `key` names the property. */
  | 'PROPERTY'
  /** Filters only: the visitors who converted to a goal (the value: its id). */
  | 'GOAL';
export type Op = 'IS' | 'IS_NOT' | 'CONTAINS';
export type Interval = 'HOUR' | 'DAY' | 'WEEK' | 'MONTH';
export type PanelId = 'sources' | 'pages' | 'locations' | 'devices' | 'events';
/**
 * A panel's tab: a dimension, the world map (countries drawn, not
 * listed), or the goals (`goalConversions`, not a breakdown).
 */
export type Tab = Dim | 'MAP' | 'GOALS';

export interface DashFilter {
  dimension: Dim;
  op: Op;
  value: string;
  /** The property's name: set for PROPERTY, absent otherwise (the API refuses it elsewhere). */
  key?: string;
}

export interface DayRange {
  from: string;
  to: string;
}

export interface DashState {
  period: Period;
  /** Only for `custom`. */
  from: string | null;
  to: string | null;
  compare: Compare;
  metric: Metric;
  /** The saved segment applied beside the filters (`seg=<id>`; lib/segments.ts). */
  segment: string | null;
  filters: DashFilter[];
  tabs: Record<PanelId, Tab>;
  /** The panel whose details dialog is open. */
  details: PanelId | null;
  /** That dialog's order and search text (the defaults when no dialog is open). */
  detailsSort: Sort;
  detailsSearch: string;
  /** The Events panel's Properties tab: the property listed (`prop=`); null: the range's first. */
  propKey: string | null;
}

export const PERIODS: { id: Period; label: string; key: string; short: string }[] = [
  { id: 'day', label: 'Today', key: 'd', short: 'today' },
  { id: 'yesterday', label: 'Yesterday', key: 'e', short: 'yesterday' },
  { id: 'realtime', label: 'Realtime', key: 'r', short: 'realtime' },
  { id: '7d', label: 'Last 7 days', key: 'w', short: '7 days' },
  { id: '30d', label: 'Last 30 days', key: 'm', short: '30 days' },
  { id: 'month', label: 'Month to date', key: 't', short: 'month to date' },
  { id: 'lastmonth', label: 'Last month', key: 'l', short: 'last month' },
  { id: '12mo', label: 'Last 12 months', key: 'y', short: '12 months' },
  { id: 'custom', label: 'Custom range', key: 'c', short: 'custom' },
];

export const COMPARISONS: { id: Compare; label: string; against: string }[] = [
  { id: 'off', label: 'Off', against: '' },
  { id: 'previous', label: 'Previous period', against: 'the previous period' },
  { id: 'year', label: 'Same period last year', against: 'the same period last year' },
];

export interface PanelTab {
  id: Tab;
  /** The dimension asked for (the map asks for countries; the goals' tab for none: GOAL is filters only). */
  dim: Dim;
  label: string;
  column: string;
}

export interface PanelDef {
  id: PanelId;
  title: string;
  tabs: PanelTab[];
}

const tab = (dim: Dim, label: string, column: string): PanelTab => ({ id: dim, dim, label, column });

export const PANELS: PanelDef[] = [
  {
    id: 'sources',
    title: 'Sources',
    tabs: [
      tab('SOURCE', 'Sources', 'Source'),
      tab('REFERRER', 'Referrers', 'Referrer'),
      tab('UTM_SOURCE', 'UTM sources', 'UTM source'),
      tab('UTM_MEDIUM', 'UTM mediums', 'UTM medium'),
      tab('UTM_CAMPAIGN', 'UTM campaigns', 'UTM campaign'),
      tab('UTM_CONTENT', 'UTM contents', 'UTM content'),
      tab('UTM_TERM', 'UTM terms', 'UTM term'),
    ],
  },
  {
    id: 'pages',
    title: 'Pages',
    tabs: [tab('PAGE', 'Top pages', 'Page'), tab('ENTRY_PAGE', 'Entry pages', 'Entry page'), tab('EXIT_PAGE', 'Exit pages', 'Exit page')],
  },
  {
    id: 'locations',
    title: 'Locations',
    tabs: [
      { id: 'MAP', dim: 'COUNTRY', label: 'Map', column: 'Country' },
      tab('COUNTRY', 'Countries', 'Country'),
      tab('REGION', 'Regions', 'Region'),
      tab('CITY', 'Cities', 'City'),
    ],
  },
  {
    id: 'devices',
    title: 'Devices',
    tabs: [
      tab('BROWSER', 'Browsers', 'Browser'),
      tab('OS', 'Operating systems', 'Operating system'),
      tab('DEVICE', 'Device types', 'Device type'),
      tab('SCREEN_SIZE', 'Screen sizes', 'Screen size'),
    ],
  },
  {
    id: 'events',
    title: 'Events',
    tabs: [
      { id: 'GOALS', dim: 'GOAL', label: 'Goals', column: 'Goal' },
      tab('EVENT_NAME', 'Custom events', 'Event'),
      tab('PROPERTY', 'Properties', 'Value'),
    ],
  },
];

export const DIMS: readonly Dim[] = [
  'PAGE',
  'ENTRY_PAGE',
  'EXIT_PAGE',
  'SOURCE',
  'REFERRER',
  'UTM_SOURCE',
  'UTM_MEDIUM',
  'UTM_CAMPAIGN',
  'UTM_CONTENT',
  'UTM_TERM',
  'COUNTRY',
  'REGION',
  'CITY',
  'BROWSER',
  'OS',
  'DEVICE',
  'SCREEN_SIZE',
  'HOSTNAME',
  'EVENT_NAME',
  'PROPERTY',
  'GOAL',
];
export const OPS: readonly Op[] = ['IS', 'IS_NOT', 'CONTAINS'];
const GOAL_OPS: readonly Op[] = ['IS', 'IS_NOT'];
export const METRICS: readonly Metric[] = ['visitors', 'visits', 'pageviews', 'viewsPerVisit', 'bounceRate', 'visitDurationSeconds'];

const DIM_NAMES: Record<Dim, string> = {
  PAGE: 'Page',
  ENTRY_PAGE: 'Entry page',
  EXIT_PAGE: 'Exit page',
  SOURCE: 'Source',
  REFERRER: 'Referrer',
  UTM_SOURCE: 'UTM source',
  UTM_MEDIUM: 'UTM medium',
  UTM_CAMPAIGN: 'UTM campaign',
  UTM_CONTENT: 'UTM content',
  UTM_TERM: 'UTM term',
  COUNTRY: 'Country',
  REGION: 'Region',
  CITY: 'City',
  BROWSER: 'Browser',
  OS: 'Operating system',
  DEVICE: 'Device type',
  SCREEN_SIZE: 'Screen size',
  HOSTNAME: 'Hostname',
  EVENT_NAME: 'Event',
  PROPERTY: 'Property',
  GOAL: 'Goal',
};
export const OP_NAMES: Record<Op, string> = { IS: 'is', IS_NOT: 'is not', CONTAINS: 'contains' };

export const MAX_FILTERS = 20;
export const MAX_RANGE_DAYS = 1830;

export const DEFAULT_TABS: Record<PanelId, Tab> = {
  sources: 'SOURCE',
  pages: 'PAGE',
  locations: 'COUNTRY',
  devices: 'BROWSER',
  events: 'EVENT_NAME',
};

/** A details dialog's order until a column is chosen: most visitors first. */
export const DEFAULT_DETAILS_SORT: Sort = { key: 'visitors', dir: 'descending' };

export const DEFAULT_STATE: DashState = {
  period: '30d',
  from: null,
  to: null,
  compare: 'off',
  metric: 'visitors',
  segment: null,
  filters: [],
  tabs: DEFAULT_TABS,
  details: null,
  detailsSort: DEFAULT_DETAILS_SORT,
  detailsSearch: '',
  propKey: null,
};

/** A panel's open tab (its first when the state names another panel's). */
export function panelTab(panel: PanelDef, t: Tab): PanelTab {
  return panel.tabs.find((x) => x.id === t) ?? panel.tabs[0]!;
}

export function panelById(id: PanelId): PanelDef {
  return PANELS.find((p) => p.id === id)!;
}

/**
 * Whether a tab has a details dialog (the goals' tab lists every goal
 * already, and nothing breaks down by GOAL; the properties' tab lists one
 * property's values, chosen in the panel).
 */
export function hasDetails(t: Tab): boolean {
  return t !== 'GOALS' && t !== 'PROPERTY';
}

/** A custom property's name as the API takes it: 1 to 300 characters, no `"` nor `\`. */
export function isPropertyKey(key: string): boolean {
  return key.length > 0 && key.length <= 300 && !/["\\]/.test(key);
}

/** The operators a dimension's filters take: a goal is converted to or not, never "contains". */
export function opsFor(d: Dim): readonly Op[] {
  return d === 'GOAL' ? GOAL_OPS : OPS;
}

// ---- days ----

/** Today in the site's time zone, as YYYY-MM-DD. */
export function siteToday(now: Date, timeZone: string): string {
  return dayIn(now, timeZone);
}

/** Number of days from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}

function firstOfMonth(day: string, monthsBack = 0): string {
  const d = new Date(`${day.slice(0, 7)}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() - monthsBack);
  return d.toISOString().slice(0, 10);
}

/** The days a period covers, given today in the site's zone; null for an invalid custom range. */
export function rangeOf(state: Pick<DashState, 'period' | 'from' | 'to'>, today: string): DayRange | null {
  switch (state.period) {
    case 'day':
    case 'realtime':
      return { from: today, to: today };
    case 'yesterday': {
      const y = addDays(today, -1);
      return { from: y, to: y };
    }
    case '7d':
      return { from: addDays(today, -6), to: today };
    case '30d':
      return { from: addDays(today, -29), to: today };
    case 'month':
      return { from: firstOfMonth(today), to: today };
    case 'lastmonth': {
      const first = firstOfMonth(today, 1);
      return { from: first, to: addDays(firstOfMonth(today), -1) };
    }
    case '12mo':
      return { from: firstOfMonth(today, 11), to: today };
    case 'custom':
      return customRangeError(state.from, state.to) === null ? { from: state.from!, to: state.to! } : null;
  }
}

/** Why a custom range cannot be used, or null when it can. */
export function customRangeError(from: string | null, to: string | null): string | null {
  if (!from || !isDay(from)) return 'Enter a start date.';
  if (!to || !isDay(to)) return 'Enter an end date.';
  if (from > to) return 'The start date must not be after the end date.';
  if (daysBetween(from, to) > MAX_RANGE_DAYS) return `A range spans at most ${MAX_RANGE_DAYS} days.`;
  return null;
}

/** The period of equal length just before `range` (what the API's `previous` covers). */
export function previousRange(range: DayRange): DayRange {
  const n = daysBetween(range.from, range.to);
  return { from: addDays(range.from, -n), to: addDays(range.from, -1) };
}

/** The same dates a year before (29 February becomes the 28th). */
export function yearBefore(range: DayRange): DayRange {
  const back = (day: string) => {
    const y = String(Number(day.slice(0, 4)) - 1).padStart(4, '0');
    const md = day.slice(5);
    return md === '02-29' ? `${y}-02-28` : `${y}-${md}`;
  };
  return { from: back(range.from), to: back(range.to) };
}

/** The days the comparison covers, or null when not comparing. */
export function comparedRange(range: DayRange, compare: Compare): DayRange | null {
  if (compare === 'previous') return previousRange(range);
  if (compare === 'year') return yearBefore(range);
  return null;
}

/** The API's `Comparison` for a comparison, null when off. */
export function comparisonOf(compare: Compare): 'PREVIOUS_PERIOD' | 'YEAR_OVER_YEAR' | null {
  return compare === 'previous' ? 'PREVIOUS_PERIOD' : compare === 'year' ? 'YEAR_OVER_YEAR' : null;
}

/** The chart's interval: hours for one day, days up to about three months, then weeks, then months. */
export function intervalFor(range: DayRange, period?: Period): Interval {
  const n = daysBetween(range.from, range.to);
  if (n <= 1) return 'HOUR';
  if (n <= 93) return 'DAY';
  if (period === '12mo' || n > 190) return 'MONTH';
  return 'WEEK';
}

// ---- the URL ----

/**
 * One `f=` parameter: `<dimension>:<op>:<value>`, and for a property
 * `property:<op>:<key>:<value>` with the key percent-encoded (so a `:` in
 * it is no separator; the value, last, may hold anything).
 */
function parseFilter(raw: string): DashFilter | null {
  const a = raw.indexOf(':');
  const b = a < 0 ? -1 : raw.indexOf(':', a + 1);
  if (a < 0 || b < 0) return null;
  const dimension = raw.slice(0, a).toUpperCase() as Dim;
  const op = raw.slice(a + 1, b).toUpperCase() as Op;
  let value = raw.slice(b + 1);
  let key: string | undefined;
  if (dimension === 'PROPERTY') {
    const c = value.indexOf(':');
    if (c < 0) return null;
    try {
      key = decodeURIComponent(value.slice(0, c));
    } catch {
      return null;
    }
    if (!isPropertyKey(key)) return null;
    value = value.slice(c + 1);
  }
  if (!DIMS.includes(dimension) || !opsFor(dimension).includes(op) || value === '' || value.length > 2000) return null;
  return key === undefined ? { dimension, op, value } : { dimension, op, value, key };
}

/** A filter as one `f=` parameter (parseFilter reads it back). */
function filterParam(f: DashFilter): string {
  const key = f.dimension === 'PROPERTY' ? `${encodeURIComponent(f.key ?? '')}:` : '';
  return `${f.dimension.toLowerCase()}:${f.op.toLowerCase()}:${key}${f.value}`;
}

const COMPARE_PARAMS: Record<Compare, string | null> = { off: null, previous: 'previous', year: 'year' };

/** Every column a details dialog sorts by (listed as a Record's keys, so the compiler holds them to table.ts' SortKey). */
const SORT_KEYS: ReadonlySet<string> = new Set(
  Object.keys({
    value: true,
    visitors: true,
    percentage: true,
    conversionRate: true,
    visits: true,
    pageviews: true,
    events: true,
    bounceRate: true,
    visitDurationSeconds: true,
    scrollDepth: true,
    timeOnPageSeconds: true,
  } satisfies Record<SortKey, true>),
);

/**
 * A details dialog's order from `sort=<column>:<asc|desc>`: the default
 * unless `panel`'s dialog has that column (its share column is the
 * conversion rate for custom events, the percentage elsewhere, as
 * table.ts' detailMeasures shows them).
 */
function parseSort(raw: string | null, panel: PanelId): Sort {
  const m = /^(\w+):(asc|desc)$/.exec(raw ?? '');
  if (!m || !SORT_KEYS.has(m[1]!)) return DEFAULT_DETAILS_SORT;
  const key = m[1] as SortKey;
  if (key === (panel === 'events' ? 'percentage' : 'conversionRate')) return DEFAULT_DETAILS_SORT;
  // Engagement is top pages' only (the pages panel's other tabs sort rows without it as they are).
  if ((key === 'scrollDepth' || key === 'timeOnPageSeconds') && panel !== 'pages') return DEFAULT_DETAILS_SORT;
  return { key, dir: m[2] === 'asc' ? 'ascending' : 'descending' };
}

/** A details dialog's search text (as typed; too long a text is no search). */
function parseSearch(raw: string | null): string {
  return raw && raw.length <= 2000 ? raw : '';
}

/** Reads the dashboard's state from a query string ("?period=7d&f=page:is:/blog"); unknown values fall back to defaults. */
export function parseState(search: string): DashState {
  const p = new URLSearchParams(search.replace(/^\?/, ''));
  const periodRaw = p.get('period');
  const period = (PERIODS.find((x) => x.id === periodRaw)?.id ?? DEFAULT_STATE.period) as Period;
  const from = p.get('from');
  const to = p.get('to');
  const metricRaw = p.get('metric');
  const metric = METRICS.find((m) => m === metricRaw) ?? DEFAULT_STATE.metric;
  const compareRaw = p.get('compare');
  const compare = (Object.keys(COMPARE_PARAMS) as Compare[]).find((c) => c !== 'off' && COMPARE_PARAMS[c] === compareRaw) ?? 'off';
  const filters: DashFilter[] = [];
  for (const raw of p.getAll('f')) {
    const f = parseFilter(raw);
    if (f && filters.length < MAX_FILTERS && !filters.some((g) => sameFilter(g, f))) filters.push(f);
  }
  const tabs = { ...DEFAULT_TABS };
  for (const panel of PANELS) {
    const v = p.get(panel.id)?.toUpperCase();
    const t = panel.tabs.find((x) => x.id === v);
    if (t) tabs[panel.id] = t.id;
  }
  const propRaw = p.get('prop');
  const detailsRaw = p.get('details');
  // The realtime view has no details dialogs, nor the goals' tab.
  const details = period === 'realtime' ? null : (PANELS.find((x) => x.id === detailsRaw && hasDetails(tabs[x.id]))?.id ?? null);
  return {
    period,
    from: period === 'custom' && from && isDay(from) ? from : null,
    to: period === 'custom' && to && isDay(to) ? to : null,
    compare,
    metric,
    segment: parseSegmentParam(p.get('seg')),
    filters,
    tabs,
    details,
    // A dialog's order and search belong to it: without one, the defaults.
    detailsSort: details ? parseSort(p.get('sort'), details) : DEFAULT_DETAILS_SORT,
    detailsSearch: details ? parseSearch(p.get('search')) : '',
    // The property listed belongs to the Properties tab: without it, none.
    propKey: tabs.events === 'PROPERTY' && propRaw !== null && isPropertyKey(propRaw) ? propRaw : null,
  };
}

/** The query string of a state, defaults left out ("" when everything is default). */
export function stateToSearch(s: DashState): string {
  const p = new URLSearchParams();
  if (s.period !== DEFAULT_STATE.period) p.set('period', s.period);
  if (s.period === 'custom') {
    if (s.from) p.set('from', s.from);
    if (s.to) p.set('to', s.to);
  }
  const compare = COMPARE_PARAMS[s.compare];
  if (compare) p.set('compare', compare);
  if (s.metric !== DEFAULT_STATE.metric) p.set('metric', s.metric);
  if (s.segment) p.set('seg', s.segment);
  for (const panel of PANELS) {
    if (s.tabs[panel.id] !== DEFAULT_TABS[panel.id]) p.set(panel.id, s.tabs[panel.id].toLowerCase());
  }
  if (s.details && s.period !== 'realtime' && hasDetails(s.tabs[s.details])) {
    p.set('details', s.details);
    const { key, dir } = s.detailsSort;
    if (key !== DEFAULT_DETAILS_SORT.key || dir !== DEFAULT_DETAILS_SORT.dir) p.set('sort', `${key}:${dir === 'ascending' ? 'asc' : 'desc'}`);
    if (s.detailsSearch) p.set('search', s.detailsSearch);
  }
  if (s.tabs.events === 'PROPERTY' && s.propKey) p.set('prop', s.propKey);
  for (const f of s.filters) p.append('f', filterParam(f));
  const qs = p.toString();
  return qs ? `?${qs}` : '';
}

export function sameFilter(a: DashFilter, b: DashFilter): boolean {
  return a.dimension === b.dimension && a.op === b.op && a.value === b.value && (a.key ?? null) === (b.key ?? null);
}

/** Whether two filters are on the same thing: the same dimension, and for properties the same property. */
function sameSubject(a: DashFilter, b: DashFilter): boolean {
  return a.dimension === b.dimension && (a.key ?? null) === (b.key ?? null);
}

/** A filter as the API's `Filter` takes it: `key` only for PROPERTY. */
export function apiFilter(f: DashFilter): DashFilter {
  const { dimension, op, value } = f;
  return dimension === 'PROPERTY' ? { dimension, op, value, key: f.key ?? '' } : { dimension, op, value };
}

/** Adds `f`, replacing an `IS` filter on the same dimension (a row click narrows to that value). */
export function addFilter(filters: readonly DashFilter[], f: DashFilter): DashFilter[] {
  const rest = filters.filter((g) => !(sameSubject(g, f) && g.op === 'IS' && f.op === 'IS'));
  if (rest.some((g) => sameFilter(g, f))) return rest;
  return [...rest, f].slice(0, MAX_FILTERS);
}

export function removeFilter(filters: readonly DashFilter[], f: DashFilter): DashFilter[] {
  return filters.filter((g) => !sameFilter(g, f));
}

export function dimensionName(d: Dim): string {
  return DIM_NAMES[d];
}

/** What a filter is on: its dimension's name, and a property's own ("Property plan"). */
export function filterSubject(f: Pick<DashFilter, 'dimension' | 'key'>): string {
  return f.dimension === 'PROPERTY' ? `${DIM_NAMES.PROPERTY} ${f.key ?? ''}` : DIM_NAMES[f.dimension];
}

/** "Country is Germany", "Property plan is pro" */
export function describeFilter(f: DashFilter, display: (d: Dim, v: string) => string = (_d, v) => v): string {
  return `${filterSubject(f)} ${OP_NAMES[f.op]} ${display(f.dimension, f.value)}`;
}

/** The shortcut's period for a key press, or null. */
export function periodForKey(key: string): Period | null {
  return PERIODS.find((p) => p.key === key.toLowerCase())?.id ?? null;
}

/** Whether a key press comes from a place where typing must not trigger shortcuts. */
export function isTypingTarget(target: EventTarget | null): boolean {
  const el = target as (HTMLElement & { isContentEditable?: boolean }) | null;
  if (!el || typeof el.tagName !== 'string') return false;
  const tag = el.tagName.toUpperCase();
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable === true;
}

// ---- formatting ----

/** 96.35 → "1m 36s", 3725 → "1h 2m", 7 → "7s". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) {
    const m = Math.floor(s / 60);
    const r = s % 60;
    return r ? `${m}m ${r}s` : `${m}m`;
  }
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return m ? `${h}h ${m}m` : `${h}h`;
}

/**
 * The change from `previous` to `current`: percent for counts and
 * averages, percentage points for the bounce rate. null when there is
 * nothing to compare with.
 */
export function change(metric: Metric, current: number, previous: number): { value: number; text: string } | null {
  if (metric === 'bounceRate') {
    if (previous === 0 && current === 0) return { value: 0, text: '0 pp' };
    const d = Math.round((current - previous) * 10) / 10;
    return { value: d, text: `${d > 0 ? '+' : d < 0 ? '−' : ''}${Math.abs(d)} pp` };
  }
  if (previous === 0) return current === 0 ? { value: 0, text: '0%' } : null;
  const pct = Math.round(((current - previous) / previous) * 100);
  return { value: pct, text: `${pct > 0 ? '+' : pct < 0 ? '−' : ''}${Math.abs(pct)}%` };
}

export const METRIC_LABELS: Record<Metric, string> = {
  visitors: 'Unique visitors',
  visits: 'Visits',
  pageviews: 'Page views',
  viewsPerVisit: 'Views per visit',
  bounceRate: 'Bounce rate',
  visitDurationSeconds: 'Visit duration',
};

/** A figure for people: counts grouped, rates in percent, durations in minutes and seconds. */
export function formatMetric(m: Metric, v: number): string {
  if (m === 'bounceRate') return `${Math.round(v)}%`;
  if (m === 'visitDurationSeconds') return formatDuration(v);
  if (m === 'viewsPerVisit') return (Math.round(v * 100) / 100).toString();
  return new Intl.NumberFormat('en-US').format(Math.round(v));
}

/** Whether a rise of `metric` is good news (a rising bounce rate is not). */
export function higherIsBetter(metric: Metric): boolean {
  return metric !== 'bounceRate';
}

/** A day range for people: "30 Nov 2026", "1 – 30 Nov 2026", "1 Dec 2025 – 30 Nov 2026". */
export function formatRange(r: DayRange): string {
  const fmt = (day: string, opts: Intl.DateTimeFormatOptions) =>
    new Date(`${day}T12:00:00Z`).toLocaleDateString('en-GB', { ...opts, timeZone: 'UTC' });
  if (r.from === r.to) return fmt(r.from, { day: 'numeric', month: 'short', year: 'numeric' });
  const sameYear = r.from.slice(0, 4) === r.to.slice(0, 4);
  const sameMonth = sameYear && r.from.slice(0, 7) === r.to.slice(0, 7);
  const start = sameMonth
    ? fmt(r.from, { day: 'numeric' })
    : fmt(r.from, sameYear ? { day: 'numeric', month: 'short' } : { day: 'numeric', month: 'short', year: 'numeric' });
  return `${start} – ${fmt(r.to, { day: 'numeric', month: 'short', year: 'numeric' })}`;
}

/** A chart bucket's label in the site's zone, for the given interval. */
export function formatBucket(at: string, interval: Interval, timeZone: string, withDay = false): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return at;
  const opts: Intl.DateTimeFormatOptions =
    interval === 'HOUR'
      ? withDay
        ? { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
        : { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
      : interval === 'MONTH'
        ? { month: 'long', year: 'numeric' }
        : { weekday: interval === 'WEEK' ? undefined : 'short', day: 'numeric', month: 'short', year: 'numeric' };
  try {
    const s = d.toLocaleString('en-GB', { ...opts, timeZone });
    return interval === 'WEEK' ? `Week of ${s}` : s;
  } catch {
    return d.toLocaleString('en-GB', { ...opts, timeZone: 'UTC' });
  }
}

let regionNames: Intl.DisplayNames | null | undefined;

/** "DE" → "Germany" (the code itself when the browser does not know it). */
export function countryName(code: string): string {
  if (regionNames === undefined) {
    try {
      regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
    } catch {
      regionNames = null;
    }
  }
  if (!regionNames || !/^[A-Za-z]{2}$/.test(code)) return code;
  try {
    return regionNames.of(code.toUpperCase()) ?? code;
  } catch {
    return code;
  }
}

/** How a breakdown value reads: country names for codes, "(none)" for empty values. */
export function displayValue(d: Dim, v: string): string {
  if (v === '') return '(none)';
  if (d === 'COUNTRY') return countryName(v);
  return v;
}

/**
 * How a filter's value reads on its chip: as displayValue, and a GOAL
 * filter's goal by name (lib/goals.ts' goalName: `goals` undefined while
 * unknown; `refused`, the goals the server said it does not have).
 */
export function filterDisplay(goals: readonly GoalRef[] | undefined, refused?: ReadonlySet<string>): (d: Dim, v: string) => string {
  return (d, v) => (d === 'GOAL' ? goalName(goals, v, refused) : displayValue(d, v));
}
