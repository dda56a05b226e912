// The Events panel's Goals tab: each goal's unique and total conversions,
// conversion rate and revenue (`goalConversions`, asked for with the
// dashboard's one query while this tab is open), a bar as long as its
// unique conversions. A goal's row filters the dashboard by it, as other
// rows do by their value. Every goal is listed (a site has at most 100):
// goals have no details dialog.
import { useId } from 'react';
import { Link } from 'wouter';
import { revenueSummary, sortGoalRows } from '../lib/goals';
import { formatMeasure } from '../lib/table';

export interface GoalRow {
  goal: { id: string; name: string; currency: string | null };
  visitors: number;
  conversions: number;
  /** Percent (0–100) of the range's visitors under the same filters. */
  conversionRate: number;
  revenue: readonly { currency: string; total: string; average: string }[];
}

/** The figures' headings, and the short ones narrow screens show (Plausible's). */
const COLUMNS = [
  ['Unique conversions', 'Uniques'],
  ['Total conversions', 'Total'],
  ['Conversion rate', 'CR'],
] as const;

export function GoalList({
  rows,
  hasGoals,
  settingsHref,
  shared = false,
  onGoal,
}: {
  /** undefined while the tab's figures are on their way. */
  rows: readonly GoalRow[] | undefined;
  hasGoals: boolean;
  /** The site settings' Goals section, for members who may manage the site. */
  settingsHref: string | null;
  /** A share link's page: nothing about the site's settings. */
  shared?: boolean;
  onGoal: (id: string) => void;
}) {
  const id = useId();
  if (!hasGoals)
    return (
      <div className="panel-empty goals-empty">
        <p className="muted">No goals yet. A goal counts the visitors who view certain pages or send a certain custom event.</p>
        {shared ? null : settingsHref ? (
          <Link href={settingsHref}>Set up goals in the site settings</Link>
        ) : (
          <p className="muted">An owner or admin of the site can set them up in its settings.</p>
        )}
      </div>
    );
  if (!rows)
    return (
      <p className="panel-empty muted" role="status">
        Loading the goals…
      </p>
    );
  const sorted = sortGoalRows(rows);
  const max = Math.max(1, ...sorted.map((r) => r.visitors));
  const withRevenue = sorted.some((r) => r.revenue.length > 0);
  return (
    <>
      <p className="panel-cols goal-cols" aria-hidden="true">
        <span className="panel-col-value">Goal</span>
        {COLUMNS.map(([long, short]) => (
          <span key={long} className="row-measure">
            <span className="col-long">{long}</span>
            <span className="col-short">{short}</span>
          </span>
        ))}
        {withRevenue ? <span className="row-measure goal-revenue">Revenue</span> : null}
      </p>
      <span id={`${id}-hint`} className="visually-hidden">
        Filters the dashboard by the visitors who converted to the goal.
      </span>
      <ol className="bars goal-bars">
        {sorted.map((r) => {
          const money = revenueSummary(r.revenue, r.goal.currency);
          return (
            <li
              key={r.goal.id}
              className="bar-row"
              data-testid="goal-row"
              data-goal={r.goal.id}
              data-value={r.goal.name}
              data-visitors={r.visitors}
              data-conversions={r.conversions}
              data-conversion-rate={r.conversionRate}
              data-revenue={r.revenue.map((x) => `${x.currency}:${x.total}`).join(',') || undefined}
            >
              <span className="bar" style={{ width: `${(r.visitors / max) * 100}%` }} aria-hidden="true" />
              <button type="button" className="bar-label" onClick={() => onGoal(r.goal.id)} aria-describedby={`${id}-hint`} title={r.goal.name}>
                {r.goal.name}
              </button>
              <span className="row-measure">
                {formatMeasure('visitors', r.visitors)}
                <span className="visually-hidden"> unique conversions</span>
              </span>
              <span className="row-measure">
                {formatMeasure('events', r.conversions)}
                <span className="visually-hidden"> total conversions</span>
              </span>
              <span className="row-measure">
                {formatMeasure('conversionRate', r.conversionRate)}
                <span className="visually-hidden"> conversion rate</span>
              </span>
              {withRevenue ? (
                <span className="row-measure goal-revenue" title={money && money.others.length ? [money.shown, ...money.others].join(', ') : undefined}>
                  {money ? (
                    <>
                      {money.shown}
                      {money.others.length ? <span className="muted"> +{money.others.length} more</span> : null}
                      <span className="visually-hidden"> revenue{money.others.length ? `, and ${money.others.join(', ')}` : ''}</span>
                    </>
                  ) : (
                    <>
                      <span aria-hidden="true">—</span>
                      <span className="visually-hidden">no revenue</span>
                    </>
                  )}
                </span>
              ) : null}
            </li>
          );
        })}
      </ol>
    </>
  );
}
