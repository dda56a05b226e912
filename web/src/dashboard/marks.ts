// Performance marks for the dashboard benchmark (bench/): when the top
// stats, the chart and each panel first show data, and "ready" once all
// of them have. Only the first time per page load: a later view (another
// range, a filter) is a refresh, not a load.

const PREFIX = 'trackr:dashboard:';
const REQUIRED = ['stats', 'chart', 'panel:sources', 'panel:pages', 'panel:locations', 'panel:devices', 'panel:events'];
const done = new Set<string>();

export function mark(name: string): void {
  if (done.has(name) || typeof performance === 'undefined' || typeof performance.mark !== 'function') return;
  done.add(name);
  performance.mark(PREFIX + name);
  if (!done.has('ready') && REQUIRED.every((n) => done.has(n))) {
    done.add('ready');
    performance.mark(PREFIX + 'ready');
  }
}
