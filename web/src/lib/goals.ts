// Goals (docs/api.md, "Goals"): what a goal matches, in words; the form
// that creates one; revenue as money; a GOAL filter's goal by its name.
// Pure, so it is tested without a browser. Shared by the site settings
// (the app shell) and the dashboard (its own chunk): keep it small.

/** What a goal matches, as `Site.goals` gives it. */
export interface GoalMatch {
  pagePattern?: string | null;
  eventName?: string | null;
  currency?: string | null;
}

/** A page goal, a custom-event goal, or a revenue goal (an event goal with a currency). */
export type GoalKind = 'page' | 'event' | 'revenue';

export const GOAL_KINDS: { id: GoalKind; label: string }[] = [
  { id: 'page', label: 'Page visit' },
  { id: 'event', label: 'Custom event' },
  { id: 'revenue', label: 'Revenue' },
];

export function goalKind(g: GoalMatch): GoalKind {
  if (g.pagePattern != null) return 'page';
  return g.currency ? 'revenue' : 'event';
}

/** "Page /blog/*", "Event Signup", "Revenue · Purchase (EUR)". */
export function describeGoal(g: GoalMatch): string {
  switch (goalKind(g)) {
    case 'page':
      return `Page ${g.pagePattern}`;
    case 'event':
      return `Event ${g.eventName ?? ''}`;
    case 'revenue':
      return `Revenue · ${g.eventName ?? ''} (${g.currency})`;
  }
}

/**
 * ISO 4217 codes offered for revenue goals: the most used ones. The
 * server takes any code; these are the ones a select can list briefly.
 */
export const CURRENCIES: readonly { code: string; name: string }[] = [
  { code: 'EUR', name: 'Euro' },
  { code: 'USD', name: 'US dollar' },
  { code: 'GBP', name: 'Pound sterling' },
  { code: 'CHF', name: 'Swiss franc' },
  { code: 'JPY', name: 'Japanese yen' },
  { code: 'CNY', name: 'Chinese yuan' },
  { code: 'CAD', name: 'Canadian dollar' },
  { code: 'AUD', name: 'Australian dollar' },
  { code: 'NZD', name: 'New Zealand dollar' },
  { code: 'SEK', name: 'Swedish krona' },
  { code: 'NOK', name: 'Norwegian krone' },
  { code: 'DKK', name: 'Danish krone' },
  { code: 'PLN', name: 'Polish złoty' },
  { code: 'CZK', name: 'Czech koruna' },
  { code: 'HUF', name: 'Hungarian forint' },
  { code: 'RON', name: 'Romanian leu' },
  { code: 'TRY', name: 'Turkish lira' },
  { code: 'INR', name: 'Indian rupee' },
  { code: 'BRL', name: 'Brazilian real' },
  { code: 'MXN', name: 'Mexican peso' },
  { code: 'ZAR', name: 'South African rand' },
  { code: 'SGD', name: 'Singapore dollar' },
  { code: 'HKD', name: 'Hong Kong dollar' },
  { code: 'KRW', name: 'South Korean won' },
];

/** The "Add a goal" form as typed. */
export interface GoalForm {
  kind: GoalKind;
  name: string;
  pagePattern: string;
  eventName: string;
  currency: string;
}

/** What `createGoal` takes, less the site. */
export interface GoalFields {
  name: string | null;
  pagePattern: string | null;
  eventName: string | null;
  currency: string | null;
}

/**
 * The form's input for `createGoal`, or the errors by field when
 * something the server would refuse anyway is missing. Only the kind's
 * own fields go (a page goal sends no event name even if one was typed
 * before switching). The server checks the rest (a pattern's syntax,
 * duplicate names) and names the field at fault.
 */
export function goalInput(form: GoalForm): { input: GoalFields; errors: null } | { input: null; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const name = form.name.trim();
  const pagePattern = form.pagePattern.trim();
  const eventName = form.eventName.trim();
  const currency = form.currency.trim().toUpperCase();
  if (form.kind === 'page') {
    if (!pagePattern) errors.pagePattern = 'Enter a page path or pattern, such as /blog/*.';
    else if (!pagePattern.startsWith('/')) errors.pagePattern = 'Start the pattern with /, such as /pricing.';
  } else {
    if (!eventName) errors.eventName = 'Enter the name of the event, such as Signup.';
    if (form.kind === 'revenue' && !/^[A-Z]{3}$/.test(currency)) errors.currency = 'Choose the currency of the revenue.';
  }
  if (Object.keys(errors).length) return { input: null, errors };
  return {
    input: {
      name: name || null,
      pagePattern: form.kind === 'page' ? pagePattern : null,
      eventName: form.kind === 'page' ? null : eventName,
      currency: form.kind === 'revenue' ? currency : null,
    },
    errors: null,
  };
}

/**
 * An exact decimal ("1234.50") as money in its currency: "€1,234.50".
 * Intl formats the string itself (not a float), so large totals keep
 * their cents. An unknown currency shows as "1234.50 XYZ".
 */
export function formatRevenue(amount: string, currency: string): string {
  const code = currency.toUpperCase();
  if (!/^-?\d+(\.\d+)?$/.test(amount)) return `${amount} ${code}`;
  try {
    const nf = new Intl.NumberFormat('en-US', { style: 'currency', currency: code });
    // A string is an exact decimal to Intl (ES2023; TypeScript's ES2022
    // types do not say so); older engines read it as a number.
    return nf.format(amount as unknown as number);
  } catch {
    return `${amount} ${code}`;
  }
}

export interface RevenueTotal {
  currency: string;
  total: string;
}

/**
 * A goal's revenue for a table cell: the goal's own currency (the server
 * lists it first), and the others apart ("+1 more", each spelled out for
 * a title and screen readers). null when the goal had none.
 */
export function revenueSummary(revenue: readonly RevenueTotal[], own: string | null | undefined): { shown: string; others: string[] } | null {
  if (revenue.length === 0) return null;
  const first = revenue.find((r) => own && r.currency.toUpperCase() === own.toUpperCase()) ?? revenue[0]!;
  return {
    shown: formatRevenue(first.total, first.currency),
    others: revenue.filter((r) => r !== first).map((r) => formatRevenue(r.total, r.currency)),
  };
}

/** A goal as the dashboard knows it. */
export interface GoalRef {
  id: string;
  name: string;
}

/**
 * The name of a GOAL filter's goal: "a deleted goal" when the site's
 * goals are known and it is not among them, or when the server refused
 * the filter for it (`refused`, see refusedGoalIds); "a goal" while the
 * goals are not known yet.
 */
export function goalName(goals: readonly GoalRef[] | undefined, id: string, refused: ReadonlySet<string> = new Set()): string {
  if (refused.has(id)) return 'a deleted goal';
  if (!goals) return 'a goal';
  return goals.find((g) => g.id === id)?.name ?? 'a deleted goal';
}

/**
 * The goals of GOAL filters that the server refused: a goal deleted
 * since the link was made. The server answers BAD_USER_INPUT naming the
 * value ("no goal <id> on this site"), and the whole report fails with
 * it, goals' names included, so this is how the page can tell.
 */
export function refusedGoalIds(
  items: readonly { code: string; message: string }[],
  filters: readonly { dimension: string; value: string }[],
): Set<string> {
  const out = new Set<string>();
  for (const f of filters) {
    if (f.dimension !== 'GOAL') continue;
    if (items.some((i) => i.code === 'BAD_USER_INPUT' && i.message.includes(f.value))) out.add(f.value);
  }
  return out;
}

/** Goal rows most unique conversions first; ties keep the API's order (the goals' own). */
export function sortGoalRows<R extends { visitors: number }>(rows: readonly R[]): R[] {
  return rows
    .map((row, i) => ({ row, i }))
    .sort((a, b) => b.row.visitors - a.row.visitors || a.i - b.i)
    .map((x) => x.row);
}
