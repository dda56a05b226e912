import { afterEach, describe, expect, it, vi } from 'vitest';
import { request, requestHeaders } from './client';
import { ApiError } from './errors';
import { LogInMutation, MeQuery } from './documents';

function answer(body: unknown, status = 200) {
  return vi.fn(async () => new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'x-request-id': 'rid-1' } }));
}

afterEach(() => vi.unstubAllGlobals());

describe('request', () => {
  it('posts the document same-origin as JSON, with its operation name', async () => {
    const fetch = answer({ data: { logIn: { user: { id: 'u1' } } } });
    vi.stubGlobal('fetch', fetch);
    const data = await request(LogInMutation, { email: 'a@b.c', password: 'pw' });
    expect(data.logIn.user.id).toBe('u1');
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/graphql');
    expect(init.method).toBe('POST');
    expect(init.credentials).toBe('same-origin');
    expect((init.headers as Record<string, string>)['content-type']).toBe('application/json');
    const body = JSON.parse(init.body as string);
    expect(body.operationName).toBe('LogIn');
    expect(body.variables).toEqual({ email: 'a@b.c', password: 'pw' });
    expect(body.query).toContain('mutation LogIn');
  });

  it('throws the GraphQL errors with their codes and fields', async () => {
    vi.stubGlobal(
      'fetch',
      answer({ data: null, errors: [{ message: 'password: is too easy to guess', extensions: { code: 'BAD_USER_INPUT', field: 'password' } }] }),
    );
    const err = await request(LogInMutation, { email: 'a', password: 'b' }).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('BAD_USER_INPUT');
    expect(err.items[0].field).toBe('password');
    expect(err.requestId).toBe('rid-1');
  });

  it('turns a non-GraphQL answer or a network failure into NETWORK', async () => {
    vi.stubGlobal('fetch', answer('{"error": "internal error"}', 500));
    expect((await request(MeQuery).catch((e) => e)).code).toBe('NETWORK');
    vi.stubGlobal('fetch', answer('<html>', 413));
    const e413 = await request(MeQuery).catch((e) => e);
    expect(e413.code).toBe('NETWORK');
    expect(e413.status).toBe(413);
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))));
    expect((await request(MeQuery).catch((e) => e)).items[0]).toEqual({ message: 'Failed to fetch', code: 'NETWORK' });
  });

  it('reports UNAUTHENTICATED from me', async () => {
    vi.stubGlobal('fetch', answer({ data: null, errors: [{ message: 'log in again', extensions: { code: 'UNAUTHENTICATED' } }] }));
    const err = await request(MeQuery).catch((e) => e);
    expect(err.has('UNAUTHENTICATED')).toBe(true);
  });
});

describe('requestHeaders', () => {
  it("names the share link of a share link's page, and nothing elsewhere", () => {
    expect(requestHeaders('/share/aIv1qO6tMCSAnzn4O8dSlR')).toEqual({
      'content-type': 'application/json',
      accept: 'application/json',
      'x-trackr-share': 'aIv1qO6tMCSAnzn4O8dSlR',
    });
    expect(requestHeaders('/orgs/acme/sites/x')).not.toHaveProperty('x-trackr-share');
    expect(requestHeaders('/')).not.toHaveProperty('x-trackr-share');
  });

  it("sends it with every request made from a share link's page", async () => {
    const fetch = answer({ data: { me: null } });
    vi.stubGlobal('fetch', fetch);
    vi.stubGlobal('location', { pathname: '/share/abc' });
    await request(MeQuery).catch(() => undefined);
    const [, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect((init.headers as Record<string, string>)['x-trackr-share']).toBe('abc');
    expect(init.credentials).toBe('same-origin');
  });
});
