// Recorded pages keep their look under the app's Content-Security-Policy.
//
// rrweb rebuilds a recorded page in an about:blank iframe, which inherits
// the app's CSP: `style-src 'self'` refuses the page's <style> elements
// (rrweb turns its stylesheets into <style> text) and its style="…"
// attributes, and rrweb-player sizes its own frame with style attributes
// too. The CSP does not govern the CSSOM, so this module applies the same
// CSS through it: style attributes through `element.style.cssText`, <style>
// text through constructed stylesheets adopted by the document. Nothing
// runs in the replay (its iframe is sandboxed without scripts), and no
// resource is fetched that the CSP would refuse.

type Entry = { sheet: CSSStyleSheet; text: string | null };

const sheets = new WeakMap<Node, Entry>();
/** The stylesheets made here, told apart from those rrweb adopts for a recorded page's own. */
const made = new WeakSet<CSSStyleSheet>();
const base = new WeakMap<Document, CSSStyleSheet>();
const watched = new WeakSet<Node>();

/**
 * rrweb's own replay rules (it inserts them through a <style> element the
 * CSP empties): blocked elements as boxes, no <noscript> content, paused
 * animations while paused.
 */
const REPLAY_RULES = [
  'noscript { display: none !important; }',
  '.trackr-block, .rr-block { background: currentColor; }',
  'html.rrweb-paused *, html.rrweb-paused *::before, html.rrweb-paused *::after { animation-play-state: paused !important; }',
];

/** Applies an element's style attribute when the CSP refused it. */
function applyStyleAttribute(el: Element): void {
  const style = (el as HTMLElement).style as CSSStyleDeclaration | undefined;
  const attr = el.getAttribute('style');
  // Equal when the CSSOM wrote the attribute (or when it is applied already).
  if (attr === null || !style || style.cssText === attr) return;
  style.cssText = attr;
}

function applyStyleAttributes(root: Node): void {
  if (root.nodeType !== Node.ELEMENT_NODE) return;
  const el = root as Element;
  if (el.hasAttribute('style')) applyStyleAttribute(el);
  el.querySelectorAll('[style]').forEach(applyStyleAttribute);
}

/** Adopts a constructed stylesheet for each <style> element of `doc` the CSP refused, in document order. */
function syncStyleSheets(doc: Document): void {
  const win = doc.defaultView as (Window & typeof globalThis) | null;
  if (!win) return;
  let rules = base.get(doc);
  if (!rules) {
    rules = new win.CSSStyleSheet();
    REPLAY_RULES.forEach((r, i) => rules!.insertRule(r, i));
    base.set(doc, rules);
    made.add(rules);
  }
  const adopted: CSSStyleSheet[] = [rules];
  doc.querySelectorAll('style').forEach((el) => {
    let entry = sheets.get(el);
    if (!entry) {
      // Applied after all (a CSP that allows it): nothing to do.
      if (el.sheet) return;
      const sheet = new win.CSSStyleSheet({ media: el.media || undefined });
      entry = { sheet, text: null };
      sheets.set(el, entry);
      made.add(sheet);
      // rrweb replays CSS-in-JS rule changes (insertRule, deleteRule) on the element's sheet.
      Object.defineProperty(el, 'sheet', { configurable: true, get: () => sheet });
    }
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
  if (node.nodeName === 'STYLE') return true;
  if (node.nodeType === Node.TEXT_NODE) return node.parentNode?.nodeName === 'STYLE';
  return node.nodeType === Node.ELEMENT_NODE && (node as Element).querySelector('style') !== null;
}

/**
 * Keeps style attributes (and, for a document, <style> elements) under
 * `root` applied as they change; returns a function that stops it.
 */
export function keepStylesApplied(root: Document | Element): () => void {
  const doc = root.nodeType === Node.DOCUMENT_NODE ? (root as Document) : null;
  const win = (doc ?? (root as Element).ownerDocument).defaultView;
  if (!win) return () => undefined;
  applyStyleAttributes(doc ? doc.documentElement ?? doc : root);
  if (doc) syncStyleSheets(doc);
  const observer = new win.MutationObserver((records) => {
    let styles = false;
    for (const r of records) {
      if (r.type === 'attributes') applyStyleAttribute(r.target as Element);
      else if (r.type === 'characterData') styles ||= touchesStyle(r.target);
      else {
        styles ||= touchesStyle(r.target) || [...r.removedNodes].some(touchesStyle);
        r.addedNodes.forEach((n) => {
          applyStyleAttributes(n);
          styles ||= touchesStyle(n);
        });
      }
    }
    if (styles && doc) syncStyleSheets(doc);
  });
  observer.observe(root, { subtree: true, childList: true, characterData: !!doc, attributes: true, attributeFilter: ['style'] });
  return () => observer.disconnect();
}

/**
 * An rrweb Replayer plugin that keeps the replayed documents styled:
 * rrweb calls `onBuild` for every node it builds, the first of a document
 * starts watching it.
 */
export function replayStylesPlugin() {
  return {
    // rrweb passes real nodes, or its virtual DOM's (which have no window).
    onBuild(built: object) {
      const node = built as Node;
      const doc = node.nodeType === Node.DOCUMENT_NODE ? (node as Document) : node.ownerDocument;
      if (!doc || !doc.defaultView || !('MutationObserver' in doc.defaultView)) return;
      if (!watched.has(doc)) {
        watched.add(doc);
        keepStylesApplied(doc);
        return;
      }
      // rrweb calls this for every node: each looks at itself only.
      if (node.nodeType === Node.ELEMENT_NODE && (node as Element).hasAttribute('style')) applyStyleAttribute(node as Element);
      const name = node.nodeName;
      if (name === 'STYLE' || name === 'HTML' || name === 'HEAD' || (node.nodeType === Node.TEXT_NODE && node.parentNode?.nodeName === 'STYLE'))
        syncStyleSheets(doc);
    },
  };
}
