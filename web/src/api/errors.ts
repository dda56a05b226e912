// Errors of the GraphQL API, as the app sees them.
//
// The server answers HTTP 200 with `errors[]`; each error may carry
// `extensions.code` (UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, BAD_USER_INPUT,
// PLAN_LIMIT, RATE_LIMITED, CONFLICT, TIMEOUT, INTERNAL) and, for
// BAD_USER_INPUT, `extensions.field` naming the argument at fault.

export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'PLAN_LIMIT'
  | 'RATE_LIMITED'
  | 'CONFLICT'
  | 'TIMEOUT'
  | 'INTERNAL'
  /** no answer, or an answer that is not GraphQL (network down, 413, 500). */
  | 'NETWORK'
  /** a GraphQL error without a code (an invalid document). */
  | 'GRAPHQL';

export interface ApiErrorItem {
  message: string;
  code: ErrorCode;
  field?: string;
  path?: ReadonlyArray<string | number>;
}

export class ApiError extends Error {
  readonly items: ApiErrorItem[];
  readonly status?: number;
  readonly requestId?: string;

  constructor(items: ApiErrorItem[], opts: { status?: number; requestId?: string } = {}) {
    super(items.map((i) => i.message).join('; ') || 'request failed');
    this.name = 'ApiError';
    this.items = items.length ? items : [{ message: 'request failed', code: 'NETWORK' }];
    this.status = opts.status;
    this.requestId = opts.requestId;
  }

  /** The code of the first error. */
  get code(): ErrorCode {
    return this.items[0]!.code;
  }

  has(code: ErrorCode): boolean {
    return this.items.some((i) => i.code === code);
  }
}

const KNOWN: ReadonlySet<string> = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'PLAN_LIMIT',
  'RATE_LIMITED',
  'CONFLICT',
  'TIMEOUT',
  'INTERNAL',
]);

/** Turns one raw `errors[]` entry into an ApiErrorItem. */
export function toErrorItem(raw: unknown): ApiErrorItem {
  const e = (raw && typeof raw === 'object' ? raw : {}) as {
    message?: unknown;
    path?: unknown;
    extensions?: { code?: unknown; field?: unknown };
  };
  const code = typeof e.extensions?.code === 'string' ? e.extensions.code : undefined;
  const field = typeof e.extensions?.field === 'string' ? e.extensions.field : undefined;
  return {
    message: typeof e.message === 'string' && e.message ? e.message : 'request failed',
    code: code && KNOWN.has(code) ? (code as ErrorCode) : 'GRAPHQL',
    ...(field ? { field } : {}),
    ...(Array.isArray(e.path) ? { path: e.path as (string | number)[] } : {}),
  };
}

/** The last segment of a field path: `input.retentionOverrideDays` → `retentionOverrideDays`. */
export function fieldName(field: string): string {
  const parts = field.split(/[.[\]]+/).filter(Boolean);
  const last = parts.reverse().find((p) => !/^\d+$/.test(p));
  return last ?? field;
}

/** Strips the "field: " prefix the server puts before a BAD_USER_INPUT message. */
export function fieldMessage(item: ApiErrorItem): string {
  if (!item.field) return item.message;
  const name = fieldName(item.field);
  for (const prefix of [`${item.field}: `, `${name}: `]) {
    if (item.message.startsWith(prefix)) {
      const rest = item.message.slice(prefix.length);
      return rest.charAt(0).toUpperCase() + rest.slice(1);
    }
  }
  return item.message;
}

export interface SplitErrors {
  /** messages for form fields the form shows, by field name. */
  fields: Record<string, string>;
  /** everything else, for the form's error box. */
  rest: ApiErrorItem[];
}

/**
 * Splits an error into the messages that belong next to a form's fields
 * (BAD_USER_INPUT whose `field` is one of `formFields`, possibly renamed by
 * `aliases`) and the rest.
 */
export function splitErrors(
  error: unknown,
  formFields: readonly string[],
  aliases: Record<string, string> = {},
): SplitErrors {
  const items = error instanceof ApiError ? error.items : [unknownItem(error)];
  const fields: Record<string, string> = {};
  const rest: ApiErrorItem[] = [];
  for (const item of items) {
    if (item.code === 'BAD_USER_INPUT' && item.field) {
      const name = aliases[item.field] ?? aliases[fieldName(item.field)] ?? fieldName(item.field);
      if (formFields.includes(name) && !(name in fields)) {
        fields[name] = fieldMessage(item);
        continue;
      }
    }
    rest.push(item);
  }
  return { fields, rest };
}

function unknownItem(error: unknown): ApiErrorItem {
  return {
    message: error instanceof Error ? error.message : String(error ?? 'request failed'),
    code: 'NETWORK',
  };
}

const HEADLINES: Record<ErrorCode, string> = {
  UNAUTHENTICATED: 'You are not logged in, or your session has ended.',
  FORBIDDEN: 'This is not allowed.',
  NOT_FOUND: 'This does not exist, or you have no access to it.',
  BAD_USER_INPUT: 'Some input was not accepted.',
  PLAN_LIMIT: 'Your plan does not allow this. Upgrade to do more.',
  RATE_LIMITED: 'Too many attempts. Wait a few minutes, then try again.',
  CONFLICT: 'This conflicts with something that already exists.',
  TIMEOUT: 'The server took too long to answer. Try again, or ask for less.',
  INTERNAL: 'Something went wrong on our side.',
  NETWORK: 'The server could not be reached.',
  GRAPHQL: 'The request was not understood by the server.',
};

/** A short sentence saying what kind of failure it was. */
export function headline(code: ErrorCode): string {
  return HEADLINES[code];
}

/** Whether retrying the same request may help. */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true;
  return error.items.some((i) =>
    ['NETWORK', 'TIMEOUT', 'INTERNAL', 'RATE_LIMITED'].includes(i.code),
  );
}

/** Describes any thrown value as items to show. */
export function errorItems(error: unknown): ApiErrorItem[] {
  return error instanceof ApiError ? error.items : [unknownItem(error)];
}
