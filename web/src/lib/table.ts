// Breakdown rows as tables: which measures a panel shows, the details
// dialog's sorting and search, and its CSV download. Pure, so it is tested
// without a browser.
import { dimensionName, displayValue, formatDuration, type DayRange, type Dim, type Tab } from './dashboard';

/** A breakdown row as the API gives it. */
export interface TableRow {
  value: string;
  visitors: number;
  visits: number;
  pageviews: number;
  events: number;
  bounceRate: number;
  visitDurationSeconds: number;
  /** Top pages' details only: engagement, null without any (absent when not asked for). */
  scrollDepth?: number | null;
  timeOnPageSeconds?: number | null;
}

/**
 * A column of a breakdown. `percentage` is the row's visitors over all
 * visitors of the range (`stats.visitors`, same filters);
 * `conversionRate` is the same share for a custom event (the visitors who
 * sent it). `scrollDepth` (percent) and `timeOnPageSeconds` are top
 * pages' engagement, in their details only (null without any).
 */
export type Measure =
  | 'visitors'
  | 'percentage'
  | 'conversionRate'
  | 'visits'
  | 'pageviews'
  | 'events'
  | 'bounceRate'
  | 'visitDurationSeconds'
  | 'scrollDepth'
  | 'timeOnPageSeconds';

/**
 * The measures a panel's list shows for a tab, as Plausible's dashboard
 * does: sources, locations and devices show visitors and their share
 * (Plausible shows the share of devices and, on hover, of the others);
 * top pages show visitors and page views; entry pages visitors and the
 * bounce rate of the visits they start (Plausible's "unique entrances"
 * with its bounce rate); exit pages visitors and the visits they end
 * ("unique exits", "total exits"); custom events their unique visitors,
 * total events and conversion rate ("Uniques", "Total", "CR").
 */
export function panelMeasures(t: Tab): Measure[] {
  switch (t) {
    case 'PAGE':
      return ['visitors', 'pageviews'];
    case 'ENTRY_PAGE':
      return ['visitors', 'bounceRate'];
    case 'EXIT_PAGE':
      return ['visitors', 'visits'];
    case 'EVENT_NAME':
      return ['visitors', 'events', 'conversionRate'];
    case 'PROPERTY':
      return ['visitors', 'events'];
    default:
      return ['visitors', 'percentage'];
  }
}

/** Whether a measure is a visit figure (the API reads today's visits for those). */
export function isVisitMeasure(m: Measure): boolean {
  return m === 'visits' || m === 'bounceRate' || m === 'visitDurationSeconds';
}

/** Every measure, for the details dialog and the CSV (top pages' with their engagement). */
export function detailMeasures(t: Tab): Measure[] {
  const share: Measure = t === 'EVENT_NAME' ? 'conversionRate' : 'percentage';
  const all: Measure[] = ['visitors', share, 'visits', 'pageviews', 'events', 'bounceRate', 'visitDurationSeconds'];
  return t === 'PAGE' ? [...all, ...ENGAGEMENT] : all;
}

/** Top pages' engagement measures (the API reads them from the raw events: asked for only where shown). */
export const ENGAGEMENT: readonly Measure[] = ['scrollDepth', 'timeOnPageSeconds'];

/** A measure's column heading, in the words of the tab ("Exits" for exit pages' visits). */
export function measureLabel(m: Measure, t: Tab): string {
  switch (m) {
    case 'visitors':
      return t === 'EVENT_NAME' ? 'Unique visitors' : 'Visitors';
    case 'percentage':
      return '%';
    case 'conversionRate':
      return 'Conversion rate';
    case 'visits':
      return t === 'ENTRY_PAGE' ? 'Entrances' : t === 'EXIT_PAGE' ? 'Exits' : 'Visits';
    case 'pageviews':
      return 'Page views';
    case 'events':
      return 'Events';
    case 'bounceRate':
      return 'Bounce rate';
    case 'visitDurationSeconds':
      return 'Visit duration';
    case 'scrollDepth':
      return 'Scroll depth';
    case 'timeOnPageSeconds':
      return 'Time on page';
  }
}

/** The row's raw number for a measure, null when it has none (engagement); `total` is `stats.visitors`. */
export function measureValue(row: TableRow, m: Measure, total: number): number | null {
  if (m === 'percentage' || m === 'conversionRate') return total > 0 ? (row.visitors / total) * 100 : 0;
  return row[m] ?? null;
}

/** A measure's number for people; "—" for none. */
export function formatMeasure(m: Measure, v: number | null): string {
  if (v === null) return '—';
  switch (m) {
    case 'percentage':
    case 'conversionRate':
      return v > 0 && v < 1 ? `${(Math.round(v * 10) / 10).toString()}%` : `${Math.round(v)}%`;
    case 'bounceRate':
    case 'scrollDepth':
      return `${Math.round(v)}%`;
    case 'visitDurationSeconds':
    case 'timeOnPageSeconds':
      return formatDuration(v);
    default:
      return new Intl.NumberFormat('en-US').format(v);
  }
}

/** The `data-` attribute carrying a measure's raw number on a row ("data-bounce-rate"). */
export function measureAttr(m: Measure): string {
  return `data-${m.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** The `data-*` attributes of a row: its value and each measure shown, raw ("" for none). */
export function rowAttrs(row: TableRow, measures: readonly Measure[], total: number): Record<string, string> {
  const attrs: Record<string, string> = { 'data-value': row.value, 'data-visitors': String(row.visitors) };
  for (const m of measures) attrs[measureAttr(m)] = String(measureValue(row, m, total) ?? '');
  return attrs;
}

// ---- sorting and search ----

export type SortKey = 'value' | Measure;
export type SortDir = 'ascending' | 'descending';

export interface Sort {
  key: SortKey;
  dir: SortDir;
}

/** What a column sorts by first when its header is clicked: names A–Z, numbers largest first. */
export function firstDir(key: SortKey): SortDir {
  return key === 'value' ? 'ascending' : 'descending';
}

/** The sort after clicking `key`'s header: the other direction on the same column, else its first. */
export function nextSort(current: Sort, key: SortKey): Sort {
  if (current.key === key) return { key, dir: current.dir === 'ascending' ? 'descending' : 'ascending' };
  return { key, dir: firstDir(key) };
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/**
 * Sorted copy of `rows`; ties keep the API's order (most visitors first).
 * Values sort by what people read (country names, not codes); rows with
 * no figure (engagement) come last either way.
 */
export function sortRows<R extends TableRow>(rows: readonly R[], sort: Sort, dim: Dim, total: number): R[] {
  const sign = sort.dir === 'ascending' ? 1 : -1;
  const indexed = rows.map((row, i) => ({ row, i }));
  indexed.sort((a, b) => {
    if (sort.key === 'value') {
      const c = collator.compare(displayValue(dim, a.row.value), displayValue(dim, b.row.value));
      return c !== 0 ? c * sign : a.i - b.i;
    }
    const x = measureValue(a.row, sort.key, total);
    const y = measureValue(b.row, sort.key, total);
    if (x === null || y === null) return x === y ? a.i - b.i : x === null ? 1 : -1;
    const c = x - y;
    return c !== 0 ? c * sign : a.i - b.i;
  });
  return indexed.map((x) => x.row);
}

/** Rows whose value (or, for countries, name) contains `text`, any case. */
export function searchRows<R extends TableRow>(rows: readonly R[], text: string, dim: Dim): R[] {
  const q = text.trim().toLowerCase();
  if (!q) return [...rows];
  return rows.filter((r) => r.value.toLowerCase().includes(q) || displayValue(dim, r.value).toLowerCase().includes(q));
}

// ---- CSV ----

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote, line
 * break or edge spaces, quotes doubled. A text starting with = + - @ or a
 * tab is prefixed with ' so that spreadsheets do not run it as a formula
 * (referrers and UTM tags come from anyone's links).
 */
export function csvField(v: string | number): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  let s = v;
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Lines joined with CRLF, ending with one. */
export function toCsv(rows: readonly (readonly (string | number)[])[]): string {
  return rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** The details table as CSV: the value (and, for countries, the name), then every measure, raw. */
export function breakdownCsv(rows: readonly TableRow[], t: Tab, dim: Dim, total: number): string {
  const measures = detailMeasures(t);
  const header: string[] = [dimensionName(dim)];
  if (dim === 'COUNTRY') header.push('Country name');
  for (const m of measures) header.push(csvHeader(m, t));
  const body = rows.map((r) => {
    const cells: (string | number)[] = [r.value];
    if (dim === 'COUNTRY') cells.push(displayValue(dim, r.value));
    for (const m of measures) cells.push(roundForCsv(m, measureValue(r, m, total)));
    return cells;
  });
  return toCsv([header, ...body]);
}

function csvHeader(m: Measure, t: Tab): string {
  if (m === 'percentage') return 'Share of visitors (%)';
  if (m === 'bounceRate') return 'Bounce rate (%)';
  if (m === 'conversionRate') return 'Conversion rate (%)';
  if (m === 'visitDurationSeconds') return 'Visit duration (s)';
  if (m === 'scrollDepth') return 'Scroll depth (%)';
  if (m === 'timeOnPageSeconds') return 'Time on page (s)';
  return measureLabel(m, t);
}

function roundForCsv(m: Measure, v: number | null): number | string {
  if (v === null) return '';
  return m === 'visitors' || m === 'visits' || m === 'pageviews' || m === 'events' ? v : Math.round(v * 100) / 100;
}

/**
 * `<domain>-<dimension>-<from>-<to>.csv`, the dimension as in the URL's
 * filters: "example.com-entry_page-2026-11-01-2026-11-30.csv".
 */
export function csvFileName(domain: string, dim: Dim, range: DayRange): string {
  const safe = domain.replace(/[^A-Za-z0-9.-]+/g, '_');
  return `${safe}-${dim.toLowerCase()}-${range.from}-${range.to}.csv`;
}
