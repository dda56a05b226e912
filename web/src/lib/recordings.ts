// Session recordings and heatmaps: the list's and the heatmap's state in
// the URL, the pages a recording visited (its rrweb Meta events), the
// snapshot a heatmap is drawn over, the heat colour scale, and the
// player's keyboard shortcuts. Pure logic,
// tested in recordings.test.ts; the pages live in pages/Recording*.tsx and
// pages/HeatmapPage.tsx.
import { isTypingTarget } from './dashboard';
import { addDays, lastDays } from './dates';

// ---- ranges ----

/** Recordings are kept for weeks, not years: a few short ranges. */
export type RangeId = 'day' | 'yesterday' | '7d' | '30d';

export const RANGES: { id: RangeId; label: string }[] = [
  { id: 'day', label: 'Today' },
  { id: 'yesterday', label: 'Yesterday' },
  { id: '7d', label: 'Last 7 days' },
  { id: '30d', label: 'Last 30 days' },
];

export const DEFAULT_RANGE: RangeId = '7d';

export interface DayRange {
  from: string;
  to: string;
}

/** The days of a range, given today in the site's time zone. */
export function rangeDays(id: RangeId, today: string): DayRange {
  switch (id) {
    case 'day':
      return { from: today, to: today };
    case 'yesterday': {
      const y = addDays(today, -1);
      return { from: y, to: y };
    }
    case '7d':
      return lastDays(today, 7);
    case '30d':
      return lastDays(today, 30);
  }
}

function parseRange(raw: string | null): RangeId {
  return RANGES.find((r) => r.id === raw)?.id ?? DEFAULT_RANGE;
}

// ---- the recordings list ----

/** The dimensions the API filters recordings on. */
export type RecDim = 'PAGE' | 'COUNTRY' | 'BROWSER' | 'OS' | 'DEVICE';

export const REC_DIMS: { dim: RecDim; param: string; label: string }[] = [
  { dim: 'PAGE', param: 'page', label: 'Page' },
  { dim: 'COUNTRY', param: 'country', label: 'Country' },
  { dim: 'BROWSER', param: 'browser', label: 'Browser' },
  { dim: 'OS', param: 'os', label: 'Operating system' },
  { dim: 'DEVICE', param: 'device', label: 'Device type' },
];

export interface ListState {
  range: RangeId;
  /** One value a dimension, `IS`; absent = any. */
  filters: Partial<Record<RecDim, string>>;
  /** Seconds, both included; null = no bound. */
  minDuration: number | null;
  maxDuration: number | null;
}

export const DEFAULT_LIST: ListState = { range: DEFAULT_RANGE, filters: {}, minDuration: null, maxDuration: null };

/** Longest duration a bound may name (a day; recordings stop far sooner). */
export const MAX_DURATION = 86_400;

function parseSeconds(raw: string | null): number | null {
  if (raw === null || !/^\d{1,6}$/.test(raw.trim())) return null;
  const n = Number(raw.trim());
  return n <= MAX_DURATION ? n : null;
}

/** Reads the list's state from "?range=30d&page=/pricing&min=10&max=120"; bad values fall back to defaults. */
export function parseListState(search: string): ListState {
  const p = new URLSearchParams(search.replace(/^\?/, ''));
  const filters: ListState['filters'] = {};
  for (const { dim, param } of REC_DIMS) {
    const v = p.get(param);
    if (v && v.length <= 2000) filters[dim] = v;
  }
  const minDuration = parseSeconds(p.get('min'));
  const maxDuration = parseSeconds(p.get('max'));
  return {
    range: parseRange(p.get('range')),
    filters,
    minDuration,
    // An upper bound below the lower one would match nothing: drop it.
    maxDuration: maxDuration !== null && minDuration !== null && maxDuration < minDuration ? null : maxDuration,
  };
}

/** The query string of a list state, defaults left out ("" when all default). */
export function listStateToSearch(s: ListState): string {
  const p = new URLSearchParams();
  if (s.range !== DEFAULT_RANGE) p.set('range', s.range);
  for (const { dim, param } of REC_DIMS) {
    const v = s.filters[dim];
    if (v) p.set(param, v);
  }
  if (s.minDuration !== null) p.set('min', String(s.minDuration));
  if (s.maxDuration !== null) p.set('max', String(s.maxDuration));
  const qs = p.toString();
  return qs ? `?${qs}` : '';
}

/** The API's filters of a list state. */
export function apiFilters(s: ListState): { dimension: RecDim; op: 'IS'; value: string }[] {
  return REC_DIMS.flatMap(({ dim }) => (s.filters[dim] ? [{ dimension: dim, op: 'IS' as const, value: s.filters[dim]! }] : []));
}

export function hasFilters(s: ListState): boolean {
  return apiFilters(s).length > 0 || s.minDuration !== null || s.maxDuration !== null;
}

/** Why a duration field's text is not a bound, or null ("" is no bound). */
export function durationError(text: string): string | null {
  const t = text.trim();
  if (t === '') return null;
  if (!/^\d+$/.test(t)) return 'Enter a whole number of seconds.';
  if (Number(t) > MAX_DURATION) return `At most ${MAX_DURATION} seconds.`;
  return null;
}

/** Both bounds from their fields' text: errors by field, or the bounds. */
export function parseDurations(min: string, max: string): { min?: string; max?: string } | { minDuration: number | null; maxDuration: number | null } {
  const errors: { min?: string; max?: string } = {};
  const minErr = durationError(min);
  const maxErr = durationError(max);
  if (minErr) errors.min = minErr;
  if (maxErr) errors.max = maxErr;
  if (minErr || maxErr) return errors;
  const minDuration = min.trim() === '' ? null : Number(min.trim());
  const maxDuration = max.trim() === '' ? null : Number(max.trim());
  if (minDuration !== null && maxDuration !== null && maxDuration < minDuration)
    return { max: 'The longest must not be shorter than the shortest.' };
  return { minDuration, maxDuration };
}

/** "Between 10 s and 2 min", "At least 30 s", "At most 1 min"; null without bounds. */
export function describeDurations(min: number | null, max: number | null): string | null {
  if (min !== null && max !== null) return `Between ${shortSeconds(min)} and ${shortSeconds(max)}`;
  if (min !== null) return `At least ${shortSeconds(min)}`;
  if (max !== null) return `At most ${shortSeconds(max)}`;
  return null;
}

function shortSeconds(s: number): string {
  if (s < 60 || s % 60 !== 0) return `${s} s`;
  if (s < 3600 || s % 3600 !== 0) return `${s / 60} min`;
  return `${s / 3600} h`;
}

// ---- times ----

/** A playback position: 65 500 ms → "1:05", 3 725 000 → "1:02:05". */
export function formatClock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** The same position for screen readers: "1 minute 5 seconds". */
export function spokenClock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const part = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  const parts = [h ? part(h, 'hour') : '', m ? part(m, 'minute') : '', s || (!h && !m) ? part(s, 'second') : ''];
  return parts.filter(Boolean).join(' ');
}

/** When a recording started, in the site's zone: "30 Nov 2026, 21:32". */
export function formatStart(iso: string, timeZone: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const opts: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  try {
    return d.toLocaleString('en-GB', { ...opts, timeZone });
  } catch {
    return d.toLocaleString('en-GB', { ...opts, timeZone: 'UTC' });
  }
}

// ---- rrweb events ----

/** The parts of an rrweb event read here (its `data` stays opaque). */
export interface RrEvent {
  type: number;
  timestamp: number;
  data?: unknown;
}

export const EVENT_FULL_SNAPSHOT = 2;
export const EVENT_META = 4;

/** The events of `Recording.events`, or null when it is not a list of rrweb events. */
export function asEvents(json: unknown): RrEvent[] | null {
  if (!Array.isArray(json)) return null;
  for (const e of json) {
    if (!e || typeof e !== 'object') return null;
    const { type, timestamp } = e as RrEvent;
    if (typeof type !== 'number' || typeof timestamp !== 'number') return null;
  }
  return json as RrEvent[];
}

function metaHref(e: RrEvent): string | null {
  if (e.type !== EVENT_META || !e.data || typeof e.data !== 'object') return null;
  const href = (e.data as { href?: unknown }).href;
  return typeof href === 'string' ? href : null;
}

/** A URL's path, or the text itself when it is no URL. */
export function pathOf(href: string): string {
  try {
    return new URL(href).pathname;
  } catch {
    return href;
  }
}

export interface PageVisit {
  path: string;
  href: string;
  /** Milliseconds from the recording's first event (the player's time). */
  offset: number;
}

/**
 * The pages a recording shows, in order: its Meta events (rrweb writes one
 * before each full snapshot), each at the time of its snapshot (when the
 * page is on screen), from the first event. A Meta event for the page
 * already on screen (a new snapshot of the same page) is no new visit.
 */
export function pageVisits(events: readonly RrEvent[]): PageVisit[] {
  if (events.length === 0) return [];
  const start = events[0]!.timestamp;
  const visits: PageVisit[] = [];
  events.forEach((e, i) => {
    const href = metaHref(e);
    if (href === null) return;
    const path = pathOf(href);
    if (visits.length && visits[visits.length - 1]!.path === path) return;
    let at = e.timestamp;
    for (let j = i + 1; j < events.length && events[j]!.type !== EVENT_META; j++) {
      if (events[j]!.type === EVENT_FULL_SNAPSHOT) {
        at = events[j]!.timestamp;
        break;
      }
    }
    visits.push({ path, href, offset: Math.max(0, at - start) });
  });
  return visits;
}

/** The index of the visit on screen at `offset` ms (the first one until then), -1 without visits. */
export function visitAt(visits: readonly PageVisit[], offset: number): number {
  let at = visits.length ? 0 : -1;
  for (let i = 0; i < visits.length; i++) if (visits[i]!.offset <= offset) at = i;
  return at;
}

/** Whether rrweb can replay the events: a full snapshot after a Meta event. */
export function replayable(events: readonly RrEvent[]): boolean {
  const meta = events.findIndex((e) => e.type === EVENT_META);
  return meta >= 0 && events.some((e, i) => i > meta && e.type === EVENT_FULL_SNAPSHOT);
}

/** The viewport a Meta event gives (width and height in CSS px). */
export function metaSize(e: RrEvent | undefined): { width: number; height: number } | null {
  if (!e || !e.data || typeof e.data !== 'object') return null;
  const { width, height } = e.data as { width?: unknown; height?: unknown };
  if (typeof width !== 'number' || typeof height !== 'number' || width <= 0 || height <= 0) return null;
  return { width, height };
}

/**
 * The page as it looked for a heatmap: the first full snapshot after the
 * Meta event whose URL's path is `path`, with that Meta event (rrweb needs
 * both to rebuild it). null when the recording never shows the page.
 */
export function snapshotOf(events: readonly RrEvent[], path: string): [RrEvent, RrEvent] | null {
  for (let i = 0; i < events.length; i++) {
    const href = metaHref(events[i]!);
    if (href === null || pathOf(href) !== path) continue;
    for (let j = i + 1; j < events.length; j++) {
      const e = events[j]!;
      if (e.type === EVENT_FULL_SNAPSHOT) return [events[i]!, e];
      // Another page's Meta event first: this visit has no snapshot.
      if (e.type === EVENT_META) break;
    }
  }
  return null;
}

// ---- heatmaps ----

export type ViewportClass = 'DESKTOP' | 'TABLET' | 'MOBILE';

/** The API's classes (by viewport width) and the width of a page outline drawn for each. */
export const VIEWPORTS: { id: ViewportClass; label: string; widths: string; short: string; outline: number; device: string }[] = [
  { id: 'DESKTOP', label: 'Desktop', widths: '1024 px and wider', short: '≥ 1024 px', outline: 1280, device: 'Desktop' },
  { id: 'TABLET', label: 'Tablet', widths: '768 to 1023 px', short: '768–1023 px', outline: 768, device: 'Tablet' },
  { id: 'MOBILE', label: 'Mobile', widths: 'narrower than 768 px', short: '< 768 px', outline: 375, device: 'Mobile' },
];

export function viewportOf(id: ViewportClass) {
  return VIEWPORTS.find((v) => v.id === id)!;
}

/** The class of a viewport `width` px wide (as the API counts clicks). */
export function classOfWidth(width: number): ViewportClass {
  if (width < 768) return 'MOBILE';
  if (width < 1024) return 'TABLET';
  return 'DESKTOP';
}

export interface HeatmapState {
  /** null: the site's top page. */
  path: string | null;
  viewport: ViewportClass;
  range: RangeId;
}

/** Reads "?path=/pricing&viewport=MOBILE&range=30d". */
export function parseHeatmapState(search: string): HeatmapState {
  const p = new URLSearchParams(search.replace(/^\?/, ''));
  const path = p.get('path');
  const vp = p.get('viewport')?.toUpperCase();
  return {
    path: path && path.trim() && path.length <= 2000 ? path : null,
    viewport: VIEWPORTS.find((v) => v.id === vp)?.id ?? 'DESKTOP',
    range: parseRange(p.get('range')),
  };
}

export function heatmapStateToSearch(s: HeatmapState): string {
  const p = new URLSearchParams();
  if (s.path) p.set('path', s.path);
  if (s.viewport !== 'DESKTOP') p.set('viewport', s.viewport);
  if (s.range !== DEFAULT_RANGE) p.set('range', s.range);
  const qs = p.toString();
  return qs ? `?${qs}` : '';
}

export interface Cell {
  column: number;
  row: number;
  count: number;
}

/** The cell with the most clicks (the first of equals, in the API's row-then-column order). */
export function hottest<C extends Cell>(cells: readonly C[]): C | null {
  let best: C | null = null;
  for (const c of cells) if (!best || c.count > best.count) best = c;
  return best;
}

/** The cells with the most clicks, most first (at most `n`). */
export function topCells<C extends Cell>(cells: readonly C[], n: number): C[] {
  return [...cells].sort((a, b) => b.count - a.count || a.row - b.row || a.column - b.column).slice(0, n);
}

/** Rows the grid reaches: one past the lowest clicked row. */
export function gridRows(cells: readonly Cell[]): number {
  return cells.reduce((m, c) => Math.max(m, c.row + 1), 0);
}

/**
 * The heat scale, cold to hot: blue, cyan, yellow, orange, red. The
 * legend's gradient (recordings.css, .heat-legend-bar) uses the same stops.
 */
export const HEAT_STOPS: [number, number, number][] = [
  [37, 99, 235],
  [6, 182, 212],
  [250, 204, 21],
  [249, 115, 22],
  [220, 38, 38],
];

/**
 * The colour of a cell with `count` clicks when the hottest has `max`:
 * along the scale by the square root of the share (a few hot cells leave
 * the others visible), more opaque as it gets hotter.
 */
export function heatColor(count: number, max: number): string {
  const t = max > 0 ? Math.sqrt(Math.min(1, Math.max(0, count / max))) : 0;
  const pos = t * (HEAT_STOPS.length - 1);
  const i = Math.min(HEAT_STOPS.length - 2, Math.floor(pos));
  const f = pos - i;
  const [a, b] = [HEAT_STOPS[i]!, HEAT_STOPS[i + 1]!];
  const mix = (k: number) => Math.round(a[k]! + (b[k]! - a[k]!) * f);
  const alpha = (0.35 + 0.4 * t).toFixed(2);
  return `rgba(${mix(0)}, ${mix(1)}, ${mix(2)}, ${alpha})`;
}

/** Where a cell lies on the page, in CSS px, for people: "x 640–704 px, y 200–250 px". */
export function describeCell(c: Cell, columns: number, cellHeight: number, pageWidth: number): string {
  const w = pageWidth / columns;
  const x0 = Math.round(c.column * w);
  const x1 = Math.round((c.column + 1) * w);
  return `x ${x0}–${x1} px, y ${c.row * cellHeight}–${(c.row + 1) * cellHeight} px`;
}

// ---- the player ----

/** Playback speeds the player offers. */
export const SPEEDS = [1, 2, 4, 8] as const;
export type Speed = (typeof SPEEDS)[number];

/**
 * How much the player shrinks the recorded viewport (never enlarged): to
 * the container's width, and to 70% of the window's height (at least
 * 240 px tall), keeping its proportions.
 */
export function frameScale(containerWidth: number, viewport: { width: number; height: number }, windowHeight: number): number {
  const maxHeight = Math.max(240, windowHeight * 0.7);
  return Math.min(1, Math.max(0, containerWidth) / viewport.width, maxHeight / viewport.height);
}

/**
 * Where the replayed page sits in the player's frame (which has the first
 * viewport's size) when the recorded window is `content` large: shrunk to
 * fit (never enlarged), centred; `left` and `top` in the frame's px.
 */
export function fitInFrame(frame: { width: number; height: number }, content: { width: number; height: number }): { scale: number; left: number; top: number } {
  if (!(content.width > 0 && content.height > 0)) return { scale: 1, left: 0, top: 0 };
  const scale = Math.min(1, frame.width / content.width, frame.height / content.height);
  return { scale, left: (frame.width - content.width * scale) / 2, top: (frame.height - content.height * scale) / 2 };
}

// ---- the player's keyboard shortcuts ----

/** What a shortcut does: play or pause, move by `by` ms, choose a speed, skip inactivity or not. */
export type PlayerAction = { kind: 'toggle' } | { kind: 'seek'; by: number } | { kind: 'speed'; speed: Speed } | { kind: 'skip' };

/** The shortcuts as the page lists them: keys as printed on keyboards. */
export const PLAYER_SHORTCUTS: { keys: string[]; does: string }[] = [
  { keys: ['Space', 'K'], does: 'Play or pause' },
  { keys: ['←', '→'], does: 'Back or forward 5 seconds' },
  { keys: ['J', 'L'], does: 'Back or forward 10 seconds' },
  { keys: SPEEDS.map((_, i) => String(i + 1)), does: `Speed ${SPEEDS.map((s) => `${s}×`).join(', ')}` },
  { keys: ['S'], does: 'Skip inactivity on or off' },
];

/** What screen readers say for the keys that are symbols. */
export const KEY_NAMES: Record<string, string> = { '←': 'Left arrow', '→': 'Right arrow' };

/** The part of a keydown event the shortcuts read. */
export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  repeat?: boolean;
  target: EventTarget | null;
}

/** Whether Space activates the element itself (a button, a <details>' summary, a checkbox role…). */
function activatedBySpace(target: EventTarget | null): boolean {
  const el = target as (Element & { tagName?: unknown }) | null;
  if (!el || typeof el.tagName !== 'string') return false;
  if (['BUTTON', 'SUMMARY'].includes(el.tagName.toUpperCase())) return true;
  const role = typeof el.getAttribute === 'function' ? el.getAttribute('role') : null;
  return role !== null && ['button', 'checkbox', 'switch', 'radio', 'tab', 'menuitem', 'option'].includes(role);
}

/** Seeks, in ms: arrows 5 seconds, J and L 10 (as video players do). */
const SEEK_KEYS = new Map<string, number>([
  ['ArrowLeft', -5_000],
  ['ArrowRight', 5_000],
  ['j', -10_000],
  ['l', 10_000],
]);

/**
 * The player's action for a key press, or null: none while typing in a
 * field (the position slider's arrows are its own), with Ctrl, Meta or
 * Alt held (the browser's and the system's shortcuts), for Space on an
 * element that Space activates, or for a held key that toggles something.
 */
export function playerActionForKey(e: KeyPress): PlayerAction | null {
  if (e.ctrlKey || e.metaKey || e.altKey || isTypingTarget(e.target)) return null;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (key === ' ' && activatedBySpace(e.target)) return null;
  if (key === ' ' || key === 'k') return e.repeat ? null : { kind: 'toggle' };
  if (key === 's') return e.repeat ? null : { kind: 'skip' };
  const by = SEEK_KEYS.get(key);
  if (by !== undefined) return { kind: 'seek', by };
  const speed = /^[1-9]$/.test(key) ? SPEEDS[Number(key) - 1] : undefined;
  return speed !== undefined ? { kind: 'speed', speed } : null;
}
