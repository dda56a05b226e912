// Segments on the dashboard (docs/api.md, "Segments"): a saved set of
// filters with a name. The view names its segment by id in the URL
// (`seg=<id>`, beside the `f=` filters: lib/dashboard.ts), and every
// report then carries `{dimension: SEGMENT, op: IS, value: <id>}` beside
// the view's own filters; the server expands it, so the app never
// merges a segment's filters into the view's.
//
// Invariants: the URL's filters never hold a SEGMENT (it is not a Dim);
// a segment never holds another (the server refuses it), so what is saved
// is always plain filters.
// (Types only from dashboard.ts, which reads `seg=` with parseSegmentParam.)
import type { DashFilter, Dim, Op } from './dashboard';

/** Filters a segment holds (the server's limit, as a report's). */
export const MAX_SEGMENT_FILTERS = 20;

/** A filter as a report takes it: the view's own, or the segment's. */
export interface ReportFilter {
  dimension: Dim | 'SEGMENT';
  op: Op;
  value: string;
  key?: string | null;
}

/** A filter as a segment holds it (the API's SegmentFilter; its dimension may be one the view does not list, PROPERTY). */
export interface SavedFilter {
  dimension: string;
  op: string;
  value: string;
  key?: string | null;
}

export interface SegmentRef {
  id: string;
  name: string;
  shared: boolean;
  mine: boolean;
  filters: readonly SavedFilter[];
}

/** A segment's id as the URL may carry it (ids are UUIDs; anything else long or empty is no segment). */
export function parseSegmentParam(raw: string | null): string | null {
  const v = raw?.trim() ?? '';
  return v !== '' && v.length <= 100 && /^[\w-]+$/.test(v) ? v : null;
}

/** The filter that applies a segment to a report. */
export function segmentFilter(id: string): ReportFilter {
  return { dimension: 'SEGMENT', op: 'IS', value: id };
}

/** The `filters` a report of the view asks with: the view's own, then its segment's (null when none). */
export function reportFilters(filters: readonly DashFilter[], segment: string | null): ReportFilter[] | null {
  const out: ReportFilter[] = [...filters];
  if (segment) out.push(segmentFilter(segment));
  return out.length ? out : null;
}

function sameSaved(a: SavedFilter, b: SavedFilter): boolean {
  return a.dimension === b.dimension && a.op === b.op && a.value === b.value && (a.key ?? null) === (b.key ?? null);
}

/**
 * What "Save as segment" saves: the view as it shows, so that making the
 * new segment the active one (and clearing the view's filters) leaves
 * the reports unchanged. With a segment active, its filters come first,
 * then the view's own ones it does not already hold.
 */
export function filtersToSave(filters: readonly DashFilter[], active: SegmentRef | null): SavedFilter[] {
  const out: SavedFilter[] = (active?.filters ?? []).map((f) => ({ dimension: f.dimension, op: f.op, value: f.value, key: f.key ?? null }));
  for (const f of filters) {
    const g: SavedFilter = { dimension: f.dimension, op: f.op, value: f.value, key: null };
    if (!out.some((h) => sameSaved(h, g))) out.push(g);
  }
  return out;
}

/** Why these filters cannot be saved as a segment, or null when they can. */
export function saveProblem(filters: readonly SavedFilter[]): string | null {
  if (filters.length === 0) return 'Add a filter first: a segment holds at least one.';
  if (filters.length > MAX_SEGMENT_FILTERS) return `A segment holds at most ${MAX_SEGMENT_FILTERS} filters; this view has ${filters.length}.`;
  return null;
}

/** A segment's name, 1 to 120 characters once trimmed (the server's rule); the error to show, or null. */
export function segmentNameError(name: string): string | null {
  const n = [...name.trim()].length;
  if (n === 0) return 'Enter a name.';
  if (n > 120) return 'At most 120 characters.';
  return null;
}

/**
 * Whether the viewer may delete a segment: a shared one when they manage
 * the site's organization (owners, admins), a private one when it is
 * theirs (the only private ones listed).
 */
export function canDeleteSegment(s: Pick<SegmentRef, 'shared' | 'mine'>, manage: boolean): boolean {
  return s.shared ? manage : s.mine;
}

/** The segments in the order the select lists them: shared first, then the viewer's private ones, each by name as the API gives them. */
export function groupSegments<S extends Pick<SegmentRef, 'shared'>>(segments: readonly S[]): { shared: S[]; mine: S[] } {
  return { shared: segments.filter((s) => s.shared), mine: segments.filter((s) => !s.shared) };
}

/**
 * The view's segment's name: "a segment" while the list is not known,
 * "a deleted segment" when the list does not have it (deleted, or another
 * member's private one) or the server refused it.
 */
export function segmentLabel(segments: readonly Pick<SegmentRef, 'id' | 'name'>[] | undefined, id: string, refused = false): string {
  if (refused) return 'a deleted segment';
  if (!segments) return 'a segment';
  return segments.find((s) => s.id === id)?.name ?? 'a deleted segment';
}

/**
 * Whether the server refused the view's segment: a report whose SEGMENT
 * filter names a segment it does not have (or the viewer may not see)
 * fails with BAD_USER_INPUT naming the id ("no segment <id> on this site").
 */
export function segmentRefused(items: readonly { code: string; message: string }[], segment: string | null): boolean {
  return segment !== null && items.some((i) => i.code === 'BAD_USER_INPUT' && i.message.includes(`segment ${segment}`));
}
