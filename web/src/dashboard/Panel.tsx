// A breakdown panel (sources, pages, locations, devices, events): tabs, a
// list of rows with bars, a Details button. Also the row list the realtime
// view reuses.
import { lazy, Suspense, useCallback, useEffect, useId, useRef, type KeyboardEvent, type ReactNode } from 'react';
import { dimensionName, displayValue, panelTab, type Dim, type PanelDef, type Tab } from '../lib/dashboard';
import { formatMeasure, measureLabel, measureValue, panelMeasures, rowAttrs, type Measure, type TableRow } from '../lib/table';
import { mark } from './marks';
import { PANEL_ROWS } from '../api/dashboardQueries';

// The map (d3-geo, topojson, the atlas) is its own chunk, fetched when the tab opens.
const WorldMap = lazy(() => import('./WorldMap'));

export function Panel({
  panel,
  tab,
  rows,
  total,
  onTab,
  onRow,
  onDetails,
  body,
}: {
  panel: PanelDef;
  tab: Tab;
  rows: TableRow[];
  /** All visitors of the range (`stats.visitors`): what percentages are of. */
  total: number;
  onTab: (t: Tab) => void;
  onRow: (d: Dim, v: string) => void;
  /** Opens the tab's details dialog; none without it (the goals' tab). */
  onDetails?: () => void;
  /** The open tab's own content instead of breakdown rows (the goals' list). */
  body?: ReactNode;
}) {
  const id = `panel-${panel.id}`;
  const current = panelTab(panel, tab);
  const tabRefs = useRef<(HTMLButtonElement | null)[]>([]);
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const i = panel.tabs.findIndex((t) => t.id === current.id);
    let n = -1;
    if (e.key === 'ArrowRight') n = (i + 1) % panel.tabs.length;
    else if (e.key === 'ArrowLeft') n = (i - 1 + panel.tabs.length) % panel.tabs.length;
    else if (e.key === 'Home') n = 0;
    else if (e.key === 'End') n = panel.tabs.length - 1;
    if (n < 0) return;
    e.preventDefault();
    onTab(panel.tabs[n]!.id);
    tabRefs.current[n]?.focus();
  };
  const onDrawn = useCallback(() => mark(`panel:${panel.id}`), [panel.id]);
  const isMap = current.id === 'MAP';
  useEffect(() => {
    if (!isMap) onDrawn();
  }, [isMap, onDrawn]);

  const shown = rows.slice(0, PANEL_ROWS);
  return (
    <section className="card panel" aria-labelledby={`${id}-h`} data-testid={id}>
      <div className="panel-head">
        <h2 id={`${id}-h`}>{panel.title}</h2>
        {onDetails ? (
          <button type="button" className="button ghost panel-details" onClick={onDetails} aria-describedby={`${id}-h`}>
            Details
          </button>
        ) : null}
        {panel.tabs.length > 1 ? (
          <div role="tablist" aria-label={panel.title} className="tabs" onKeyDown={onKeyDown}>
            {panel.tabs.map((t, i) => (
              <button
                key={t.id}
                ref={(el) => {
                  tabRefs.current[i] = el;
                }}
                type="button"
                role="tab"
                id={`${id}-tab-${t.id}`}
                aria-selected={t.id === current.id}
                aria-controls={`${id}-body`}
                tabIndex={t.id === current.id ? 0 : -1}
                onClick={() => onTab(t.id)}
              >
                {t.label}
              </button>
            ))}
          </div>
        ) : (
          <p className="panel-sub muted">{current.label}</p>
        )}
      </div>
      <div
        role={panel.tabs.length > 1 ? 'tabpanel' : undefined}
        id={`${id}-body`}
        aria-labelledby={panel.tabs.length > 1 ? `${id}-tab-${current.id}` : undefined}
        className="panel-body"
      >
        {body !== undefined ? (
          body
        ) : isMap ? (
          <Suspense fallback={<div className="skeleton map-skeleton" role="status" aria-label="Loading the map…" />}>
            <WorldMap rows={rows} onCountry={(code) => onRow('COUNTRY', code)} onDrawn={onDrawn} />
          </Suspense>
        ) : (
          <RowList
            rows={shown}
            tab={current.id}
            dim={current.dim}
            column={current.column}
            total={total}
            measures={panelMeasures(current.id)}
            onRow={onRow}
            empty={emptyText(panel.id, current.dim)}
          />
        )}
      </div>
    </section>
  );
}

function emptyText(panel: PanelDef['id'], dim: Dim): string {
  if (panel === 'locations') return 'No locations in this range (they need a GeoIP database on the server).';
  if (panel === 'events') return 'No custom events in this range. Send them from the page with trackr("Signup"), for example.';
  if (dim.startsWith('UTM_')) return 'No visits with this UTM tag in this range.';
  return 'Nothing in this range.';
}

/**
 * Rows with a bar as long as their visitors (the first row's is full),
 * the measures of `measures` on the right. Each row's value is a button
 * (named by the value) that filters the dashboard; its figures are in
 * `data-*` attributes, raw, for tests.
 */
export function RowList({
  rows,
  tab,
  dim,
  column,
  total,
  measures,
  onRow,
  empty,
  hint,
}: {
  rows: TableRow[];
  tab: Tab;
  dim: Dim;
  column: string;
  total: number;
  measures: Measure[];
  onRow: (d: Dim, v: string) => void;
  empty: string;
  hint?: string;
}) {
  const id = useId();
  const max = Math.max(1, ...rows.map((r) => r.visitors));
  if (rows.length === 0) return <p className="panel-empty muted">{empty}</p>;
  return (
    <>
      <p className="panel-cols" aria-hidden="true">
        <span className="panel-col-value">{column}</span>
        {measures.map((m) => (
          <span key={m} className="row-measure">
            {measureLabel(m, tab)}
          </span>
        ))}
      </p>
      <span id={`${id}-hint`} className="visually-hidden">
        {hint ?? `Filters the dashboard by ${dimensionName(dim).toLowerCase()}.`}
      </span>
      <ol className="bars">
        {rows.map((r) => {
          const label = displayValue(dim, r.value);
          return (
            <li key={r.value} className="bar-row" data-testid="row" {...rowAttrs(r, measures, total)}>
              <span className="bar" style={{ width: `${(r.visitors / max) * 100}%` }} aria-hidden="true" />
              <button type="button" className="bar-label" onClick={() => onRow(dim, r.value)} aria-describedby={`${id}-hint`} title={label}>
                {label}
              </button>
              {measures.map((m) => (
                <span key={m} className="row-measure">
                  {formatMeasure(m, measureValue(r, m, total))}
                  <span className="visually-hidden"> {measureLabel(m, tab).replace(/^%$/, 'of visitors')}</span>
                </span>
              ))}
            </li>
          );
        })}
      </ol>
    </>
  );
}
