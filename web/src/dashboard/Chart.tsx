import { useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatBucket, formatDuration, formatMetric, type Interval, type Metric } from '../lib/dashboard';
import { formatCompact } from '../lib/format';
import { mark } from './marks';

export interface ChartPoint {
  at: string;
  value: number;
  /** The compared period's point at the same place, when comparing and it has one. */
  previous?: { at: string; value: number } | null;
}

/** The y axis' labels: compact counts, percentages, durations, decimals for views per visit. */
function axisValue(metric: Metric, v: number): string {
  if (metric === 'bounceRate') return Number.isInteger(v) ? `${v}%` : '';
  if (metric === 'visitDurationSeconds') return Number.isInteger(v) ? formatDuration(v) : '';
  if (metric === 'viewsPerVisit') return String(Math.round(v * 100) / 100);
  return Number.isInteger(v) ? formatCompact(v) : '';
}

const HEIGHT = 260;

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

/** The colour scheme, to redraw the canvas when it changes. */
function useScheme(): string {
  const [scheme, setScheme] = useState(() => (window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'));
  useEffect(() => {
    const mq = window.matchMedia?.('(prefers-color-scheme: dark)');
    if (!mq) return;
    const on = () => setScheme(mq.matches ? 'dark' : 'light');
    mq.addEventListener('change', on);
    return () => mq.removeEventListener('change', on);
  }, []);
  return scheme;
}

/**
 * The chosen metric over time (uPlot on a canvas), with the compared
 * period as a dashed line. The canvas is hidden from assistive
 * technologies; a visually hidden table carries the same data (and the
 * raw numbers, for the end-to-end test).
 */
export function Chart({
  points,
  comparing,
  comparedLabel,
  metric,
  interval,
  timeZone,
  metricLabel,
  caption,
}: {
  points: ChartPoint[];
  /** Whether a compared series is drawn (from each point's `previous`). */
  comparing: boolean;
  comparedLabel: string;
  metric: Metric;
  interval: Interval;
  timeZone: string;
  metricLabel: string;
  caption: string;
}) {
  const wrap = useRef<HTMLDivElement>(null);
  const scheme = useScheme();
  const [tip, setTip] = useState<{ idx: number; left: number; top: number } | null>(null);

  const data = useMemo(() => {
    const xs = points.map((p) => Date.parse(p.at) / 1000);
    const ys = points.map((p) => p.value);
    const cols: (number | null)[][] = [xs, ys];
    if (comparing) cols.push(points.map((p) => p.previous?.value ?? null));
    return cols as uPlot.AlignedData;
  }, [points, comparing]);

  useEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const primary = cssVar('--primary', '#1d4ed8');
    const muted = cssVar('--muted', '#4b5563');
    const border = cssVar('--border', '#c9ced6');
    const text = cssVar('--text', '#111827');
    const font = '12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
    const axis: uPlot.Axis = {
      stroke: text,
      font,
      grid: { stroke: border, width: 1 },
      ticks: { stroke: border, width: 1 },
    };
    let tick: Intl.DateTimeFormat;
    const tickOpts: Intl.DateTimeFormatOptions =
      interval === 'HOUR'
        ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
        : interval === 'MONTH'
          ? { month: 'short', year: 'numeric' }
          : { day: 'numeric', month: 'short' };
    try {
      tick = new Intl.DateTimeFormat('en-GB', { ...tickOpts, timeZone });
    } catch {
      tick = new Intl.DateTimeFormat('en-GB', { ...tickOpts, timeZone: 'UTC' });
    }
    const series: uPlot.Series[] = [
      {},
      {
        label: metricLabel,
        stroke: primary,
        width: 2,
        fill: primary + '22',
        points: { show: points.length <= 40, size: 5, fill: primary },
      },
    ];
    if (comparing) series.push({ label: comparedLabel, stroke: muted, width: 1.5, dash: [6, 4], points: { show: false } });
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: HEIGHT,
      tzDate: (ts) => {
        try {
          return uPlot.tzDate(new Date(ts * 1000), timeZone);
        } catch {
          return new Date(ts * 1000);
        }
      },
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { size: 8 } },
      scales: {
        x: { time: true },
        y: {
          range: (_u, _min, max) =>
            metric === 'bounceRate' ? [0, Math.min(100, Math.max(10, max * 1.1))] : [0, Math.max(metric === 'viewsPerVisit' ? 2 : 4, max * 1.1)],
        },
      },
      axes: [
        {
          ...axis,
          // Ticks on the buckets themselves (uPlot's own would split days into hours), thinned to fit.
          splits: (u) => {
            const xs = (u.data[0] ?? []) as number[];
            const fit = Math.max(2, Math.floor(u.width / (interval === 'MONTH' ? 90 : 70)));
            const step = Math.ceil(xs.length / fit);
            return xs.filter((_, i) => i % step === 0);
          },
          values: (_u, splits) => splits.map((v) => tick.format(new Date(v * 1000))),
        },
        { ...axis, size: metric === 'visitDurationSeconds' ? 64 : 48, values: (_u, splits) => splits.map((v) => axisValue(metric, v)) },
      ],
      series,
      hooks: {
        // The benchmark's mark: the chart has drawn (once per page load).
        draw: [() => mark('chart')],
        setCursor: [
          (u) => {
            const idx = u.cursor.idx;
            if (idx == null || u.cursor.left == null || u.cursor.left < 0) setTip(null);
            else setTip({ idx, left: u.cursor.left, top: u.cursor.top ?? 0 });
          },
        ],
      },
    };
    const plot = new uPlot(opts, data, el);
    const ro = new ResizeObserver(() => {
      const w = Math.max(200, el.clientWidth);
      if (w !== plot.width) plot.setSize({ width: w, height: HEIGHT });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
      setTip(null);
    };
  }, [data, points.length, comparing, comparedLabel, metric, timeZone, metricLabel, scheme, interval]);

  const tipPoint = tip ? points[tip.idx] : undefined;
  const tipPrev = tip && comparing ? tipPoint?.previous : undefined;
  const width = wrap.current?.clientWidth ?? 0;
  return (
    <div className="chart">
      <div className="chart-canvas" aria-hidden="true">
        <div ref={wrap} className="chart-plot" />
        {tip && tipPoint ? (
          <div
            className="chart-tip"
            style={{
              left: `${Math.min(tip.left + 56, Math.max(0, width - 200))}px`,
              top: `${Math.max(0, Math.min(tip.top - 10, HEIGHT - 90))}px`,
            }}
          >
            <p className="chart-tip-date">{formatBucket(tipPoint.at, interval, timeZone)}</p>
            <p>
              <span className="swatch" /> {metricLabel}: <strong>{formatMetric(metric, tipPoint.value)}</strong>
            </p>
            {tipPrev ? (
              <p className="muted">
                <span className="swatch prev" /> {formatBucket(tipPrev.at, interval, timeZone, true)}: <strong>{formatMetric(metric, tipPrev.value)}</strong>
              </p>
            ) : null}
          </div>
        ) : null}
      </div>
      <div className="visually-hidden">
        <table data-testid="chart-table">
          <caption>{caption}</caption>
          <thead>
            <tr>
              <th scope="col">{interval === 'HOUR' ? 'Hour' : interval === 'MONTH' ? 'Month' : interval === 'WEEK' ? 'Week' : 'Day'}</th>
              <th scope="col">{metricLabel}</th>
              {comparing ? <th scope="col">{comparedLabel}</th> : null}
            </tr>
          </thead>
          <tbody>
            {points.map((p) => (
              <tr
                key={p.at}
                data-at={p.at}
                data-value={p.value}
                data-previous={comparing && p.previous ? p.previous.value : undefined}
              >
                <th scope="row">{formatBucket(p.at, interval, timeZone)}</th>
                <td>{formatMetric(metric, p.value)}</td>
                {comparing ? (
                  <td>{p.previous ? `${formatMetric(metric, p.previous.value)} (${formatBucket(p.previous.at, interval, timeZone, true)})` : '–'}</td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

export default Chart;
