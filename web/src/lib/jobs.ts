// Job ids the user started from this browser tab, per site, so that their
// progress survives a reload. Only ids are kept (sessionStorage), never
// download links.

const KEY = (siteId: string) => `trackr.jobs.${siteId}`;
const MAX = 20;

export function loadJobIds(siteId: string, storage: Pick<Storage, 'getItem'> | undefined = safeStorage()): string[] {
  try {
    const raw = storage?.getItem(KEY(siteId));
    const list: unknown = raw ? JSON.parse(raw) : [];
    return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string').slice(0, MAX) : [];
  } catch {
    return [];
  }
}

export function addJobId(siteId: string, id: string, storage: Pick<Storage, 'getItem' | 'setItem'> | undefined = safeStorage()): string[] {
  const list = [id, ...loadJobIds(siteId, storage).filter((x) => x !== id)].slice(0, MAX);
  try {
    storage?.setItem(KEY(siteId), JSON.stringify(list));
  } catch {
    // Storage full or disabled: the list lives in memory only.
  }
  return list;
}

function safeStorage(): Storage | undefined {
  try {
    return typeof sessionStorage === 'undefined' ? undefined : sessionStorage;
  } catch {
    return undefined;
  }
}

export const TERMINAL = new Set(['SUCCEEDED', 'DEAD']);

/** "events: 120, files: 2" from a job's JSON result. */
export function describeResult(result: unknown): string {
  if (!result || typeof result !== 'object' || Array.isArray(result)) return '';
  return Object.entries(result as Record<string, unknown>)
    .filter(([, v]) => typeof v === 'number' || typeof v === 'boolean')
    .map(([k, v]) => (typeof v === 'boolean' ? (v ? k : '') : `${k}: ${v}`))
    .filter(Boolean)
    .join(', ');
}

/** The file name at the end of a download URL, without its query. */
export function fileNameOf(url: string): string {
  try {
    const u = new URL(url, 'http://x.invalid');
    return decodeURIComponent(u.pathname.split('/').pop() || url);
  } catch {
    return url;
  }
}

/** A link text for an export file: "NDJSON (gzip)", "CSV (gzip)", else its file name. */
export function downloadLabel(url: string): string {
  const name = fileNameOf(url).toLowerCase();
  if (name.endsWith('.ndjson.gz')) return 'NDJSON (gzip)';
  if (name.endsWith('.csv.gz')) return 'CSV (gzip)';
  return fileNameOf(url);
}
