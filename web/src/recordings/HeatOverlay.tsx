// The heatmap's drawing: a stage scaled to the container's width, the click
// grid over it, the colour legend, and the grid's busiest cells as a table
// (the overlay's text alternative).
import { useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import type { ResultOf } from '../api/graphql';
import type { HeatmapQuery } from '../api/recordingDocuments';
import { formatNumber, formatPercent } from '../lib/format';
import { describeCell, heatColor, hottest, topCells } from '../lib/recordings';

export type Heat = ResultOf<typeof HeatmapQuery>['site']['heatmap'];

/**
 * Content `width` × `height` CSS px, shrunk to the container's width
 * (never enlarged), so that page pixels and grid cells stay aligned.
 */
export function Stage({ width, height, label, children }: { width: number; height: number; label: string; children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  const [avail, setAvail] = useState(0);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setAvail(el.clientWidth);
    const ro = new ResizeObserver(() => setAvail(el.clientWidth));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const scale = avail > 0 ? Math.min(1, avail / width) : 1;
  return (
    <div ref={ref} className="heat-stage">
      <figure className="heat-frame" style={{ width: width * scale, height: height * scale }} aria-label={label}>
        <div className="heat-canvas" style={{ width, height, transform: `scale(${scale})` }}>
          {children}
        </div>
      </figure>
    </div>
  );
}

/** The grid's cells with clicks, coloured by count; the busiest one is `heatmap-hottest`. */
export function HeatOverlay({ heat, width }: { heat: Heat; width: number }) {
  const hot = hottest(heat.cells);
  const cw = width / heat.columns;
  return (
    <div className="heat-overlay" data-testid="heatmap-overlay" data-columns={heat.columns} data-cell-height={heat.cellHeight} aria-hidden="true">
      {heat.cells.map((c) => (
        <div
          key={`${c.row}:${c.column}`}
          className={c === hot ? 'heat-cell hottest' : 'heat-cell'}
          data-testid={c === hot ? 'heatmap-hottest' : undefined}
          data-col={c.column}
          data-row={c.row}
          data-count={c.count}
          title={`${formatNumber(c.count)} ${c.count === 1 ? 'click' : 'clicks'} (${formatPercent(c.density)}), ${describeCell(c, heat.columns, heat.cellHeight, width)}`}
          style={{
            left: c.column * cw,
            top: c.row * heat.cellHeight,
            width: cw,
            height: heat.cellHeight,
            backgroundColor: heatColor(c.count, heat.maxCount),
          }}
        />
      ))}
    </div>
  );
}

export function Legend({ heat }: { heat: Heat }) {
  const max = heat.maxCount;
  return (
    <div className="heat-legend">
      <span className="heat-legend-label">Clicks per cell</span>
      <span className="heat-legend-end">1</span>
      <span className="heat-legend-bar" aria-hidden="true" />
      <span className="heat-legend-end">{formatNumber(max)}</span>
      <span className="visually-hidden">
        Colours run from blue for one click to red for {formatNumber(max)} {max === 1 ? 'click' : 'clicks'} in a cell.
      </span>
      <span className="hint heat-grid-note">
        Cells are 1/{heat.columns} of the page's width by {heat.cellHeight} px.
      </span>
    </div>
  );
}

const TOP = 20;

/** The busiest cells as a table: where they are and how many clicks. */
export function TopCells({ heat, width }: { heat: Heat; width: number }) {
  const rows = topCells(heat.cells, TOP);
  if (rows.length === 0) return null;
  return (
    <details className="heat-table">
      <summary>
        {rows.length < heat.cells.length ? `The ${rows.length} busiest of ${formatNumber(heat.cells.length)} cells` : `All ${rows.length} cells with clicks`}, as a table
      </summary>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">Cells with the most clicks, most first</caption>
          <thead>
            <tr>
              <th scope="col">Where on the page</th>
              <th scope="col">Column</th>
              <th scope="col">Row</th>
              <th scope="col">Clicks</th>
              <th scope="col">Share</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((c) => (
              <tr key={`${c.row}:${c.column}`}>
                <th scope="row">{describeCell(c, heat.columns, heat.cellHeight, width)}</th>
                <td>{c.column + 1}</td>
                <td>{c.row + 1}</td>
                <td>{formatNumber(c.count)}</td>
                <td>{formatPercent(c.density)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}
