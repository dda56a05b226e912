// The session player: rrweb's Replayer (@rrweb/replay, the module the
// heatmap's SnapshotFrame builds its snapshot with, so both share one
// chunk) in a frame at the recorded viewport's size, scaled here to fit,
// with the app's own controls, their keyboard shortcuts, and the session's
// pages. Loaded on demand by pages/RecordingPage.tsx.
import { Replayer } from '@rrweb/replay';
import '@rrweb/replay/dist/style.css';
import { Fragment, useCallback, useEffect, useId, useLayoutEffect, useMemo, useRef, useState } from 'react';
import {
  fitInFrame,
  formatClock,
  frameScale,
  KEY_NAMES,
  metaSize,
  PLAYER_SHORTCUTS,
  playerActionForKey,
  spokenClock,
  SPEEDS,
  visitAt,
  type PageVisit,
  type RrEvent,
} from '../lib/recordings';
import { guardReplayer, replayCspPlugin } from './replayCsp';

type ReplayEvents = ConstructorParameters<typeof Replayer>[0];

/** Marked once a replay is on screen (the first full snapshot rebuilt). */
export const READY_MARK = 'trackr:player:ready';

export default function ReplayPlayer({ events, visits }: { events: RrEvent[]; visits: PageVisit[] }) {
  const id = useId();
  const box = useRef<HTMLDivElement>(null);
  const target = useRef<HTMLDivElement>(null);
  const viewport = useMemo(() => metaSize(events.find((e) => e.type === 4)) ?? { width: 1280, height: 800 }, [events]);
  const [scale, setScale] = useState(0);
  const [replayer, setReplayer] = useState<Replayer | null>(null);
  const [total, setTotal] = useState(0);
  const [time, setTime] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState<number>(1);
  const [skip, setSkip] = useState(true);
  const [skipping, setSkipping] = useState(false);
  /** What a shortcut did, for screen readers (the controls it changed may not have the focus). */
  const [said, say] = useState('');

  // The frame has the recorded viewport's size; the stage scales it to fit.
  useLayoutEffect(() => {
    const outer = box.current;
    if (!outer) return;
    const fit = () => setScale(frameScale(outer.clientWidth, viewport, window.innerHeight));
    fit();
    const ro = new ResizeObserver(fit);
    ro.observe(outer);
    return () => ro.disconnect();
  }, [viewport]);

  useEffect(() => {
    const el = target.current;
    if (!el) return;
    const r = new Replayer(events as unknown as ReplayEvents, {
      root: el,
      speed: 1,
      skipInactive: true,
      plugins: [replayCspPlugin()],
      // Its virtual DOM would build nodes in the app's document, unguarded
      // (see replayCsp.ts); never move the viewer's focus.
      useVirtualDom: false,
      blockClass: 'trackr-block',
      triggerFocus: false,
      showWarning: false,
    });
    guardReplayer(r);
    // The recorded page is a picture here: named, and out of the tab order.
    r.iframe.title = 'Replay of the recorded page';
    r.iframe.tabIndex = -1;
    // The frame keeps the first viewport's size; a window resized during
    // the session replays shrunk to fit in it, centred.
    r.on('resize', (d) => {
      const { scale, left, top } = fitInFrame(viewport, d as { width: number; height: number });
      r.wrapper.style.transform = `translate(${left}px, ${top}px) scale(${scale})`;
    });
    let frame = 0;
    const tick = () => {
      setTime(Math.min(r.getCurrentTime(), r.getMetaData().totalTime));
      frame = requestAnimationFrame(tick);
    };
    r.on('state-change', (states) => {
      const s = states as { player?: { value: string }; speed?: { value: string } };
      if (s.player) {
        const on = s.player.value === 'playing';
        setPlaying(on);
        cancelAnimationFrame(frame);
        if (on) frame = requestAnimationFrame(tick);
        else setTime(Math.min(r.getCurrentTime(), r.getMetaData().totalTime));
      }
      if (s.speed) setSkipping(s.speed.value === 'skipping');
    });
    r.on('finish', () => {
      setPlaying(false);
      setTime(r.getMetaData().totalTime);
    });
    let ready = false;
    r.on('fullsnapshot-rebuilded', () => {
      if (ready) return;
      ready = true;
      performance.mark(READY_MARK);
    });
    setReplayer(r);
    setTotal(r.getMetaData().totalTime);
    setTime(0);
    return () => {
      cancelAnimationFrame(frame);
      setReplayer(null);
      r.destroy();
      el.replaceChildren();
    };
  }, [events, viewport]);

  const finished = total > 0 && time >= total;
  const play = useCallback(() => {
    if (!replayer) return;
    replayer.play(finished ? 0 : time);
  }, [replayer, finished, time]);
  const pause = useCallback(() => replayer?.pause(), [replayer]);
  const seek = useCallback(
    (t: number, resume?: boolean) => {
      if (!replayer) return;
      const at = Math.max(0, Math.min(total, t));
      setTime(at);
      if (resume ?? playing) replayer.play(at);
      else replayer.pause(at);
    },
    [replayer, total, playing],
  );
  const changeSpeed = (s: number) => {
    setSpeed(s);
    if (!replayer) return;
    const at = replayer.getCurrentTime();
    if (playing) replayer.pause();
    replayer.setConfig({ speed: s });
    if (playing) replayer.play(at);
  };
  const changeSkip = (on: boolean) => {
    setSkip(on);
    replayer?.setConfig({ skipInactive: on });
  };

  // Keyboard shortcuts (lib/recordings.ts), anywhere on the page but in a field.
  const shortcut = useRef<(e: KeyboardEvent) => void>(() => undefined);
  shortcut.current = (e) => {
    if (!replayer || e.defaultPrevented) return;
    const action = playerActionForKey(e);
    if (!action) return;
    e.preventDefault();
    switch (action.kind) {
      case 'toggle':
        if (playing) pause();
        else play();
        say(playing ? 'Paused' : 'Playing');
        return;
      case 'seek': {
        // Like the position slider, off while inactivity is being skipped.
        if (skipping) return;
        const at = Math.max(0, Math.min(total, time + action.by));
        seek(at);
        say(`At ${spokenClock(at)}`);
        return;
      }
      case 'speed':
        changeSpeed(action.speed);
        say(`Speed ${action.speed}×`);
        return;
      case 'skip':
        changeSkip(!skip);
        say(skip ? 'Skip inactivity off' : 'Skip inactivity on');
        return;
    }
  };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => shortcut.current(e);
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const current = visitAt(visits, time);
  const position = `${spokenClock(time)} of ${spokenClock(total)}`;
  return (
    <div className="player">
      <div ref={box} className="player-stage">
        <div className="player-viewport" style={{ width: viewport.width * scale, height: viewport.height * scale }}>
          <div
            ref={target}
            className="player-frame"
            data-testid="player"
            style={{ width: viewport.width, height: viewport.height, transform: `scale(${scale})` }}
          />
        </div>
      </div>

      <div className="player-controls" role="group" aria-label="Playback">
        <button
          type="button"
          className="button primary player-play"
          onClick={playing ? pause : play}
          disabled={!replayer}
          aria-keyshortcuts="Space K"
        >
          <span aria-hidden="true">{playing ? '❚❚' : '▶'}</span>
          {playing ? 'Pause' : finished ? 'Replay' : 'Play'}
        </button>

        <div className="player-track">
          <label htmlFor={`${id}-pos`} className="visually-hidden">
            Position
          </label>
          <input
            id={`${id}-pos`}
            type="range"
            min={0}
            max={Math.max(1, Math.round(total))}
            step={100}
            value={Math.round(time)}
            onChange={(e) => seek(Number(e.target.value))}
            aria-valuetext={position}
            disabled={!replayer || skipping}
          />
          <div className="player-marks" aria-hidden="true">
            {total > 0
              ? visits.map((v, i) => (
                  <span
                    key={i}
                    className="player-mark"
                    // Along the slider's track, which ends half a thumb (8 px) inside the input.
                    style={{ left: `calc(8px + (100% - 16px) * ${Math.min(v.offset, total) / total})` }}
                  />
                ))
              : null}
          </div>
        </div>
        <p className="player-time" aria-hidden="true">
          {formatClock(time)} / {formatClock(total)}
        </p>

        <fieldset className="player-speeds">
          <legend className="visually-hidden">Speed</legend>
          {SPEEDS.map((s, i) => (
            <button
              key={s}
              type="button"
              className="button ghost"
              aria-pressed={speed === s}
              onClick={() => changeSpeed(s)}
              aria-label={`Speed ${s}×`}
              aria-keyshortcuts={String(i + 1)}
            >
              {s}×
            </button>
          ))}
        </fieldset>

        <div className="field checkbox player-skip">
          <input id={`${id}-skip`} type="checkbox" checked={skip} onChange={(e) => changeSkip(e.target.checked)} aria-keyshortcuts="S" />
          <label htmlFor={`${id}-skip`}>Skip inactivity</label>
        </div>
      </div>
      <p className="visually-hidden" aria-live="polite">
        {skipping ? 'Skipping inactivity…' : !playing && finished ? 'The recording ended.' : said}
      </p>

      <details className="player-keys">
        <summary>Keyboard shortcuts</summary>
        <dl>
          {PLAYER_SHORTCUTS.map(({ keys, does }) => (
            <div key={does}>
              <dt>
                {keys.map((k, i) => (
                  <Fragment key={k}>
                    {i === 0 ? null : i === keys.length - 1 ? ' or ' : ', '}
                    <kbd>
                      {KEY_NAMES[k] ? (
                        <>
                          <span aria-hidden="true">{k}</span>
                          <span className="visually-hidden">{KEY_NAMES[k]}</span>
                        </>
                      ) : (
                        k
                      )}
                    </kbd>
                  </Fragment>
                ))}
              </dt>
              <dd>{does}</dd>
            </div>
          ))}
        </dl>
        <p className="hint">Not while typing in a field.</p>
      </details>

      <section className="player-pages card" aria-labelledby={`${id}-pages`}>
        <h2 id={`${id}-pages`}>Pages in this session</h2>
        {visits.length === 0 ? (
          <p className="muted">The recording names no page.</p>
        ) : (
          <ol className="visits" data-testid="player-pages">
            {visits.map((v, i) => (
              <li key={i}>
                <button
                  type="button"
                  className="visit"
                  aria-current={i === current ? 'step' : undefined}
                  onClick={() => seek(v.offset)}
                  data-offset={v.offset}
                  disabled={!replayer}
                >
                  <span className="visit-time">{formatClock(v.offset)}</span>
                  <span className="visit-path mono">{v.path}</span>
                  <span className="visually-hidden">, go to {spokenClock(v.offset)}</span>
                </button>
              </li>
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}
