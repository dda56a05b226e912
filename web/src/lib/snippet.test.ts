import { describe, expect, it } from 'vitest';
import { buildSnippet, escapeAttr } from './snippet';

describe('buildSnippet', () => {
  it('builds the plain tag', () => {
    expect(buildSnippet('example.com', 'https://trackr.example.org/')).toBe(
      '<script defer data-domain="example.com" src="https://trackr.example.org/js/script.js"></script>',
    );
  });
  it('adds the options the tracker reads', () => {
    const s = buildSnippet('example.com', 'https://t.test', {
      hash: true,
      outboundLinks: true,
      requireConsent: true,
      heatmaps: true,
      allowLocalhost: true,
    });
    expect(s).toBe(
      '<script defer data-domain="example.com" data-hash data-outbound-links data-require-consent data-heatmaps data-allow-localhost src="https://t.test/js/script.js"></script>',
    );
  });
  it('adds the recorder tag', () => {
    const s = buildSnippet('a.example', 'http://localhost:8000', { recorder: true });
    expect(s.split('\n')).toEqual([
      '<script defer data-domain="a.example" src="http://localhost:8000/js/script.js"></script>',
      '<script defer data-domain="a.example" src="http://localhost:8000/js/recorder.js"></script>',
    ]);
  });
  it('sends under DNT only when asked', () => {
    expect(buildSnippet('a.example', 'http://x', { ignoreDnt: true })).toContain('data-honor-dnt="false"');
  });
  it('escapes attribute values', () => {
    expect(escapeAttr('a"<b>&')).toBe('a&quot;&lt;b&gt;&amp;');
    expect(buildSnippet('x"y', 'http://h')).toContain('data-domain="x&quot;y"');
  });
});
