// A site's data requests (deletions and exports), as `Site.jobs` lists them.

/** Statuses a job does not leave (FAILED is tried again, so it is not one). */
export const TERMINAL: ReadonlySet<string> = new Set(['SUCCEEDED', 'DEAD']);

/** How often to poll a site's jobs: every `ms` while one may still change, else never. */
export function jobsPollInterval(jobs: readonly { status: string }[] | undefined, ms = 2000): number | false {
  return jobs?.some((j) => !TERMINAL.has(j.status)) ? ms : false;
}

/** "Export" or "Deletion". */
export function jobKindName(kind: string): string {
  return kind === 'EXPORT' ? 'Export' : kind === 'DELETE_DATA' ? 'Deletion' : kind;
}

const STATUS_NAMES: Record<string, string> = {
  QUEUED: 'Queued',
  RUNNING: 'Running',
  SUCCEEDED: 'Done',
  FAILED: 'Failed, will retry',
  DEAD: 'Failed',
};

/** A job's status in words: FAILED is retried, DEAD is final. */
export function jobStatusName(status: string): string {
  return STATUS_NAMES[status] ?? status;
}

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
