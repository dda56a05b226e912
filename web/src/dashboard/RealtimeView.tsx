// The realtime view (`period=realtime`): the last 30 minutes, refreshed
// every 10 seconds: visitors now, a bar per minute, and the top pages,
// sources and countries.
import { useQuery } from '@tanstack/react-query';
import { request } from '../api/client';
import { RealtimeQuery } from '../api/dashboardDocuments';
import { retryOnce } from '../api/hooks';
import { ErrorBox } from '../components/ErrorBox';
import { formatBucket, type Dim } from '../lib/dashboard';
import { formatNumber } from '../lib/format';
import { RowList } from './Panel';

export const REALTIME_REFRESH_MS = 10_000;

export function RealtimeView({ siteId, timeZone, onRow }: { siteId: string; timeZone: string; onRow: (d: Dim, v: string) => void }) {
  const q = useQuery({
    queryKey: ['dashboardRealtime', siteId],
    queryFn: async () => (await request(RealtimeQuery, { id: siteId })).site.realtime,
    retry: retryOnce,
    refetchInterval: REALTIME_REFRESH_MS,
    staleTime: 0,
  });
  if (q.isPending)
    return (
      <div className="dash-skeleton" role="status">
        <span className="visually-hidden">Loading the last 30 minutes…</span>
        <div className="skeleton chart-skeleton" aria-hidden="true" />
      </div>
    );
  if (q.isError && !q.data) return <ErrorBox error={q.error} onRetry={() => void q.refetch()} />;
  const rt = q.data!;
  const max = Math.max(1, ...rt.perMinute.map((p) => p.visitors));
  const hint = 'Shows today’s dashboard filtered by it.';
  return (
    <div className="dash-body realtime-view">
      {q.isError ? <ErrorBox error={q.error} onRetry={() => void q.refetch()} title="Could not refresh the realtime view" /> : null}
      <section className="card rt-chart" aria-labelledby="rt-h">
        <div className="rt-head">
          <h2 id="rt-h">Last 30 minutes</h2>
          <p className="rt-now" aria-live="polite" data-testid="realtime-visitors" data-value={rt.visitors}>
            <strong>{formatNumber(rt.visitors)}</strong> {rt.visitors === 1 ? 'visitor' : 'visitors'} in the last 5 minutes
          </p>
        </div>
        <div className="rt-bars" aria-hidden="true">
          {rt.perMinute.map((p) => (
            <span key={p.at} className="rt-bar" title={`${formatBucket(p.at, 'HOUR', timeZone)}: ${formatNumber(p.visitors)} visitors, ${formatNumber(p.pageviews)} page views`}>
              <span className="rt-fill" style={{ height: `${(p.visitors / max) * 100}%` }} />
            </span>
          ))}
        </div>
        <p className="rt-axis muted" aria-hidden="true">
          <span>30 minutes ago</span>
          <span>now</span>
        </p>
        <p className="hint">Refreshes every 10 seconds.</p>
        <div className="visually-hidden">
          <table data-testid="realtime-table">
            <caption>Visitors and page views per minute, the last 30 minutes</caption>
            <thead>
              <tr>
                <th scope="col">Minute</th>
                <th scope="col">Visitors</th>
                <th scope="col">Page views</th>
              </tr>
            </thead>
            <tbody>
              {rt.perMinute.map((p) => (
                <tr key={p.at} data-at={p.at} data-visitors={p.visitors} data-pageviews={p.pageviews}>
                  <th scope="row">{formatBucket(p.at, 'HOUR', timeZone)}</th>
                  <td>{formatNumber(p.visitors)}</td>
                  <td>{formatNumber(p.pageviews)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <div className="panels">
        {(
          [
            ['pages', 'Pages', 'PAGE', 'Page', rt.pages],
            ['sources', 'Sources', 'SOURCE', 'Source', rt.sources],
            ['countries', 'Countries', 'COUNTRY', 'Country', rt.countries],
          ] as const
        ).map(([key, title, dim, column, rows]) => (
          <section key={key} className="card panel" aria-labelledby={`rt-${key}-h`} data-testid={`realtime-${key}`}>
            <div className="panel-head">
              <h2 id={`rt-${key}-h`}>{title}</h2>
              <p className="panel-sub muted">Last 30 minutes</p>
            </div>
            <div className="panel-body rt-panel-body">
              <RowList
                rows={[...rows]}
                tab={dim}
                dim={dim}
                column={column}
                total={rt.visitors}
                measures={['visitors', 'pageviews']}
                onRow={onRow}
                empty="Nobody in the last 30 minutes."
                hint={hint}
              />
            </div>
          </section>
        ))}
      </div>
    </div>
  );
}
