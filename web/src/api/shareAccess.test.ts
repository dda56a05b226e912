import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './errors';
import { shareRefusal, unlockMessage, unlockShare } from './shareAccess';

afterEach(() => vi.unstubAllGlobals());

describe('shareRefusal', () => {
  it('tells a link that is gone from one that asks for its password', () => {
    expect(shareRefusal(new ApiError([{ message: 'share link not found', code: 'NOT_FOUND' }]))).toBe('gone');
    expect(shareRefusal(new ApiError([{ message: 'this shared dashboard asks for its password', code: 'FORBIDDEN' }]))).toBe('password');
    expect(shareRefusal(new ApiError([{ message: 'down', code: 'NETWORK' }]))).toBeNull();
    expect(shareRefusal(null)).toBeNull();
  });
});

describe('unlockShare', () => {
  it('posts the password as JSON, same-origin, and reads the status', async () => {
    const fetch = vi.fn(async () => new Response(null, { status: 204 }));
    vi.stubGlobal('fetch', fetch);
    expect(await unlockShare('abc', 'open sesame')).toEqual({ kind: 'unlocked' });
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/share/abc/unlock');
    expect(init.method).toBe('POST');
    expect(init.credentials).toBe('same-origin');
    expect(JSON.parse(init.body as string)).toEqual({ password: 'open sesame' });
    for (const [status, kind] of [
      [401, 'wrong'],
      [429, 'limited'],
      [404, 'gone'],
      [500, 'failed'],
    ] as const) {
      vi.stubGlobal('fetch', vi.fn(async () => new Response('{}', { status })));
      expect((await unlockShare('abc', 'x')).kind).toBe(kind);
    }
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))));
    expect(await unlockShare('abc', 'x')).toEqual({ kind: 'failed', status: null });
  });

  it('says what went wrong', () => {
    expect(unlockMessage({ kind: 'wrong' })).toMatch(/^Wrong password/);
    expect(unlockMessage({ kind: 'limited' })).toContain('too many tries, wait a few minutes');
    expect(unlockMessage({ kind: 'gone' })).toBe('This link does not exist or has expired.');
    expect(unlockMessage({ kind: 'failed', status: 500 })).toContain('HTTP 500');
  });
});
