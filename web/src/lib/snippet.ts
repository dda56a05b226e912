// The tracking snippet shown on a site's settings page. The attributes are
// those api/assets/script.js reads (see docs/api.md, GET /js/script.js).

export interface SnippetOptions {
  /** data-hash: count changes of the URL hash as page views. */
  hash: boolean;
  /** data-outbound-links: report clicks on links to other hosts. */
  outboundLinks: boolean;
  /** data-require-consent: send nothing until trackr('consent', true). */
  requireConsent: boolean;
  /** data-heatmaps: report click positions. */
  heatmaps: boolean;
  /** data-allow-localhost: also send from localhost pages. */
  allowLocalhost: boolean;
  /** data-honor-dnt="false": send even under Do-Not-Track (when the site allows it). */
  ignoreDnt: boolean;
  /** add the session recorder's tag (js/recorder.js). */
  recorder: boolean;
}

export const defaultSnippetOptions: SnippetOptions = {
  hash: false,
  outboundLinks: false,
  requireConsent: false,
  heatmaps: false,
  allowLocalhost: false,
  ignoreDnt: false,
  recorder: false,
};

/** Escapes a value for a double-quoted HTML attribute. */
export function escapeAttr(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/"/g, '&quot;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** The origin the scripts load from, without a trailing slash. */
export function normalizeOrigin(origin: string): string {
  return origin.replace(/\/+$/, '');
}

export function buildSnippet(domain: string, origin: string, opts: Partial<SnippetOptions> = {}): string {
  const o = { ...defaultSnippetOptions, ...opts };
  const base = normalizeOrigin(origin);
  const d = escapeAttr(domain);
  const attrs = [`defer`, `data-domain="${d}"`];
  if (o.hash) attrs.push('data-hash');
  if (o.outboundLinks) attrs.push('data-outbound-links');
  if (o.requireConsent) attrs.push('data-require-consent');
  if (o.heatmaps) attrs.push('data-heatmaps');
  if (o.allowLocalhost) attrs.push('data-allow-localhost');
  if (o.ignoreDnt) attrs.push('data-honor-dnt="false"');
  attrs.push(`src="${escapeAttr(base)}/js/script.js"`);
  const lines = [`<script ${attrs.join(' ')}></script>`];
  if (o.recorder) {
    lines.push(`<script defer data-domain="${d}" src="${escapeAttr(base)}/js/recorder.js"></script>`);
  }
  return lines.join('\n');
}
