import { useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatBucket, type Interval } from '../lib/dashboard';
import { formatCompact, formatNumber } from '../lib/format';

export interface ChartPoint {
  at: string;
  value: number;
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
 * The chosen metric over time (uPlot on a canvas), with the previous
 * period as a dashed line when comparing. The canvas is hidden from
 * assistive technologies; a visually hidden table carries the same data.
 */
export function Chart({
  points,
  previous,
  interval,
  timeZone,
  metricLabel,
  caption,
}: {
  points: ChartPoint[];
  previous: ChartPoint[] | null;
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
    if (previous) cols.push(points.map((_, i) => previous[i]?.value ?? null));
    return cols as uPlot.AlignedData;
  }, [points, previous]);

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
    if (previous) series.push({ label: 'Previous period', stroke: muted, width: 1.5, dash: [6, 4], points: { show: false } });
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
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(4, max * 1.1)] } },
      axes: [
        { ...axis, values: (_u, splits) => splits.map((v) => tick.format(new Date(v * 1000))) },
        { ...axis, size: 48, values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? formatCompact(v) : '')) },
      ],
      series,
      hooks: {
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
  }, [data, points.length, previous, timeZone, metricLabel, scheme, interval]);

  const tipPoint = tip ? points[tip.idx] : undefined;
  const tipPrev = tip && previous ? previous[tip.idx] : undefined;
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
              <span className="swatch" /> {metricLabel}: <strong>{formatNumber(tipPoint.value)}</strong>
            </p>
            {tipPrev ? (
              <p className="muted">
                <span className="swatch prev" /> {formatBucket(tipPrev.at, interval, timeZone, true)}: <strong>{formatNumber(tipPrev.value)}</strong>
              </p>
            ) : null}
          </div>
        ) : null}
      </div>
      <div className="visually-hidden">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{interval === 'HOUR' ? 'Hour' : interval === 'MONTH' ? 'Month' : interval === 'WEEK' ? 'Week' : 'Day'}</th>
            <th scope="col">{metricLabel}</th>
            {previous ? <th scope="col">Previous period</th> : null}
          </tr>
        </thead>
        <tbody>
          {points.map((p, i) => (
            <tr key={p.at}>
              <th scope="row">{formatBucket(p.at, interval, timeZone)}</th>
              <td>{formatNumber(p.value)}</td>
              {previous ? <td>{previous[i] ? formatNumber(previous[i]!.value) : '–'}</td> : null}
            </tr>
          ))}
        </tbody>
      </table>
      </div>
    </div>
  );
}

export default Chart;
