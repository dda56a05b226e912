// Whether a share link's page opens (pages/SharePage.tsx), and its
// password: `POST /share/<slug>/unlock` with `{"password": "…"}`. The
// server answers 204 and an HttpOnly cookie that unlocks the link in this
// browser (the app never sees it; the page's requests carry it from then
// on), 401 for a wrong password, 429 after too many tries, 404 for a link
// that is gone.
import { unlockPath } from '../lib/share';
import { ApiError } from './errors';

/**
 * Why `sharedSite` (or any request of the page) was refused, if for the
 * link itself: `gone`, it is unknown, expired or revoked (NOT_FOUND);
 * `password`, it has one this browser has not unlocked (FORBIDDEN: the
 * only refusal of `sharedSite`, whose fields the link may all read).
 */
export function shareRefusal(error: unknown): 'gone' | 'password' | null {
  if (!(error instanceof ApiError)) return null;
  if (error.has('NOT_FOUND')) return 'gone';
  if (error.has('FORBIDDEN')) return 'password';
  return null;
}

export type UnlockOutcome =
  | { kind: 'unlocked' }
  | { kind: 'wrong' }
  | { kind: 'limited' }
  | { kind: 'gone' }
  /** Anything else: no answer, or one the page does not expect. */
  | { kind: 'failed'; status: number | null };

export async function unlockShare(slug: string, password: string): Promise<UnlockOutcome> {
  let res: Response;
  try {
    res = await fetch(unlockPath(slug), {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ password }),
    });
  } catch {
    return { kind: 'failed', status: null };
  }
  if (res.ok) return { kind: 'unlocked' };
  if (res.status === 401) return { kind: 'wrong' };
  if (res.status === 429) return { kind: 'limited' };
  if (res.status === 404) return { kind: 'gone' };
  return { kind: 'failed', status: res.status };
}

/** What the password form says of an outcome that opens nothing (`role="alert"`). */
export function unlockMessage(outcome: Exclude<UnlockOutcome, { kind: 'unlocked' }>): string {
  switch (outcome.kind) {
    case 'wrong':
      return 'Wrong password: check it and try again.';
    case 'limited':
      return 'There were too many tries, wait a few minutes before the next one.';
    case 'gone':
      return 'This link does not exist or has expired.';
    case 'failed':
      return outcome.status === null
        ? 'The server could not be reached. Check the connection and try again.'
        : `The server could not check the password (HTTP ${outcome.status}). Try again.`;
  }
}
