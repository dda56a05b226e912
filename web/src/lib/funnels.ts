// Funnels (docs/api.md, "Funnels"): the page's state in the URL (the
// funnel shown and the range, with the dashboard's period choices), each
// step's bar and figures, and the "New funnel" form's input. Pure, so it
// is tested without a browser.
import { customRangeError, PERIODS, type Period } from './dashboard';

/** A funnel has 2 to 8 ordered steps (the server's bounds). */
export const MIN_STEPS = 2;
export const MAX_STEPS = 8;
/** A funnel's name: 1 to 120 characters. */
export const MAX_NAME = 120;
/** A page pattern's length (as goals'). */
export const MAX_PATTERN = 300;

// ---- the URL ----

/** The dashboard's periods a funnel is chosen over (no realtime); a custom range (`period=custom&from=…&to=…`, as a dashboard link gives it) is read too. */
export const FUNNEL_PERIODS = PERIODS.filter((p) => p.id !== 'realtime' && p.id !== 'custom');

export interface FunnelState {
  /** The funnel shown (`funnel=`); null: the site's first. */
  funnel: string | null;
  period: Period;
  /** Only for `custom`. */
  from: string | null;
  to: string | null;
}

export const DEFAULT_FUNNEL_STATE: FunnelState = { funnel: null, period: '30d', from: null, to: null };

/** Reads `?funnel=<id>&period=7d`; unknown values fall back to the defaults. */
export function parseFunnelState(search: string): FunnelState {
  const p = new URLSearchParams(search.replace(/^\?/, ''));
  const funnel = p.get('funnel');
  const kept = funnel && funnel.length <= 100 ? funnel : null;
  const [from, to] = [p.get('from'), p.get('to')];
  if (p.get('period') === 'custom' && !customRangeError(from, to)) return { funnel: kept, period: 'custom', from, to };
  const period = FUNNEL_PERIODS.find((x) => x.id === p.get('period'))?.id ?? DEFAULT_FUNNEL_STATE.period;
  return { funnel: kept, period, from: null, to: null };
}

/** The query string of a state, defaults left out ("" when everything is default). */
export function funnelStateToSearch(s: FunnelState): string {
  const p = new URLSearchParams();
  if (s.funnel) p.set('funnel', s.funnel);
  if (s.period !== DEFAULT_FUNNEL_STATE.period) p.set('period', s.period);
  if (s.period === 'custom' && s.from && s.to) {
    p.set('from', s.from);
    p.set('to', s.to);
  }
  const qs = p.toString();
  return qs ? `?${qs}` : '';
}

// ---- the report ----

export interface StepFigures {
  label: string;
  visitors: number;
  dropOff: number;
  conversionRate: number;
}

/**
 * A step's bar as a percentage of the widest (the first step's visitors:
 * no later step has more). 0 when nobody entered the funnel.
 */
export function barPercent(visitors: number, steps: readonly Pick<StepFigures, 'visitors'>[]): number {
  const max = Math.max(0, ...steps.map((s) => s.visitors));
  if (max === 0) return 0;
  return Math.min(100, Math.max(0, (visitors / max) * 100));
}

/** A rate for people: "100%", "42.9%", "0.4%", "0%". */
export function formatRate(percent: number): string {
  if (!Number.isFinite(percent) || percent <= 0) return '0%';
  if (percent >= 100) return '100%';
  const r = Math.round(percent * 10) / 10;
  return `${Number.isInteger(r) ? r.toFixed(0) : r.toFixed(1)}%`;
}

/** The share of the step before who left: dropOff over the previous step's visitors, in percent (0 for the first step). */
export function dropOffRate(steps: readonly Pick<StepFigures, 'visitors' | 'dropOff'>[], i: number): number {
  const before = i > 0 ? steps[i - 1]!.visitors : 0;
  return before > 0 ? (steps[i]!.dropOff / before) * 100 : 0;
}

/** The report's sentence for one step, what a screen reader reads: "Step 2, Visit /pricing: 40 visitors, 60 dropped off (60%), 40% converted." */
export function describeStep(steps: readonly StepFigures[], i: number): string {
  const s = steps[i]!;
  const n = new Intl.NumberFormat('en-US');
  const visitors = `${n.format(s.visitors)} ${s.visitors === 1 ? 'visitor' : 'visitors'}`;
  if (i === 0) return `Step 1, ${s.label}: ${visitors} entered the funnel.`;
  return `Step ${i + 1}, ${s.label}: ${visitors}, ${n.format(s.dropOff)} dropped off (${formatRate(dropOffRate(steps, i))}), ${formatRate(s.conversionRate)} converted.`;
}

// ---- the form ----

export type StepKind = 'page' | 'goal';

/** One step as typed in the form. */
export interface StepForm {
  kind: StepKind;
  pagePattern: string;
  goalId: string;
}

export const EMPTY_STEP: StepForm = { kind: 'page', pagePattern: '', goalId: '' };

/** What `createFunnel` takes, less the site. */
export interface FunnelFields {
  name: string;
  steps: ({ pagePattern: string } | { goalId: string })[];
}

/**
 * The form's input, or why it cannot be sent: errors by field (`name`,
 * `steps`, and `step-<n>` for the n-th step, from 1), checked as the
 * server checks them, so that most mistakes show before a request.
 */
export function funnelInput(name: string, steps: readonly StepForm[]): { input?: FunnelFields; errors?: Record<string, string> } {
  const errors: Record<string, string> = {};
  const n = name.trim();
  if (!n) errors.name = 'Enter a name.';
  else if ([...n].length > MAX_NAME) errors.name = `A funnel's name has at most ${MAX_NAME} characters.`;
  if (steps.length < MIN_STEPS || steps.length > MAX_STEPS) errors.steps = `A funnel has ${MIN_STEPS} to ${MAX_STEPS} steps.`;
  const out: FunnelFields['steps'] = [];
  steps.forEach((s, i) => {
    if (s.kind === 'goal') {
      if (!s.goalId) errors[`step-${i + 1}`] = 'Choose a goal.';
      else out.push({ goalId: s.goalId });
      return;
    }
    const err = patternError(s.pagePattern.trim());
    if (err) errors[`step-${i + 1}`] = err;
    else out.push({ pagePattern: s.pagePattern.trim() });
  });
  return Object.keys(errors).length ? { errors } : { input: { name: n, steps: out } };
}

/** Why a page pattern is refused (as goals' patterns), or null. */
export function patternError(p: string): string | null {
  if (!p) return 'Enter a page pattern, such as /pricing.';
  if (!p.startsWith('/')) return 'A page pattern starts with /.';
  if (/\s/.test(p)) return 'A page pattern has no spaces.';
  if (p.includes('***')) return 'A page pattern has no ***.';
  if (p.length > MAX_PATTERN) return `A page pattern has at most ${MAX_PATTERN} characters.`;
  return null;
}

/**
 * The step a server's `steps` error is about ("Step 2: …" → 2), or null
 * when it is about them all ("a funnel has 2 to 8 steps").
 */
export function stepOfError(message: string): number | null {
  const m = /^step (\d+)\s*:/i.exec(message.trim());
  return m ? Number(m[1]) : null;
}

/** A copy of `steps` with `at` removed, never fewer than MIN_STEPS. */
export function removeStep(steps: readonly StepForm[], at: number): StepForm[] {
  if (steps.length <= MIN_STEPS) return [...steps];
  return steps.filter((_, i) => i !== at);
}

/** A copy of `steps` with an empty step added at the end, never more than MAX_STEPS. */
export function addStep(steps: readonly StepForm[]): StepForm[] {
  return steps.length >= MAX_STEPS ? [...steps] : [...steps, EMPTY_STEP];
}
