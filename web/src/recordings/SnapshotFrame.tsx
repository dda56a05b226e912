// A heatmap's backdrop: one full snapshot of the page, rebuilt by rrweb's
// Replayer (paused, in its sandboxed iframe) as tall as the whole page.
// Loaded on demand by pages/HeatmapPage.tsx, only when a recording of the
// page exists; @rrweb/replay is a chunk of its own, shared with the player.
import { Replayer } from '@rrweb/replay';
import { useEffect, useRef } from 'react';
import { metaSize, type RrEvent } from '../lib/recordings';
import { guardReplayer, replayCspPlugin } from './replayCsp';

/** Tallest page drawn (a heatmap's grid is at most 20 000 cells anyway). */
const MAX_HEIGHT = 20_000;

type ReplayEvents = ConstructorParameters<typeof Replayer>[0];

export default function SnapshotFrame({
  snapshot,
  onSize,
}: {
  snapshot: [RrEvent, RrEvent];
  /** The page's size in CSS px once rebuilt. */
  onSize: (size: { width: number; height: number }) => void;
}) {
  const root = useRef<HTMLDivElement>(null);
  const sized = useRef(onSize);
  sized.current = onSize;

  useEffect(() => {
    const el = root.current;
    if (!el) return;
    const [meta, full] = snapshot;
    const viewport = metaSize(meta) ?? { width: 1280, height: 800 };
    const r = new Replayer(snapshot as unknown as ReplayEvents, {
      root: el,
      mouseTail: false,
      plugins: [replayCspPlugin()],
      // Its virtual DOM would build nodes in the app's document, unguarded (see replayCsp.ts).
      useVirtualDom: false,
      blockClass: 'trackr-block',
      triggerFocus: false,
      showWarning: false,
      pauseAnimation: true,
    });
    guardReplayer(r);
    r.iframe.title = 'The page as recorded';
    r.iframe.tabIndex = -1;
    let frame = 0;
    let size: { width: number; height: number } | null = null;
    const apply = () => {
      if (!size) return;
      r.iframe.setAttribute('width', String(size.width));
      r.iframe.setAttribute('height', String(size.height));
    };
    // Measured once, at the recorded viewport's height: the page's full
    // height then. (Measuring again after growing the frame would chase
    // pages whose height follows the viewport's.)
    const measure = () => {
      const doc = r.iframe.contentDocument;
      if (!doc?.documentElement) return;
      const width = Math.max(viewport.width, doc.documentElement.scrollWidth);
      const height = Math.min(MAX_HEIGHT, Math.max(viewport.height, doc.documentElement.scrollHeight, doc.body?.scrollHeight ?? 0));
      size = { width, height };
      apply();
      doc.defaultView?.scrollTo(0, 0);
      sized.current(size);
    };
    r.on('fullsnapshot-rebuilded', () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(measure);
    });
    // rrweb sets the frame to the recorded viewport (its Meta event) again: keep the whole page.
    r.on('resize', apply);
    // Paused at the snapshot: the page as it was first drawn.
    r.pause(Math.max(0, full.timestamp - meta.timestamp));
    return () => {
      cancelAnimationFrame(frame);
      r.destroy();
      el.replaceChildren();
    };
  }, [snapshot]);

  return <div ref={root} className="heat-snapshot" />;
}
