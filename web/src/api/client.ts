import { print, type DocumentNode } from '@0no-co/graphql.web';
import type { TadaDocumentNode } from 'gql.tada';
import { SHARE_HEADER, shareSlug } from '../lib/share';
import { ApiError, toErrorItem } from './errors';

export const ENDPOINT = '/graphql';

type Vars = Record<string, unknown>;

function operationName(doc: DocumentNode): string | undefined {
  for (const def of doc.definitions) {
    if (def.kind === 'OperationDefinition' && def.name) return def.name.value;
  }
  return undefined;
}

const printed = new WeakMap<object, string>();

/**
 * The headers of a request made from `pathname`: on a share link's page
 * (`/share/<slug>`), `X-Trackr-Share` names the link, and the request acts
 * as the link, whoever's browser it is (the server then ignores a session
 * cookie; the cookie that unlocked a link's password goes along).
 */
export function requestHeaders(pathname: string): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  const slug = shareSlug(pathname);
  if (slug !== null) headers[SHARE_HEADER] = slug;
  return headers;
}

/**
 * Sends one GraphQL operation to the same origin. The session is an
 * HttpOnly cookie, so `credentials: 'same-origin'` is all the app needs;
 * it never handles a token. From a share link's page, every request names
 * the link (`requestHeaders`). Throws an ApiError when the answer has
 * errors, is not GraphQL, or never comes.
 */
export async function request<Result, Variables extends Vars>(
  doc: TadaDocumentNode<Result, Variables>,
  ...[variables]: Variables extends Record<string, never> ? [Variables?] : [Variables]
): Promise<Result> {
  let query = printed.get(doc);
  if (!query) {
    query = print(doc);
    printed.set(doc, query);
  }
  let res: Response;
  try {
    res = await fetch(ENDPOINT, {
      method: 'POST',
      credentials: 'same-origin',
      // (No location outside a browser: the unit tests.)
      headers: requestHeaders(globalThis.location?.pathname ?? '/'),
      body: JSON.stringify({ query, variables: variables ?? {}, operationName: operationName(doc) }),
    });
  } catch (e) {
    throw new ApiError([
      { message: e instanceof Error ? e.message : 'network error', code: 'NETWORK' },
    ]);
  }
  const requestId = res.headers.get('x-request-id') ?? undefined;
  let body: { data?: Result | null; errors?: unknown[] };
  try {
    body = (await res.json()) as typeof body;
  } catch {
    throw new ApiError([{ message: `the server answered HTTP ${res.status}`, code: 'NETWORK' }], {
      status: res.status,
      requestId,
    });
  }
  if (Array.isArray(body.errors) && body.errors.length > 0) {
    throw new ApiError(body.errors.map(toErrorItem), { status: res.status, requestId });
  }
  if (!res.ok || body.data == null) {
    throw new ApiError([{ message: `the server answered HTTP ${res.status}`, code: 'NETWORK' }], {
      status: res.status,
      requestId,
    });
  }
  return body.data;
}
