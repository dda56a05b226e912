// Replays under the app's Content-Security-Policy, without a violation.
//
// rrweb rebuilds a recorded page in an about:blank iframe (sandboxed, no
// scripts), which inherits the app's CSP: `style-src 'self'` refuses the
// page's <style> elements (rrweb turns stylesheets into <style> text) and
// style="…" attributes, `img-src 'self' data:` and `font-src 'self'` its
// images and fonts, and each refusal is a console error. So the iframe's
// own DOM prototypes (never the app's) are wrapped before rrweb builds
// anything:
//   - style attributes go through the CSSOM (`style.cssText`), which the
//     CSP does not govern;
//   - <style> elements are made as inert <trackr-style> elements, whose
//     text is applied as constructed stylesheets adopted by the document
//     (their `sheet` is that stylesheet, for rrweb's rule changes);
//   - URLs that would load something (img src, link href, CSS url(), …)
//     are dropped, except data: URLs and #fragments: a replay never
//     contacts the recorded site or its third parties (their pixels and
//     fonts included), and the page shows without its images.

const STYLE_TAG = 'trackr-style';
/** What a recorded <script> becomes: never run (the frame is sandboxed anyway, and
 * Chromium reports every script it blocks there as an error), never fetched. */
const SCRIPT_TAG = 'trackr-script';

/**
 * rrweb's own replay rules (it would insert them through a <style>
 * element): blocked elements as boxes, no <noscript> content, paused
 * animations while paused; and the inert style elements stay unseen.
 */
const REPLAY_RULES = [
  `${STYLE_TAG}, ${SCRIPT_TAG} { display: none !important; }`,
  'noscript { display: none !important; }',
  '.trackr-block, .rr-block { background: currentColor; }',
  'html.rrweb-paused *, html.rrweb-paused *::before, html.rrweb-paused *::after { animation-play-state: paused !important; }',
];

// ---- URLs and CSS ----

/** Whether a URL may stay: nothing to fetch (data:, a #fragment, empty, about:blank). */
export function inertUrl(value: string): boolean {
  const v = value.trim().toLowerCase();
  return v === '' || v.startsWith('data:') || v.startsWith('#') || v === 'about:blank';
}

/**
 * CSS without what would load: @import rules, @font-face rules (fonts may
 * come from 'self' only), url()s other than data: and #fragments, and
 * image-set()s. What is left keeps the page's layout and colours.
 */
export function inertCss(css: string): string {
  return css
    .replace(/@import\b[^;]*;?/gi, '')
    .replace(/@font-face\s*\{[^}]*\}/gi, '')
    .replace(/(?:-webkit-)?image-set\([^;{}]*\)/gi, 'none')
    .replace(/url\(\s*(?:"([^"]*)"|'([^']*)'|([^)]*?))\s*\)/gi, (whole, dq?: string, sq?: string, bare?: string) =>
      inertUrl(dq ?? sq ?? bare ?? '') ? whole : 'none',
    );
}

/** Attributes that load what they name, by element (lower-case local names). */
const LOADING: Record<string, readonly string[]> = {
  img: ['src', 'srcset'],
  source: ['src', 'srcset'],
  picture: [],
  video: ['src', 'poster'],
  audio: ['src'],
  track: ['src'],
  input: ['src'],
  iframe: ['src', 'srcdoc'],
  frame: ['src'],
  embed: ['src'],
  object: ['data'],
  script: ['src'],
  link: ['href', 'imagesrcset'],
  base: ['href'],
  body: ['background'],
  table: ['background'],
  td: ['background'],
  th: ['background'],
  image: ['href', 'xlink:href'],
  use: ['href', 'xlink:href'],
  feimage: ['href', 'xlink:href'],
};

/** Whether setting `name` to `value` on `el` would load something (or refresh the page),
 * or is script: an event handler (`onsubmit="…"`) or a `javascript:` URL, which the
 * sandbox would refuse to run, reporting each as an error. */
function loads(el: Element, name: string, value: string): boolean {
  if (name.startsWith('on') || /^\s*javascript:/i.test(value)) return true;
  const tag = el.localName.toLowerCase();
  if (tag === 'meta' && name === 'http-equiv') return value.trim().toLowerCase() === 'refresh';
  if (name === 'srcdoc' || name === 'srcset' || name === 'imagesrcset') return tag in LOADING && value.trim() !== '';
  return (LOADING[tag]?.includes(name) ?? false) && !inertUrl(value);
}

// ---- the iframe's realm ----

type Realm = Window & typeof globalThis;

const guarded = new WeakSet<object>();
/** Each inert style element's stylesheet and the text it was made from. */
const sheets = new WeakMap<Element, { sheet: CSSStyleSheet; text: string | null }>();
/** The stylesheets made here, told apart from those rrweb adopts for a recorded page's own. */
const made = new WeakSet<CSSStyleSheet>();
const base = new WeakMap<Document, CSSStyleSheet>();
const observers = new WeakMap<Document, MutationObserver>();

function inertStyleElement(doc: Document, create: (tag: string) => Element): Element {
  const el = create(STYLE_TAG);
  const Sheet = (doc.defaultView as Realm).CSSStyleSheet;
  const sheet = new Sheet();
  made.add(sheet);
  sheets.set(el, { sheet, text: null });
  // rrweb replays CSS-in-JS rule changes (insertRule, deleteRule) on the element's sheet.
  Object.defineProperty(el, 'sheet', { configurable: true, get: () => sheet });
  return el;
}

/** Wraps a replay realm's DOM so that nothing rrweb builds there breaks the CSP. */
export function guardRealm(win: Window | null): void {
  if (!win || guarded.has(win)) return;
  guarded.add(win);
  const w = win as Realm;
  const el = w.Element.prototype;
  const setAttribute = el.setAttribute;
  const setAttributeNS = el.setAttributeNS;
  el.setAttribute = function (this: Element, name: string, value: string) {
    const n = String(name).toLowerCase();
    const v = String(value);
    if (n === 'style') {
      const style = (this as HTMLElement).style as CSSStyleDeclaration | undefined;
      if (style) style.cssText = inertCss(v);
      return;
    }
    if (loads(this, n, v)) return;
    setAttribute.call(this, name, value);
  };
  el.setAttributeNS = function (this: Element, ns: string | null, name: string, value: string) {
    const local = String(name).toLowerCase().replace(/^.*:/, '');
    const v = String(value);
    if (local === 'style') return el.setAttribute.call(this, 'style', v);
    if (loads(this, local, v) || loads(this, String(name).toLowerCase(), v)) return;
    setAttributeNS.call(this, ns, name, value);
  };
  const doc = w.Document.prototype;
  const createElement = doc.createElement;
  const createElementNS = doc.createElementNS;
  doc.createElement = function (this: Document, tag: string, options?: ElementCreationOptions) {
    const name = String(tag).toLowerCase();
    if (name === 'style') return inertStyleElement(this, (t) => createElement.call(this, t));
    if (name === 'script') return createElement.call(this, SCRIPT_TAG);
    return createElement.call(this, tag, options);
  } as Document['createElement'];
  doc.createElementNS = function (this: Document, ns: string | null, tag: string, options?: ElementCreationOptions | string) {
    const name = String(tag).toLowerCase().replace(/^.*:/, '');
    if (name === 'style') return inertStyleElement(this, (t) => createElement.call(this, t));
    if (name === 'script') return createElement.call(this, SCRIPT_TAG);
    return createElementNS.call(this, ns, tag, options as ElementCreationOptions);
  } as Document['createElementNS'];
  // rrweb replays style changes and stylesheet rules through the CSSOM.
  const decl = w.CSSStyleDeclaration.prototype;
  const setProperty = decl.setProperty;
  decl.setProperty = function (this: CSSStyleDeclaration, prop: string, value: string | null, priority?: string) {
    setProperty.call(this, prop, value == null ? value : inertCss(String(value)), priority);
  };
  const cssText = Object.getOwnPropertyDescriptor(decl, 'cssText');
  if (cssText?.set) {
    Object.defineProperty(decl, 'cssText', {
      ...cssText,
      set(this: CSSStyleDeclaration, v: string) {
        cssText.set!.call(this, inertCss(String(v)));
      },
    });
  }
  // An iframe inside the page gets its own realm: guarded before rrweb builds in it.
  const frame = w.HTMLIFrameElement.prototype;
  for (const prop of ['contentDocument', 'contentWindow'] as const) {
    const d = Object.getOwnPropertyDescriptor(frame, prop);
    if (!d?.get) continue;
    const get = d.get;
    Object.defineProperty(frame, prop, {
      ...d,
      get(this: HTMLIFrameElement) {
        const v = get.call(this) as Document | Window | null;
        if (v) guardRealm(prop === 'contentWindow' ? (v as Window) : (v as Document).defaultView);
        return v;
      },
    });
  }
  const sheet = w.CSSStyleSheet.prototype;
  const insertRule = sheet.insertRule;
  const replaceSync = sheet.replaceSync;
  const replace = sheet.replace;
  sheet.insertRule = function (this: CSSStyleSheet, rule: string, index?: number) {
    return insertRule.call(this, inertCss(String(rule)), index);
  };
  sheet.replaceSync = function (this: CSSStyleSheet, text: string) {
    replaceSync.call(this, inertCss(String(text)));
  };
  sheet.replace = function (this: CSSStyleSheet, text: string) {
    return replace.call(this, inertCss(String(text)));
  };
}

/** Adopts the stylesheets of `doc`'s inert style elements, in document order, after the replay rules. */
function syncStyleSheets(doc: Document): void {
  const w = doc.defaultView as Realm | null;
  if (!w) return;
  let rules = base.get(doc);
  if (!rules) {
    rules = new w.CSSStyleSheet();
    REPLAY_RULES.forEach((r, i) => rules!.insertRule(r, i));
    made.add(rules);
    base.set(doc, rules);
  }
  const adopted: CSSStyleSheet[] = [rules];
  doc.querySelectorAll(STYLE_TAG).forEach((el) => {
    const entry = sheets.get(el);
    if (!entry) return;
    const text = el.textContent ?? '';
    if (entry.text !== text) {
      try {
        entry.sheet.replaceSync(text);
      } catch {
        // Not CSS: the page did not have it either.
      }
      entry.text = text;
    }
    adopted.push(entry.sheet);
  });
  // The page's own adopted sheets (replayed by rrweb) come after its <style> elements, as they did.
  doc.adoptedStyleSheets = [...adopted, ...doc.adoptedStyleSheets.filter((s) => !made.has(s))];
}

function touchesStyle(node: Node | null): boolean {
  if (!node) return false;
  if (node.nodeName.toLowerCase() === STYLE_TAG) return true;
  if (node.nodeType === Node.TEXT_NODE) return node.parentNode?.nodeName.toLowerCase() === STYLE_TAG;
  return node.nodeType === Node.ELEMENT_NODE && (node as Element).querySelector(STYLE_TAG) !== null;
}

/**
 * Follows a replayed document's style elements as rrweb adds, changes and
 * removes them; `again` after a full snapshot (rrweb reopens the document).
 */
function watch(doc: Document, again = false): void {
  const w = doc.defaultView as Realm | null;
  if (!w) return;
  let observer = observers.get(doc);
  if (observer && !again) return;
  if (!observer) {
    observer = new w.MutationObserver((records) => {
      const changed = records.some(
        (r) => touchesStyle(r.target) || [...r.addedNodes].some(touchesStyle) || [...r.removedNodes].some(touchesStyle),
      );
      if (changed) syncStyleSheets(doc);
    });
    observers.set(doc, observer);
  }
  observer.observe(doc, { subtree: true, childList: true, characterData: true });
  syncStyleSheets(doc);
}

/** What `guardReplayer` needs of rrweb's Replayer. */
interface ReplayerLike {
  iframe: HTMLIFrameElement;
}

/**
 * Call right after making a Replayer (before it builds the first
 * snapshot, a timer later): guards its iframe, replaces its own <style>
 * of replay rules (made in the app's document) by REPLAY_RULES, and stops
 * it waiting for external stylesheets, which never load here (rrweb
 * pauses for them, and resumes at a wrong time when they fail).
 */
export function guardReplayer(r: ReplayerLike): void {
  guardRealm(r.iframe.contentWindow);
  const internals = r as unknown as { insertStyleRules: () => void; waitForStylesheetLoad: () => void };
  internals.insertStyleRules = () => undefined;
  internals.waitForStylesheetLoad = () => undefined;
}

/**
 * An rrweb Replayer plugin: rrweb calls `onBuild` for every node it builds
 * (the document too, after a full snapshot): the styles of the documents
 * it builds in (nested iframes' too) are followed from their first node.
 */
export function replayCspPlugin() {
  return {
    // Real nodes, or rrweb's virtual DOM's (which have no window).
    onBuild(built: object) {
      const node = built as Node;
      if (node.nodeType === Node.DOCUMENT_NODE) {
        const doc = node as Document;
        guardRealm(doc.defaultView);
        watch(doc, true);
        return;
      }
      const doc = node.ownerDocument;
      if (!doc?.defaultView) return;
      watch(doc);
      // Each node looks at itself only (rrweb calls this for every one).
      const name = node.nodeName.toLowerCase();
      if (name === STYLE_TAG || (node.nodeType === Node.TEXT_NODE && node.parentNode?.nodeName.toLowerCase() === STYLE_TAG)) syncStyleSheets(doc);
    },
  };
}
