import { describe, expect, it } from 'vitest';
import { applyShareLook, embedCode, expiryInput, keepParams, localDateTime, parseOrigins, parseShareLook, shareLookParams, shareSlug, unlockPath } from './share';

describe('shareSlug', () => {
  it("finds a share link's page and its slug, as the browser has it", () => {
    expect(shareSlug('/share/aIv1qO6tMCSAnzn4O8dSlR')).toBe('aIv1qO6tMCSAnzn4O8dSlR');
    expect(shareSlug('/share/aIv1qO6tMCSAnzn4O8dSlR/')).toBe('aIv1qO6tMCSAnzn4O8dSlR');
    expect(shareSlug('/share/%C3%A9')).toBe('%C3%A9');
    for (const other of ['/', '/share', '/share/', '/share/a/unlock', '/orgs/acme/sites/x', '/shared/a']) expect(shareSlug(other)).toBeNull();
    expect(unlockPath('abc')).toBe('/share/abc/unlock');
  });
});

describe('parseShareLook', () => {
  it('is the plain page without embed=true, whatever else the URL says', () => {
    expect(parseShareLook('')).toEqual({ embed: false, theme: 'auto', background: null });
    expect(parseShareLook('?embed=1&theme=dark&background=000000')).toEqual({ embed: false, theme: 'auto', background: null });
  });
  it('reads the embed, light by default, its theme and background', () => {
    expect(parseShareLook('embed=true')).toEqual({ embed: true, theme: 'light', background: null });
    expect(parseShareLook('?period=7d&embed=true&theme=dark&background=transparent')).toEqual({ embed: true, theme: 'dark', background: 'transparent' });
    expect(parseShareLook('embed=true&theme=auto&background=1F2937')).toEqual({ embed: true, theme: 'auto', background: '#1f2937' });
  });
  it('ignores themes and colours it does not know', () => {
    for (const bad of ['%23ffffff', 'fff', 'red', 'ffffffff', 'gggggg', 'url(x)']) {
      expect(parseShareLook(`embed=true&background=${bad}`).background).toBeNull();
    }
    expect(parseShareLook('embed=true&theme=sepia').theme).toBe('light');
  });
});

describe('shareLookParams and keepParams', () => {
  it("keep the embed's look after the dashboard's state", () => {
    const look = parseShareLook('background=112233&theme=dark&embed=true&period=7d');
    expect(shareLookParams(look)).toBe('embed=true&theme=dark&background=112233');
    expect(keepParams('?period=day', shareLookParams(look))).toBe('?period=day&embed=true&theme=dark&background=112233');
    expect(keepParams('', shareLookParams(look))).toBe('?embed=true&theme=dark&background=112233');
    expect(shareLookParams(parseShareLook('embed=true'))).toBe('embed=true');
    // The plain page keeps nothing.
    expect(shareLookParams(parseShareLook('theme=dark'))).toBe('');
    expect(keepParams('?period=day', '')).toBe('?period=day');
  });
});

function fakeRoot() {
  const props: Record<string, string> = {};
  return { dataset: {} as Record<string, string>, style: { setProperty: (k: string, v: string) => void (props[k] = v) }, props };
}

describe('applyShareLook', () => {
  it("sets the embed's theme and background on the root", () => {
    const root = fakeRoot();
    applyShareLook(root as unknown as HTMLElement, parseShareLook('embed=true&theme=dark&background=0a0b0c'), true);
    expect(root.dataset).toEqual({ embed: 'true', theme: 'dark' });
    expect(root.props).toEqual({ '--bg': '#0a0b0c' });
  });
  it('lets a framing page show through, and keeps a background on its own', () => {
    const framed = fakeRoot();
    applyShareLook(framed as unknown as HTMLElement, parseShareLook('embed=true&theme=auto&background=transparent'), true);
    expect(framed.dataset).toEqual({ embed: 'true', background: 'transparent' });
    const alone = fakeRoot();
    applyShareLook(alone as unknown as HTMLElement, parseShareLook('embed=true&background=transparent'), false);
    expect(alone.dataset).toEqual({ embed: 'true', theme: 'light', background: 'transparent', standalone: 'true' });
  });
  it('leaves the plain page alone', () => {
    const root = fakeRoot();
    applyShareLook(root as unknown as HTMLElement, parseShareLook('theme=dark&background=000000'), false);
    expect(root.dataset).toEqual({});
    expect(root.props).toEqual({});
  });
});

describe("the settings' share links", () => {
  it('reads origins one a line', () => {
    expect(parseOrigins(' https://a.example\n\nhttps://b.example:8443 , http://localhost:3000 ')).toEqual([
      'https://a.example',
      'https://b.example:8443',
      'http://localhost:3000',
    ]);
    expect(parseOrigins('  \n ')).toEqual([]);
  });
  it("takes an expiry in the viewer's time", () => {
    expect(expiryInput('')).toBeUndefined();
    expect(expiryInput('tomorrow')).toBeNull();
    const local = new Date(2031, 4, 6, 7, 8);
    expect(localDateTime(local)).toBe('2031-05-06T07:08');
    expect(expiryInput('2031-05-06T07:08')).toBe(local.toISOString());
  });
  it('frames a link with embed=true, its name as the title, escaped', () => {
    expect(embedCode('https://t.example/share/abc', 'Q3 "board" <view>')).toBe(
      '<iframe src="https://t.example/share/abc?embed=true" title="Q3 &quot;board&quot; &lt;view&gt;" width="100%" height="1600" style="border: 0" loading="lazy"></iframe>',
    );
  });
});
