// Email reports and traffic alerts (docs/api.md, "Email reports and
// traffic alerts"): what the site settings' two sections make of their
// forms. Pure, so it is tested without a browser.

/** The emails a recipient may get, as `EmailKindsInput` takes them. */
export interface EmailKinds {
  weekly: boolean;
  monthly: boolean;
  alerts: boolean;
}

export const EMAIL_KINDS: readonly { id: keyof EmailKinds; label: string }[] = [
  { id: 'weekly', label: 'Weekly report' },
  { id: 'monthly', label: 'Monthly report' },
  { id: 'alerts', label: 'Traffic alerts' },
];

/** Whether `kinds` has none: such a recipient receives nothing (the list asks to remove it instead). */
export function noKind(kinds: EmailKinds): boolean {
  return !kinds.weekly && !kinds.monthly && !kinds.alerts;
}

/** The add form as typed: weekly is ticked by default. */
export interface RecipientForm extends EmailKinds {
  email: string;
}

export const EMPTY_RECIPIENT: RecipientForm = { email: '', weekly: true, monthly: false, alerts: false };

/**
 * The form's input for `addEmailRecipient` (less the site), or the errors
 * by field (the API's own names: `email`, and `weekly` for "no kind")
 * when something the server would refuse anyway is missing. The server
 * checks the address itself and names the field at fault.
 */
export function recipientInput(
  form: RecipientForm,
): { input: RecipientForm; errors: null } | { input: null; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const email = form.email.trim();
  if (!email) errors.email = 'Enter an email address.';
  else if (!/^[^\s@]+@[^\s@]+$/.test(email)) errors.email = 'Enter an email address, such as name@example.com.';
  if (noKind(form)) errors.weekly = 'Choose at least one kind of email.';
  if (Object.keys(errors).length) return { input: null, errors };
  return { input: { email, weekly: form.weekly, monthly: form.monthly, alerts: form.alerts }, errors: null };
}

/**
 * The organization's members' addresses that are not listed yet, sorted,
 * each once (the add form's suggestions). Addresses compare without case.
 */
export function memberSuggestions(members: readonly string[], listed: readonly string[]): string[] {
  const taken = new Set(listed.map((e) => e.trim().toLowerCase()));
  const out = new Map<string, string>();
  for (const m of members) {
    const key = m.trim().toLowerCase();
    if (key && !taken.has(key) && !out.has(key)) out.set(key, m.trim());
  }
  return [...out.values()].sort((a, b) => a.localeCompare(b));
}

export type AlertKind = 'SPIKE' | 'SILENCE';

/** What each kind of alert means, its threshold's unit and bounds, and the form's defaults. */
export const ALERT_KINDS: readonly {
  kind: AlertKind;
  title: string;
  switchLabel: string;
  saveLabel: string;
  explanation: string;
  thresholdLabel: string;
  thresholdHint: string;
  max: number;
  unit: string;
  defaults: { threshold: number; everyHours: number };
}[] = [
  {
    kind: 'SPIKE',
    title: 'Traffic spike',
    switchLabel: 'Alert on a traffic spike',
    saveLabel: 'Save spike alert',
    explanation: 'Sent when more visitors than the threshold came in the last 15 minutes.',
    thresholdLabel: 'Visitors in 15 minutes',
    thresholdHint: '1 to 1,000,000.',
    max: 1_000_000,
    unit: 'visitors',
    defaults: { threshold: 100, everyHours: 6 },
  },
  {
    kind: 'SILENCE',
    title: 'Traffic silence',
    switchLabel: 'Alert when traffic stops',
    saveLabel: 'Save silence alert',
    explanation:
      'Sent when no event came for the hours below although the site had traffic in the week before: the tracking script is probably missing or broken.',
    thresholdLabel: 'Hours without an event',
    thresholdHint: '1 to 168 (a week).',
    max: 168,
    unit: 'hours',
    defaults: { threshold: 24, everyHours: 24 },
  },
];

/** At most once per this many hours (`everyHours`): 1 to 720 (30 days). */
export const MAX_EVERY_HOURS = 720;

/** An alert's form as typed. */
export interface AlertForm {
  enabled: boolean;
  threshold: string;
  everyHours: string;
}

/** The form of a kind: the site's alert when it has one, else the kind's defaults, off. */
export function alertForm(kind: AlertKind, alert: { threshold: number; everyHours: number } | null | undefined): AlertForm {
  const d = ALERT_KINDS.find((k) => k.kind === kind)!.defaults;
  const a = alert ?? d;
  return { enabled: alert != null, threshold: String(a.threshold), everyHours: String(a.everyHours) };
}

function wholeIn(text: string, max: number): number | null {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return null;
  const n = Number(t);
  return n >= 1 && n <= max ? n : null;
}

/**
 * What saving the form does: `set` (setTrafficAlert's threshold and
 * everyHours), `delete` (switched off), or the errors by field (the
 * API's names) when a number is out of its bounds. Switched off, the
 * numbers are not checked: they are not sent.
 */
export function alertAction(
  kind: AlertKind,
  form: AlertForm,
):
  | { action: 'set'; threshold: number; everyHours: number; errors: null }
  | { action: 'delete'; errors: null }
  | { action: null; errors: Record<string, string> } {
  if (!form.enabled) return { action: 'delete', errors: null };
  const k = ALERT_KINDS.find((x) => x.kind === kind)!;
  const errors: Record<string, string> = {};
  const threshold = wholeIn(form.threshold, k.max);
  const everyHours = wholeIn(form.everyHours, MAX_EVERY_HOURS);
  if (threshold === null) errors.threshold = `Enter a whole number of ${k.unit} from 1 to ${k.max.toLocaleString('en-US')}.`;
  if (everyHours === null) errors.everyHours = `Enter a whole number of hours from 1 to ${MAX_EVERY_HOURS}.`;
  if (threshold === null || everyHours === null) return { action: null, errors };
  return { action: 'set', threshold, everyHours, errors: null };
}
