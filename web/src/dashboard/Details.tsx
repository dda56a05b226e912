// A panel's details: up to 1000 rows of its open tab with every measure,
// searchable (within the loaded rows), sortable, downloadable as CSV.
// Opened by `details=<panel>` in the URL, which holds its order (`sort`)
// and search (`search`) too: the page owns them (lib/dashboard.ts).
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { request } from '../api/client';
import { BreakdownDetailsQuery } from '../api/dashboardDocuments';
import { retryOnce } from '../api/hooks';
import { ErrorBox } from '../components/ErrorBox';
import { displayValue, type DayRange, type Dim, type PanelDef, type PanelTab } from '../lib/dashboard';
import { formatNumber } from '../lib/format';
import type { ReportFilter } from '../lib/segments';
import {
  breakdownCsv,
  csvFileName,
  detailMeasures,
  ENGAGEMENT,
  formatMeasure,
  measureLabel,
  measureValue,
  nextSort,
  rowAttrs,
  searchRows,
  sortRows,
  type Sort,
  type SortKey,
  type TableRow,
} from '../lib/table';
import { Dialog } from './Dialog';

export const DETAIL_ROWS = 1000;

/** How long typing pauses before the search goes to the URL (ms). */
const SEARCH_TO_URL_MS = 400;

/** The dialog's order and search, as the URL holds them. */
export interface DetailsView {
  sort: Sort;
  search: string;
}

export function Details({
  siteId,
  domain,
  panel,
  tab,
  range,
  filters,
  total,
  view,
  onView,
  onRow,
  onClose,
}: {
  siteId: string;
  domain: string;
  panel: PanelDef;
  tab: PanelTab;
  range: DayRange;
  /** The view's filters and its segment's (lib/segments.ts' reportFilters). */
  filters: ReportFilter[];
  total: number;
  view: DetailsView;
  /** A new order is a history entry (`push`); a new search replaces the current one. */
  onView: (next: DetailsView, how: 'push' | 'replace') => void;
  onRow: (d: Dim, v: string) => void;
  onClose: () => void;
}) {
  const id = useId();
  const search = useRef<HTMLInputElement>(null);
  const { sort } = view;
  const [text, setText] = useState(view.search);
  const latest = useRef(onView);
  latest.current = onView;
  // The field applies what is typed at once and writes it to the URL when
  // typing pauses: the page re-renders once per pause, not per key, and
  // browsers' limits on history changes per second are never reached.
  // `written` is the URL's text as last seen or written: another text
  // there (back, forward) replaces the field's.
  const written = useRef(view.search);
  useEffect(() => {
    if (view.search === written.current) return;
    written.current = view.search;
    setText(view.search);
  }, [view.search]);
  useEffect(() => {
    if (text === written.current) return;
    const t = window.setTimeout(() => {
      written.current = text;
      latest.current({ sort, search: text }, 'replace');
    }, SEARCH_TO_URL_MS);
    return () => window.clearTimeout(t);
  }, [text, sort]);
  const setSort = (next: Sort) => {
    // The search as typed goes with it (the pending write is then moot).
    written.current = text;
    latest.current({ sort: next, search: text }, 'push');
  };
  const measures = detailMeasures(tab.id);
  const vars = {
    id: siteId,
    range,
    dimension: tab.dim,
    filters: filters.length ? filters : null,
    limit: DETAIL_ROWS,
    // Scroll depth and time on page: top pages' only, and costly, so only here.
    engagement: measures.some((m) => ENGAGEMENT.includes(m)),
  };
  const q = useQuery({
    queryKey: ['dashboardDetails', vars],
    queryFn: async () => (await request(BreakdownDetailsQuery, vars)).site.breakdown,
    retry: retryOnce,
    placeholderData: keepPreviousData,
  });
  const loaded: TableRow[] = useMemo(() => {
    const rows = q.data ?? [];
    // The events panel lists custom events: page views are the rest of the dashboard.
    return tab.dim === 'EVENT_NAME' ? rows.filter((r) => r.value !== 'pageview') : rows;
  }, [q.data, tab.dim]);
  const rows = useMemo(() => sortRows(searchRows(loaded, text, tab.dim), sort, tab.dim, total), [loaded, text, sort, tab.dim, total]);
  const columns: { key: SortKey; label: string }[] = [{ key: 'value', label: tab.column }, ...measures.map((m) => ({ key: m, label: measureLabel(m, tab.id) }))];

  const download = () => {
    const csv = breakdownCsv(rows, tab.id, tab.dim, total);
    // A byte order mark, so that spreadsheets read the file as UTF-8.
    const blob = new Blob(['\ufeff', csv], { type: 'text/csv;charset=utf-8' });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = csvFileName(domain, tab.dim, range);
    document.body.append(a);
    a.click();
    a.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };

  return (
    <Dialog
      title={`${panel.title} details`}
      onClose={onClose}
      className="details-dialog"
      initialFocus={search}
      fallbackFocus={() => document.querySelector<HTMLElement>(`[data-testid="panel-${panel.id}"] .panel-details`)}
    >
      <div className="details-tools">
        <div className="field details-search">
          <label htmlFor={`${id}-search`}>Search</label>
          <input
            ref={search}
            id={`${id}-search`}
            type="search"
            value={text}
            onChange={(e) => setText(e.target.value)}
            aria-describedby={`${id}-count`}
            autoComplete="off"
            spellCheck={false}
          />
        </div>
        <button type="button" className="button secondary" onClick={download} disabled={!q.data || rows.length === 0}>
          Download CSV
        </button>
      </div>
      <p id={`${id}-count`} className="hint" aria-live="polite">
        {q.isPending
          ? 'Loading…'
          : !q.data
            ? ''
          : `${tab.label}: ${formatNumber(rows.length)} of ${formatNumber(loaded.length)} rows${loaded.length >= DETAIL_ROWS ? ` (the top ${formatNumber(DETAIL_ROWS)})` : ''}. The CSV holds the rows shown.`}
      </p>
      {q.isError ? <ErrorBox error={q.error} onRetry={() => void q.refetch()} /> : null}
      {q.isPending ? (
        <div className="skeleton details-skeleton" aria-hidden="true" />
      ) : !q.data ? null : (
        <div className="details-scroll" tabIndex={0} role="region" aria-label={`${tab.label} table`}>
          <table className="details-table">
            <caption className="visually-hidden">
              {tab.label}, every measure; select a column heading to sort, a value to filter the dashboard by it.
            </caption>
            <thead>
              <tr>
                {columns.map((c) => {
                  const sorted = sort.key === c.key;
                  return (
                    <th key={c.key} scope="col" aria-sort={sorted ? sort.dir : undefined} className={c.key === 'value' ? 'col-value' : 'col-num'}>
                      <button type="button" className="sort-button" onClick={() => setSort(nextSort(sort, c.key))}>
                        {c.label}
                        <span className="sort-mark" aria-hidden="true">
                          {sorted ? (sort.dir === 'ascending' ? '▲' : '▼') : ''}
                        </span>
                      </button>
                    </th>
                  );
                })}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => {
                const label = displayValue(tab.dim, r.value);
                return (
                  <tr key={r.value} data-testid="details-row" {...rowAttrs(r, measures, total)}>
                    <th scope="row" className="col-value">
                      <button type="button" className="link-button" onClick={() => onRow(tab.dim, r.value)} title={label}>
                        {label}
                      </button>
                    </th>
                    {measures.map((m) => (
                      <td key={m} className="col-num">
                        {formatMeasure(m, measureValue(r, m, total))}
                      </td>
                    ))}
                  </tr>
                );
              })}
            </tbody>
          </table>
          {rows.length === 0 ? <p className="panel-empty muted">{text ? 'No rows match the search.' : 'Nothing in this range.'}</p> : null}
        </div>
      )}
    </Dialog>
  );
}
