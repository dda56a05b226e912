import { describe, expect, it } from 'vitest';
import { can } from './permissions';
import {
  apiFilters,
  asEvents,
  classOfWidth,
  DEFAULT_LIST,
  describeCell,
  describeDurations,
  fitInFrame,
  formatClock,
  frameScale,
  formatStart,
  gridRows,
  hasFilters,
  heatColor,
  heatmapStateToSearch,
  hottest,
  listStateToSearch,
  pageVisits,
  parseDurations,
  parseHeatmapState,
  parseListState,
  playerActionForKey,
  PLAYER_SHORTCUTS,
  type KeyPress,
  pathOf,
  rangeDays,
  replayable,
  snapshotOf,
  spokenClock,
  topCells,
  visitAt,
  type RrEvent,
} from './recordings';
import { paths } from './routes';

describe('rangeDays', () => {
  it('covers the short ranges, both ends included', () => {
    expect(rangeDays('day', '2026-03-01')).toEqual({ from: '2026-03-01', to: '2026-03-01' });
    expect(rangeDays('yesterday', '2026-03-01')).toEqual({ from: '2026-02-28', to: '2026-02-28' });
    expect(rangeDays('7d', '2026-03-01')).toEqual({ from: '2026-02-23', to: '2026-03-01' });
    expect(rangeDays('30d', '2026-01-10')).toEqual({ from: '2025-12-12', to: '2026-01-10' });
  });
});

describe('the list state in the URL', () => {
  it('reads filters, durations and the range', () => {
    const s = parseListState('?range=30d&page=%2Fpricing&country=DE&device=Mobile&min=10&max=120');
    expect(s).toEqual({ range: '30d', filters: { PAGE: '/pricing', COUNTRY: 'DE', DEVICE: 'Mobile' }, minDuration: 10, maxDuration: 120 });
    expect(apiFilters(s)).toEqual([
      { dimension: 'PAGE', op: 'IS', value: '/pricing' },
      { dimension: 'COUNTRY', op: 'IS', value: 'DE' },
      { dimension: 'DEVICE', op: 'IS', value: 'Mobile' },
    ]);
    expect(hasFilters(s)).toBe(true);
  });
  it('falls back to defaults for bad values', () => {
    expect(parseListState('')).toEqual(DEFAULT_LIST);
    expect(parseListState('?range=12mo&min=-3&max=abc&browser=')).toEqual(DEFAULT_LIST);
    expect(parseListState('?min=99999999').minDuration).toBeNull();
    // A maximum below the minimum would match nothing.
    expect(parseListState('?min=60&max=10')).toMatchObject({ minDuration: 60, maxDuration: null });
    expect(hasFilters(DEFAULT_LIST)).toBe(false);
  });
  it('round-trips, leaving defaults out', () => {
    expect(listStateToSearch(DEFAULT_LIST)).toBe('');
    const s = parseListState('?page=%2Fa%20b&os=Linux&min=0');
    expect(listStateToSearch(s)).toBe('?page=%2Fa+b&os=Linux&min=0');
    expect(parseListState(listStateToSearch(s))).toEqual(s);
  });
  it('checks the duration fields', () => {
    expect(parseDurations('', '')).toEqual({ minDuration: null, maxDuration: null });
    expect(parseDurations(' 30 ', '600')).toEqual({ minDuration: 30, maxDuration: 600 });
    expect(parseDurations('1.5', '')).toEqual({ min: 'Enter a whole number of seconds.' });
    expect(parseDurations('', '100000')).toEqual({ max: 'At most 86400 seconds.' });
    expect(parseDurations('60', '30')).toEqual({ max: 'The longest must not be shorter than the shortest.' });
    expect(describeDurations(10, 120)).toBe('Between 10 s and 2 min');
    expect(describeDurations(90, null)).toBe('At least 90 s');
    expect(describeDurations(null, 7200)).toBe('At most 2 h');
    expect(describeDurations(null, null)).toBeNull();
  });
});

describe('times', () => {
  it('formats playback positions', () => {
    expect(formatClock(0)).toBe('0:00');
    expect(formatClock(65_500)).toBe('1:05');
    expect(formatClock(3_725_000)).toBe('1:02:05');
    expect(spokenClock(65_000)).toBe('1 minute 5 seconds');
    expect(spokenClock(0)).toBe('0 seconds');
    expect(spokenClock(3_600_000)).toBe('1 hour');
  });
  it('shows start times in the site’s zone', () => {
    expect(formatStart('2026-11-30T23:30:00Z', 'Europe/Berlin')).toBe('1 Dec 2026, 00:30');
    expect(formatStart('2026-11-30T23:30:00Z', 'Mars/Olympus')).toBe('30 Nov 2026, 23:30');
  });
});

const meta = (t: number, href: string, width = 1280): RrEvent => ({ type: 4, timestamp: t, data: { href, width, height: 800 } });
const full = (t: number): RrEvent => ({ type: 2, timestamp: t, data: { node: { type: 0, childNodes: [], id: 1 } } });
const inc = (t: number): RrEvent => ({ type: 3, timestamp: t, data: { source: 1 } });

describe('rrweb events', () => {
  const events = [
    meta(1000, 'https://a.example/'),
    full(1001),
    inc(2000),
    meta(5000, 'https://a.example/'),
    full(5001),
    meta(9000, 'https://a.example/pricing'),
    full(9002),
    meta(12_000, 'https://a.example/'),
    full(12_001),
  ];
  it('lists page visits at their snapshot’s player time, a re-snapshot of the same page being no visit', () => {
    expect(pageVisits(events)).toEqual([
      { path: '/', href: 'https://a.example/', offset: 1 },
      { path: '/pricing', href: 'https://a.example/pricing', offset: 8002 },
      { path: '/', href: 'https://a.example/', offset: 11_001 },
    ]);
    // Without a snapshot: the Meta event's time.
    expect(pageVisits([meta(10, 'https://a.example/x'), inc(20), meta(30, 'https://a.example/y')])).toEqual([
      { path: '/x', href: 'https://a.example/x', offset: 0 },
      { path: '/y', href: 'https://a.example/y', offset: 20 },
    ]);
    expect(pageVisits([])).toEqual([]);
  });
  it('finds the visit on screen', () => {
    const v = pageVisits(events);
    expect(visitAt(v, 0)).toBe(0);
    expect(visitAt(v, 1)).toBe(0);
    expect(visitAt(v, 8001)).toBe(0);
    expect(visitAt(v, 8002)).toBe(1);
    expect(visitAt(v, 60_000)).toBe(2);
    expect(visitAt([], 10)).toBe(-1);
  });
  it('finds the snapshot of a page after its Meta event', () => {
    expect(snapshotOf(events, '/pricing')).toEqual([events[5], events[6]]);
    expect(snapshotOf(events, '/')).toEqual([events[0], events[1]]);
    expect(snapshotOf(events, '/nope')).toBeNull();
    // A Meta event followed by another page's: no snapshot of the first.
    expect(snapshotOf([meta(1, 'https://a.example/x'), meta(2, 'https://a.example/y'), full(3)], '/x')).toBeNull();
  });
  it('knows what can be replayed', () => {
    expect(replayable(events)).toBe(true);
    expect(replayable([full(1), meta(2, 'https://a.example/')])).toBe(false);
    expect(asEvents([{ type: 4, timestamp: 1 }])).toHaveLength(1);
    expect(asEvents({})).toBeNull();
    expect(asEvents([{ type: '4', timestamp: 1 }])).toBeNull();
    expect(pathOf('https://a.example/a%20b?x=1')).toBe('/a%20b');
    expect(pathOf('not a url')).toBe('not a url');
  });
});

describe('heatmaps', () => {
  it('keep path, viewport and range in the URL', () => {
    expect(parseHeatmapState('?path=%2Fpricing&viewport=mobile&range=30d')).toEqual({ path: '/pricing', viewport: 'MOBILE', range: '30d' });
    expect(parseHeatmapState('?viewport=WATCH&path=')).toEqual({ path: null, viewport: 'DESKTOP', range: '7d' });
    expect(heatmapStateToSearch({ path: '/x', viewport: 'DESKTOP', range: '7d' })).toBe('?path=%2Fx');
    expect(heatmapStateToSearch({ path: null, viewport: 'TABLET', range: 'day' })).toBe('?viewport=TABLET&range=day');
  });
  it('classify widths as the API does', () => {
    expect(classOfWidth(767)).toBe('MOBILE');
    expect(classOfWidth(768)).toBe('TABLET');
    expect(classOfWidth(1023)).toBe('TABLET');
    expect(classOfWidth(1024)).toBe('DESKTOP');
  });
  const cells = [
    { column: 2, row: 0, count: 2 },
    { column: 9, row: 4, count: 4 },
    { column: 3, row: 7, count: 4 },
    { column: 1, row: 9, count: 1 },
  ];
  it('find the hottest cell and the grid’s extent', () => {
    expect(hottest(cells)).toEqual({ column: 9, row: 4, count: 4 });
    expect(hottest([])).toBeNull();
    expect(topCells(cells, 3).map((c) => c.count)).toEqual([4, 4, 2]);
    expect(gridRows(cells)).toBe(10);
    expect(gridRows([])).toBe(0);
  });
  it('colour cells from cold to hot', () => {
    expect(heatColor(0, 10)).toBe('rgba(37, 99, 235, 0.35)');
    expect(heatColor(10, 10)).toBe('rgba(220, 38, 38, 0.75)');
    expect(heatColor(1, 0)).toBe('rgba(37, 99, 235, 0.35)');
  });
  it('describe where a cell lies', () => {
    expect(describeCell({ column: 10, row: 4, count: 1 }, 20, 50, 1280)).toBe('x 640–704 px, y 200–250 px');
  });
});

describe('recording routes and roles', () => {
  it('builds the URLs', () => {
    expect(paths.recordings('acme', 's1')).toBe('/orgs/acme/sites/s1/recordings');
    expect(paths.recordings('acme', 's1', '?range=30d')).toBe('/orgs/acme/sites/s1/recordings?range=30d');
    expect(paths.recording('acme', 's1', 'a/b')).toBe('/orgs/acme/sites/s1/recordings/a%2Fb');
    expect(paths.heatmaps('acme', 's1', '?path=%2F')).toBe('/orgs/acme/sites/s1/heatmaps?path=%2F');
  });
  it('lets members who read sites watch recordings, never staff', () => {
    expect(can('VIEWER', 'readRecordings')).toBe(true);
    expect(can('ADMIN', 'readRecordings')).toBe(true);
    expect(can('BILLING', 'readRecordings')).toBe(false);
    expect(can(null, 'readRecordings')).toBe(false);
  });
});

describe('frameScale', () => {
  it('fits the viewport in the container and the window, never enlarged', () => {
    expect(frameScale(800, { width: 1600, height: 900 }, 1000)).toBe(0.5);
    expect(frameScale(800, { width: 390, height: 844 }, 1000)).toBeCloseTo(700 / 844);
    expect(frameScale(2000, { width: 1280, height: 800 }, 2000)).toBe(1);
    expect(frameScale(1000, { width: 1280, height: 800 }, 300)).toBe(240 / 800);
  });
});

describe('fitInFrame', () => {
  it('leaves the first viewport as it is', () => {
    expect(fitInFrame({ width: 1280, height: 800 }, { width: 1280, height: 800 })).toEqual({ scale: 1, left: 0, top: 0 });
  });
  it('shrinks a larger window to fit, centred', () => {
    expect(fitInFrame({ width: 1280, height: 800 }, { width: 2560, height: 800 })).toEqual({ scale: 0.5, left: 0, top: 200 });
    expect(fitInFrame({ width: 1280, height: 800 }, { width: 1280, height: 1600 })).toEqual({ scale: 0.5, left: 320, top: 0 });
  });
  it('never enlarges a smaller window: centres it', () => {
    expect(fitInFrame({ width: 1280, height: 800 }, { width: 640, height: 400 })).toEqual({ scale: 1, left: 320, top: 200 });
  });
  it('ignores a size without area', () => {
    expect(fitInFrame({ width: 1280, height: 800 }, { width: 0, height: 800 })).toEqual({ scale: 1, left: 0, top: 0 });
  });
});

describe('the player\'s keyboard shortcuts', () => {
  const on = (tagName: string, attrs: Record<string, string> = {}) =>
    ({ tagName, getAttribute: (n: string) => attrs[n] ?? null }) as unknown as EventTarget;
  const press = (key: string, more: Partial<KeyPress> = {}): KeyPress => ({
    key,
    ctrlKey: false,
    metaKey: false,
    altKey: false,
    target: on('BODY'),
    ...more,
  });
  const act = (key: string, more?: Partial<KeyPress>) => playerActionForKey(press(key, more));

  it('plays or pauses with Space and K', () => {
    expect(act(' ')).toEqual({ kind: 'toggle' });
    expect(act('k')).toEqual({ kind: 'toggle' });
    expect(act('K')).toEqual({ kind: 'toggle' });
  });
  it('seeks 5 seconds with the arrows, 10 with J and L', () => {
    expect(act('ArrowLeft')).toEqual({ kind: 'seek', by: -5000 });
    expect(act('ArrowRight')).toEqual({ kind: 'seek', by: 5000 });
    expect(act('j')).toEqual({ kind: 'seek', by: -10000 });
    expect(act('L')).toEqual({ kind: 'seek', by: 10000 });
    // Held down, an arrow keeps seeking.
    expect(act('ArrowRight', { repeat: true })).toEqual({ kind: 'seek', by: 5000 });
  });
  it('chooses the speed with 1 to 4', () => {
    expect(['1', '2', '3', '4'].map((k) => act(k))).toEqual([1, 2, 4, 8].map((speed) => ({ kind: 'speed', speed })));
    expect(act('5')).toBeNull();
    expect(act('0')).toBeNull();
  });
  it('turns skipping inactivity on or off with S', () => {
    expect(act('s')).toEqual({ kind: 'skip' });
    expect(act('S')).toEqual({ kind: 'skip' });
  });
  it('does nothing while typing in a field', () => {
    for (const tag of ['INPUT', 'TEXTAREA', 'SELECT']) expect(act('k', { target: on(tag) })).toBeNull();
    expect(act(' ', { target: { tagName: 'DIV', isContentEditable: true } as unknown as EventTarget })).toBeNull();
  });
  it('leaves the browser\'s and the system\'s shortcuts alone', () => {
    expect(act('l', { ctrlKey: true })).toBeNull();
    expect(act('k', { metaKey: true })).toBeNull();
    expect(act('ArrowLeft', { altKey: true })).toBeNull();
  });
  it('leaves Space to a focused button or summary, K still plays', () => {
    expect(act(' ', { target: on('BUTTON') })).toBeNull();
    expect(act(' ', { target: on('SUMMARY') })).toBeNull();
    expect(act(' ', { target: on('DIV', { role: 'button' }) })).toBeNull();
    expect(act('k', { target: on('BUTTON') })).toEqual({ kind: 'toggle' });
    expect(act(' ', { target: on('A') })).toEqual({ kind: 'toggle' });
  });
  it('does not toggle again while a key is held', () => {
    expect(act(' ', { repeat: true })).toBeNull();
    expect(act('s', { repeat: true })).toBeNull();
  });
  it('ignores other keys', () => {
    for (const key of ['Enter', 'Escape', 'Tab', 'x', 'ArrowUp', 'Shift']) expect(act(key)).toBeNull();
  });
  it('lists every shortcut it knows', () => {
    const asKey: Record<string, string> = { Space: ' ', '←': 'ArrowLeft', '→': 'ArrowRight' };
    const listed = PLAYER_SHORTCUTS.flatMap((s) => s.keys);
    expect(listed).toEqual(['Space', 'K', '←', '→', 'J', 'L', '1', '2', '3', '4', 'S']);
    for (const k of listed) expect(act(asKey[k] ?? k)).not.toBeNull();
    expect(PLAYER_SHORTCUTS[3]!.does).toBe('Speed 1×, 2×, 4×, 8×');
  });
});
