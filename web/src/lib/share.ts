// Share links' pages (`/share/<slug>`): a site's dashboard, read-only, for
// whoever holds the link. What the app shell needs of them (the page
// itself is its own chunk, pages/SharePage.tsx): which URLs they are (the
// API client names their link in every request, App.tsx routes them
// outside the member pages), and the embed's look, applied before the
// first paint. And what the site settings' "Share links" section makes of
// its form, and the embed code it shows.
import { escapeAttr } from './snippet';

/** The header a share page's GraphQL requests name their link's slug in. */
export const SHARE_HEADER = 'x-trackr-share';

/** `/share/<slug>`: a share link's page (App.tsx). */
const SHARE_PATH = /^\/share\/([^/]+)\/?$/;

/**
 * The slug of the share link whose page `pathname` is, or null: the path's
 * segment as the browser has it (percent-encoded, so always a valid header
 * value). Whether it names a link is the server's to say (NOT_FOUND).
 */
export function shareSlug(pathname: string): string | null {
  const m = SHARE_PATH.exec(pathname);
  return m ? m[1]! : null;
}

/** `POST` the password here (`slug` as `shareSlug` gives it): 204 and an HttpOnly cookie that unlocks the link in this browser. */
export function unlockPath(slug: string): string {
  return `/share/${slug}/unlock`;
}

export type ShareTheme = 'light' | 'dark' | 'auto';

/**
 * How a share page looks, from its query string: `embed=true` (framed on
 * another site: nothing but the dashboard), and, embedded only, `theme`
 * (`light`, the default; `dark`; `auto`: the viewer's
 * prefers-color-scheme) and `background` (`transparent`, or six hex
 * digits without `#`; the theme's own by default).
 */
export interface ShareLook {
  embed: boolean;
  theme: ShareTheme;
  /** `transparent`, `#rrggbb` (lower case), or null: the theme's. */
  background: string | null;
}

export function parseShareLook(search: string): ShareLook {
  const p = new URLSearchParams(search.replace(/^\?/, ''));
  const embed = p.get('embed') === 'true';
  if (!embed) return { embed, theme: 'auto', background: null };
  const t = p.get('theme');
  const theme: ShareTheme = t === 'dark' || t === 'auto' ? t : 'light';
  const b = p.get('background')?.trim().toLowerCase() ?? '';
  const background = b === 'transparent' ? b : /^[0-9a-f]{6}$/.test(b) ? `#${b}` : null;
  return { embed, theme, background };
}

/**
 * The parameters of a share page's URL that are not the dashboard's state,
 * in a fixed order, "" or "a=b&…": kept when the state changes (the
 * dashboard builds its query string from its state alone).
 */
export function shareLookParams(look: ShareLook): string {
  if (!look.embed) return '';
  const p = new URLSearchParams({ embed: 'true' });
  if (look.theme !== 'light') p.set('theme', look.theme);
  if (look.background) p.set('background', look.background.replace(/^#/, ''));
  return p.toString();
}

/** A dashboard state's query string ("" or "?…") with `keep` (`shareLookParams`) after it. */
export function keepParams(search: string, keep: string): string {
  if (!keep) return search;
  return search ? `${search}&${keep}` : `?${keep}`;
}

/**
 * Applies an embed's theme and background to the document (styles.css:
 * `data-theme` forces a palette, `data-background` and `--bg` the page's
 * background). Transparent lets the framing page show through; opened on
 * its own (nothing behind it), the root keeps the theme's background, so
 * the text has something to stand on.
 */
export function applyShareLook(root: HTMLElement, look: ShareLook, framed: boolean): void {
  if (!look.embed) return;
  root.dataset.embed = 'true';
  if (look.theme !== 'auto') root.dataset.theme = look.theme;
  if (look.background === 'transparent') {
    root.dataset.background = 'transparent';
    if (!framed) root.dataset.standalone = 'true';
  } else if (look.background) {
    root.style.setProperty('--bg', look.background);
  }
}

// ---- the site settings' share links (pages/SiteSettingsPage.tsx) ----

/** The "allowed origins" textarea as `createShareLink` takes it: one a line (or separated by spaces or commas). */
export function parseOrigins(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * A `datetime-local` value (the viewer's time, `YYYY-MM-DDTHH:MM`) as the
 * API's DateTime; "" is none (the link never expires); null when it is
 * no date.
 */
export function expiryInput(local: string): string | null | undefined {
  const v = local.trim();
  if (v === '') return undefined;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(v)) return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** `date` as a `datetime-local` input's value, in the viewer's time (its `min`). */
export function localDateTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The HTML that frames a link's dashboard on another site (`?embed=true`). */
export function embedCode(url: string, name: string): string {
  const src = `${url}${url.includes('?') ? '&' : '?'}embed=true`;
  return `<iframe src="${escapeAttr(src)}" title="${escapeAttr(name)}" width="100%" height="1600" style="border: 0" loading="lazy"></iframe>`;
}
