import { describe, expect, it } from 'vitest';
import {
  addFilter,
  change,
  comparedRange,
  comparisonOf,
  customRangeError,
  DEFAULT_DETAILS_SORT,
  DEFAULT_STATE,
  apiFilter,
  describeFilter,
  filterSubject,
  isPropertyKey,
  displayValue,
  filterDisplay,
  formatBucket,
  formatDuration,
  formatMetric,
  formatRange,
  hasDetails,
  higherIsBetter,
  intervalFor,
  isTypingTarget,
  opsFor,
  PANELS,
  parseState,
  periodForKey,
  previousRange,
  rangeOf,
  removeFilter,
  siteToday,
  stateToSearch,
  yearBefore,
  type DashState,
} from './dashboard';

describe('siteToday', () => {
  const now = new Date('2026-11-30T23:30:00Z');
  it('is the day in the site zone, not the browser’s', () => {
    expect(siteToday(now, 'UTC')).toBe('2026-11-30');
    expect(siteToday(now, 'Europe/Berlin')).toBe('2026-12-01');
    expect(siteToday(now, 'America/Los_Angeles')).toBe('2026-11-30');
    expect(siteToday(new Date('2026-12-01T05:00:00Z'), 'America/New_York')).toBe('2026-12-01');
    expect(siteToday(new Date('2026-12-01T04:59:00Z'), 'America/New_York')).toBe('2026-11-30');
    expect(siteToday(new Date('2026-11-30T10:30:00Z'), 'Pacific/Kiritimati')).toBe('2026-12-01');
  });
  it('falls back to UTC for an unknown zone', () => {
    expect(siteToday(now, 'Mars/Olympus')).toBe('2026-11-30');
  });
});

describe('rangeOf', () => {
  const today = '2026-03-15';
  const r = (period: DashState['period'], from: string | null = null, to: string | null = null) =>
    rangeOf({ period, from, to }, today);
  it('covers the presets', () => {
    expect(r('day')).toEqual({ from: today, to: today });
    expect(r('yesterday')).toEqual({ from: '2026-03-14', to: '2026-03-14' });
    expect(r('7d')).toEqual({ from: '2026-03-09', to: today });
    expect(r('30d')).toEqual({ from: '2026-02-14', to: today });
    expect(r('month')).toEqual({ from: '2026-03-01', to: today });
    expect(r('lastmonth')).toEqual({ from: '2026-02-01', to: '2026-02-28' });
    expect(r('12mo')).toEqual({ from: '2025-04-01', to: today });
  });
  it('handles year and leap-year boundaries', () => {
    expect(rangeOf({ period: 'lastmonth', from: null, to: null }, '2024-03-01')).toEqual({ from: '2024-02-01', to: '2024-02-29' });
    expect(rangeOf({ period: 'lastmonth', from: null, to: null }, '2026-01-10')).toEqual({ from: '2025-12-01', to: '2025-12-31' });
    expect(rangeOf({ period: 'yesterday', from: null, to: null }, '2026-01-01')).toEqual({ from: '2025-12-31', to: '2025-12-31' });
    expect(rangeOf({ period: 'month', from: null, to: null }, '2026-12-31')).toEqual({ from: '2026-12-01', to: '2026-12-31' });
  });
  it('validates custom ranges', () => {
    expect(r('custom', '2026-01-01', '2026-01-31')).toEqual({ from: '2026-01-01', to: '2026-01-31' });
    expect(r('custom', '2026-02-01', '2026-01-31')).toBeNull();
    expect(r('custom', null, '2026-01-31')).toBeNull();
    expect(customRangeError('2020-01-01', '2026-01-01')).toMatch(/1830/);
    expect(customRangeError('2026-01-01', '2026-01-01')).toBeNull();
  });
});

describe('previousRange and intervalFor', () => {
  it('gives the same dates a year before', () => {
    expect(yearBefore({ from: '2026-11-01', to: '2026-11-30' })).toEqual({ from: '2025-11-01', to: '2025-11-30' });
    expect(yearBefore({ from: '2024-02-01', to: '2024-02-29' })).toEqual({ from: '2023-02-01', to: '2023-02-28' });
    expect(comparedRange({ from: '2026-11-01', to: '2026-11-30' }, 'previous')).toEqual({ from: '2026-10-02', to: '2026-10-31' });
    expect(comparedRange({ from: '2026-11-01', to: '2026-11-30' }, 'off')).toBeNull();
    expect(comparisonOf('year')).toBe('YEAR_OVER_YEAR');
    expect(comparisonOf('previous')).toBe('PREVIOUS_PERIOD');
    expect(comparisonOf('off')).toBeNull();
  });
  it('gives the equal-length period before', () => {
    expect(previousRange({ from: '2026-11-01', to: '2026-11-30' })).toEqual({ from: '2026-10-02', to: '2026-10-31' });
    expect(previousRange({ from: '2026-11-30', to: '2026-11-30' })).toEqual({ from: '2026-11-29', to: '2026-11-29' });
  });
  it('picks hours, days, weeks or months', () => {
    expect(intervalFor({ from: '2026-11-30', to: '2026-11-30' })).toBe('HOUR');
    expect(intervalFor({ from: '2026-11-01', to: '2026-11-30' })).toBe('DAY');
    expect(intervalFor({ from: '2026-09-01', to: '2026-11-30' })).toBe('DAY');
    expect(intervalFor({ from: '2026-06-01', to: '2026-11-30' })).toBe('WEEK');
    expect(intervalFor({ from: '2025-12-01', to: '2026-11-30' }, '12mo')).toBe('MONTH');
    expect(intervalFor({ from: '2022-01-01', to: '2026-11-30' })).toBe('MONTH');
  });
});

describe('URL state', () => {
  it('defaults to an empty query string', () => {
    expect(parseState('')).toEqual(DEFAULT_STATE);
    expect(stateToSearch(DEFAULT_STATE)).toBe('');
  });
  it('round-trips every part', () => {
    const s: DashState = {
      period: 'custom',
      from: '2026-01-01',
      to: '2026-01-31',
      compare: 'year',
      metric: 'bounceRate',
      segment: '0190f5a2-7c1e-7d3a-9b1c-2f4e6a8b0c1e',
      filters: [
        { dimension: 'PAGE', op: 'IS', value: '/blog/a:b?c=d&e' },
        { dimension: 'COUNTRY', op: 'IS_NOT', value: 'DE' },
      ],
      tabs: { sources: 'UTM_TERM', pages: 'EXIT_PAGE', locations: 'MAP', devices: 'SCREEN_SIZE', events: 'EVENT_NAME' },
      details: 'devices',
      detailsSort: { key: 'bounceRate', dir: 'ascending' },
      detailsSearch: 'Fire fox',
      propKey: null,
    };
    const qs = stateToSearch(s);
    expect(qs).toContain('period=custom');
    expect(qs).toContain('compare=year');
    expect(qs).toContain('metric=bounceRate');
    expect(qs).toContain('seg=0190f5a2-7c1e-7d3a-9b1c-2f4e6a8b0c1e');
    expect(qs).toContain('locations=map');
    expect(qs).toContain('devices=screen_size');
    expect(qs).toContain('details=devices');
    expect(qs).toContain('sort=bounceRate%3Aasc');
    expect(qs).toContain('search=Fire+fox');
    expect(parseState(qs)).toEqual(s);
  });
  it('keeps the URL parameters of the first part', () => {
    const s = parseState('?period=7d&compare=previous&metric=pageviews&sources=utm_campaign&f=country:is_not:DE');
    expect(s).toMatchObject({ period: '7d', compare: 'previous', metric: 'pageviews', details: null });
    expect(s.tabs.sources).toBe('UTM_CAMPAIGN');
    expect(s.filters).toEqual([{ dimension: 'COUNTRY', op: 'IS_NOT', value: 'DE' }]);
    expect(stateToSearch(s)).toBe('?period=7d&compare=previous&metric=pageviews&sources=utm_campaign&f=country%3Ais_not%3ADE');
  });
  it('reads every chart metric, comparison and the new dimensions', () => {
    for (const m of ['visitors', 'visits', 'pageviews', 'viewsPerVisit', 'bounceRate', 'visitDurationSeconds'] as const) {
      expect(parseState(stateToSearch({ ...DEFAULT_STATE, metric: m })).metric).toBe(m);
    }
    expect(parseState('?compare=year').compare).toBe('year');
    expect(parseState('?compare=previous').compare).toBe('previous');
    expect(parseState('?compare=off').compare).toBe('off');
    expect(parseState('?compare=decade').compare).toBe('off');
    expect(parseState('?f=utm_content:is:a&f=utm_term:contains:b&f=screen_size:is:Mobile&f=hostname:is_not:x.io').filters.map((f) => f.dimension)).toEqual([
      'UTM_CONTENT',
      'UTM_TERM',
      'SCREEN_SIZE',
      'HOSTNAME',
    ]);
  });
  it('has a realtime period without details', () => {
    const s = parseState('?period=realtime&details=pages');
    expect(s.period).toBe('realtime');
    expect(s.details).toBeNull();
    expect(stateToSearch({ ...DEFAULT_STATE, period: 'realtime', details: 'pages' })).toBe('?period=realtime');
    expect(rangeOf({ period: 'realtime', from: null, to: null }, '2026-03-15')).toEqual({ from: '2026-03-15', to: '2026-03-15' });
    expect(periodForKey('r')).toBe('realtime');
  });
  it('opens details only for known panels, the map only in locations', () => {
    expect(parseState('?details=events').details).toBe('events');
    expect(parseState('?details=nope').details).toBeNull();
    expect(parseState('?sources=map').tabs.sources).toBe('SOURCE');
    expect(parseState('?locations=MAP').tabs.locations).toBe('MAP');
    expect(parseState('?events=page').tabs.events).toBe('EVENT_NAME');
  });
  it('ignores unknown or broken values', () => {
    const s = parseState('?period=forever&metric=x&f=nope:is:x&f=page:maybe:x&f=page:is:&sources=CITY&from=2026-01-01');
    expect(s.period).toBe('30d');
    expect(s.metric).toBe('visitors');
    expect(s.compare).toBe('off');
    expect(s.filters).toEqual([]);
    expect(s.tabs.sources).toBe('SOURCE');
    expect(s.from).toBeNull();
  });
  it('drops duplicate filters', () => {
    expect(parseState('?f=page:is:/a&f=page:is:/a').filters).toHaveLength(1);
  });
});

describe('goals in the URL', () => {
  const goalId = '0190f5a2-7c1e-7d3a-9b1c-2f4e6a8b0c1d';

  it('round-trips GOAL filters, IS and IS NOT', () => {
    const s: DashState = {
      ...DEFAULT_STATE,
      filters: [
        { dimension: 'GOAL', op: 'IS', value: goalId },
        { dimension: 'GOAL', op: 'IS_NOT', value: 'another-goal' },
        { dimension: 'PAGE', op: 'IS', value: '/pricing' },
      ],
    };
    const qs = stateToSearch(s);
    expect(qs).toBe(`?f=goal%3Ais%3A${goalId}&f=goal%3Ais_not%3Aanother-goal&f=page%3Ais%3A%2Fpricing`);
    expect(parseState(qs)).toEqual(s);
    expect(parseState(`?f=GOAL:IS:${goalId}`).filters).toEqual([{ dimension: 'GOAL', op: 'IS', value: goalId }]);
  });
  it('refuses a GOAL filter that "contains" (the server does)', () => {
    expect(parseState(`?f=goal:contains:${goalId}`).filters).toEqual([]);
    expect(opsFor('GOAL')).toEqual(['IS', 'IS_NOT']);
    expect(opsFor('PAGE')).toEqual(['IS', 'IS_NOT', 'CONTAINS']);
  });
  it('keeps Custom events the default tab of the Events panel, and Goals in the URL', () => {
    const events = PANELS.find((p) => p.id === 'events')!;
    expect(events.tabs.map((t) => t.label)).toEqual(['Goals', 'Custom events', 'Properties']);
    expect(DEFAULT_STATE.tabs.events).toBe('EVENT_NAME');
    expect(parseState('').tabs.events).toBe('EVENT_NAME');
    const goals: DashState = { ...DEFAULT_STATE, tabs: { ...DEFAULT_STATE.tabs, events: 'GOALS' } };
    expect(stateToSearch(goals)).toBe('?events=goals');
    expect(parseState('?events=goals')).toEqual(goals);
    expect(parseState('?events=goal').tabs.events).toBe('EVENT_NAME');
    expect(parseState('?pages=goals').tabs.pages).toBe('PAGE');
  });
  it('opens no details dialog on the Goals tab', () => {
    expect(hasDetails('GOALS')).toBe(false);
    expect(hasDetails('EVENT_NAME')).toBe(true);
    expect(parseState('?events=goals&details=events').details).toBeNull();
    expect(parseState('?details=events').details).toBe('events');
    const s: DashState = { ...DEFAULT_STATE, tabs: { ...DEFAULT_STATE.tabs, events: 'GOALS' }, details: 'events' };
    expect(stateToSearch(s)).toBe('?events=goals');
  });
  it('names a GOAL filter by its goal on its chip', () => {
    const goals = [
      { id: goalId, name: 'Signup' },
      { id: 'g2', name: 'Checkout' },
    ];
    const is = { dimension: 'GOAL', op: 'IS', value: goalId } as const;
    expect(describeFilter(is, filterDisplay(goals))).toBe('Goal is Signup');
    expect(describeFilter({ dimension: 'GOAL', op: 'IS_NOT', value: 'g2' }, filterDisplay(goals))).toBe('Goal is not Checkout');
    expect(describeFilter({ dimension: 'GOAL', op: 'IS', value: 'gone' }, filterDisplay(goals))).toBe('Goal is a deleted goal');
    expect(describeFilter(is, filterDisplay([], new Set([goalId])))).toBe('Goal is a deleted goal');
    expect(describeFilter(is, filterDisplay(undefined))).toBe('Goal is a goal');
    // Other dimensions read as before.
    expect(describeFilter({ dimension: 'COUNTRY', op: 'IS', value: 'DE' }, filterDisplay(goals))).toBe('Country is Germany');
  });
});

describe("the details dialog's order and search in the URL", () => {
  const open: DashState = { ...DEFAULT_STATE, details: 'pages' };

  it('leaves the default order and an empty search out', () => {
    expect(stateToSearch(open)).toBe('?details=pages');
    expect(parseState('?details=pages')).toEqual(open);
    expect(open.detailsSort).toEqual({ key: 'visitors', dir: 'descending' });
  });
  it('round-trips every column and both directions', () => {
    const columns = ['value', 'visitors', 'percentage', 'visits', 'pageviews', 'events', 'bounceRate', 'visitDurationSeconds'] as const;
    for (const key of columns)
      for (const dir of ['ascending', 'descending'] as const) {
        const s: DashState = { ...open, detailsSort: { key, dir } };
        expect(parseState(stateToSearch(s))).toEqual(s);
      }
    const events: DashState = { ...DEFAULT_STATE, details: 'events', detailsSort: { key: 'conversionRate', dir: 'ascending' } };
    expect(stateToSearch(events)).toBe('?details=events&sort=conversionRate%3Aasc');
    expect(parseState(stateToSearch(events))).toEqual(events);
  });
  it('reads a copied link with the order, the search and the rest', () => {
    const s = parseState('?period=7d&details=sources&sources=referrer&sort=value:asc&search=news%20site&f=country:is:DE');
    expect(s).toMatchObject({
      period: '7d',
      details: 'sources',
      detailsSort: { key: 'value', dir: 'ascending' },
      detailsSearch: 'news site',
      filters: [{ dimension: 'COUNTRY', op: 'IS', value: 'DE' }],
    });
    expect(s.tabs.sources).toBe('REFERRER');
    expect(stateToSearch(s)).toBe('?period=7d&sources=referrer&details=sources&sort=value%3Aasc&search=news+site&f=country%3Ais%3ADE');
  });
  it('keeps a search as typed: spaces, symbols, any case', () => {
    for (const text of [' /blog ', 'a&b=c', '100%', 'Ünïcode ✓', ':']) {
      const s: DashState = { ...open, detailsSearch: text };
      expect(parseState(stateToSearch(s)).detailsSearch).toBe(text);
    }
  });
  it('ignores unknown or malformed orders', () => {
    for (const sort of ['nope:asc', 'visits', 'visits:up', 'visits:ASC', ':asc', 'visits:asc:x', 'toString:asc', '__proto__:desc', '']) {
      expect(parseState(`?details=pages&sort=${encodeURIComponent(sort)}`).detailsSort).toEqual(DEFAULT_DETAILS_SORT);
    }
  });
  it("ignores a share column the panel's dialog does not have", () => {
    // Custom events show a conversion rate, the other panels a percentage.
    expect(parseState('?details=events&sort=percentage:desc').detailsSort).toEqual(DEFAULT_DETAILS_SORT);
    expect(parseState('?details=pages&sort=conversionRate:desc').detailsSort).toEqual(DEFAULT_DETAILS_SORT);
    expect(parseState('?details=pages&sort=percentage:asc').detailsSort).toEqual({ key: 'percentage', dir: 'ascending' });
  });
  it('ignores too long a search', () => {
    expect(parseState(`?details=pages&search=${'x'.repeat(2001)}`).detailsSearch).toBe('');
    expect(parseState(`?details=pages&search=${'x'.repeat(2000)}`).detailsSearch).toHaveLength(2000);
  });
  it('has no order or search without an open dialog', () => {
    expect(parseState('?sort=visits:asc&search=x')).toEqual(DEFAULT_STATE);
    expect(parseState('?period=realtime&details=pages&sort=visits:asc&search=x')).toMatchObject({ details: null, detailsSort: DEFAULT_DETAILS_SORT, detailsSearch: '' });
    // Closing the dialog drops them from the URL.
    expect(stateToSearch({ ...open, details: null, detailsSort: { key: 'visits', dir: 'ascending' }, detailsSearch: 'x' })).toBe('');
  });
});

describe('filters', () => {
  it('adds, replaces an IS filter on the same dimension, removes', () => {
    let f = addFilter([], { dimension: 'PAGE', op: 'IS', value: '/a' });
    f = addFilter(f, { dimension: 'COUNTRY', op: 'IS', value: 'DE' });
    f = addFilter(f, { dimension: 'PAGE', op: 'IS', value: '/b' });
    expect(f).toEqual([
      { dimension: 'COUNTRY', op: 'IS', value: 'DE' },
      { dimension: 'PAGE', op: 'IS', value: '/b' },
    ]);
    expect(removeFilter(f, { dimension: 'COUNTRY', op: 'IS', value: 'DE' })).toEqual([{ dimension: 'PAGE', op: 'IS', value: '/b' }]);
  });
  it('describes a filter', () => {
    expect(describeFilter({ dimension: 'COUNTRY', op: 'IS', value: 'DE' }, displayValue)).toBe('Country is Germany');
    expect(describeFilter({ dimension: 'PAGE', op: 'CONTAINS', value: '/blog' })).toBe('Page contains /blog');
  });
});

describe('shortcuts', () => {
  it('maps keys to periods', () => {
    expect(periodForKey('d')).toBe('day');
    expect(periodForKey('W')).toBe('7d');
    expect(periodForKey('m')).toBe('30d');
    expect(periodForKey('y')).toBe('12mo');
    expect(periodForKey('q')).toBeNull();
  });
  it('does not fire while typing', () => {
    expect(isTypingTarget({ tagName: 'INPUT' } as unknown as EventTarget)).toBe(true);
    expect(isTypingTarget({ tagName: 'textarea' } as unknown as EventTarget)).toBe(true);
    expect(isTypingTarget({ tagName: 'DIV', isContentEditable: true } as unknown as EventTarget)).toBe(true);
    expect(isTypingTarget({ tagName: 'BUTTON' } as unknown as EventTarget)).toBe(false);
    expect(isTypingTarget(null)).toBe(false);
  });
});

describe('formatting', () => {
  it('formats durations', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(7.4)).toBe('7s');
    expect(formatDuration(96.35)).toBe('1m 36s');
    expect(formatDuration(120)).toBe('2m');
    expect(formatDuration(3725)).toBe('1h 2m');
  });
  it('formats figures', () => {
    expect(formatMetric('visitors', 12345)).toBe('12,345');
    expect(formatMetric('bounceRate', 41.6)).toBe('42%');
    expect(formatMetric('viewsPerVisit', 2.456)).toBe('2.46');
    expect(formatMetric('viewsPerVisit', 2)).toBe('2');
    expect(formatMetric('visitDurationSeconds', 96)).toBe('1m 36s');
  });
  it('formats changes', () => {
    expect(change('visitors', 1840, 1702)).toEqual({ value: 8, text: '+8%' });
    expect(change('visitors', 50, 100)).toEqual({ value: -50, text: '−50%' });
    expect(change('visitors', 5, 0)).toBeNull();
    expect(change('visitors', 0, 0)).toEqual({ value: 0, text: '0%' });
    expect(change('bounceRate', 41.2, 45)).toEqual({ value: -3.8, text: '−3.8 pp' });
    // A lower bounce rate is the good news.
    expect(higherIsBetter('bounceRate')).toBe(false);
    expect(higherIsBetter('visitDurationSeconds')).toBe(true);
  });
  it('formats ranges and buckets', () => {
    expect(formatRange({ from: '2026-11-30', to: '2026-11-30' })).toBe('30 Nov 2026');
    expect(formatRange({ from: '2026-11-01', to: '2026-11-30' })).toBe('1 – 30 Nov 2026');
    expect(formatRange({ from: '2026-10-02', to: '2026-11-30' })).toBe('2 Oct – 30 Nov 2026');
    expect(formatRange({ from: '2025-12-01', to: '2026-11-30' })).toBe('1 Dec 2025 – 30 Nov 2026');
    expect(formatBucket('2026-11-29T23:00:00Z', 'DAY', 'Europe/Berlin')).toBe('Mon, 30 Nov 2026');
    expect(formatBucket('2026-11-30T14:00:00Z', 'HOUR', 'Europe/Berlin')).toBe('15:00');
    expect(formatBucket('2026-11-01T00:00:00Z', 'MONTH', 'UTC')).toBe('November 2026');
    expect(formatBucket('2026-11-29T21:00:00Z', 'HOUR', 'Europe/Berlin', true)).toBe('Sun 29 Nov, 22:00');
  });
  it('names countries', () => {
    expect(displayValue('COUNTRY', 'DE')).toBe('Germany');
    expect(displayValue('PAGE', '')).toBe('(none)');
  });
});

describe('custom properties in the URL', () => {
  const plan = { dimension: 'PROPERTY', op: 'IS', value: 'pro', key: 'plan' } as const;

  it('round-trips a PROPERTY filter with its key', () => {
    const s: DashState = { ...DEFAULT_STATE, filters: [plan] };
    const qs = stateToSearch(s);
    expect(qs).toBe('?f=property%3Ais%3Aplan%3Apro');
    expect(parseState(qs)).toEqual(s);
    expect(parseState('?f=property:is:plan:pro').filters).toEqual([plan]);
  });
  it('keeps keys and values with colons, equals signs, spaces, percent signs and more', () => {
    const tricky = [
      { key: 'a:b', value: 'c:d' },
      { key: 'x=y', value: 'v=w&z' },
      { key: 'with space', value: ' edge spaces ' },
      { key: '100%', value: '%41' },
      { key: 'Ünï ✓', value: 'a:b=c d' },
      { key: ':', value: ':' },
    ];
    for (const op of ['IS', 'IS_NOT', 'CONTAINS'] as const) {
      const filters = tricky.map(({ key, value }) => ({ dimension: 'PROPERTY' as const, op, key, value }));
      const s: DashState = { ...DEFAULT_STATE, filters };
      expect(parseState(stateToSearch(s))).toEqual(s);
    }
  });
  it('tells filters on different properties apart', () => {
    const other = { ...plan, key: 'tier' };
    expect(parseState(stateToSearch({ ...DEFAULT_STATE, filters: [plan, other] })).filters).toEqual([plan, other]);
    // A click on a value replaces the same property's IS filter only.
    let f = addFilter([plan], other);
    expect(f).toEqual([plan, other]);
    f = addFilter(f, { ...plan, value: 'free' });
    expect(f).toEqual([other, { ...plan, value: 'free' }]);
    expect(removeFilter(f, other)).toEqual([{ ...plan, value: 'free' }]);
  });
  it('ignores PROPERTY filters without a usable key', () => {
    for (const raw of ['property:is:pro', 'property:is::pro', 'property:is:plan:', `property:is:${encodeURIComponent('a"b')}:x`, 'property:is:%E0%A4%A:x', `property:is:${'k'.repeat(301)}:x`]) {
      expect(parseState(`?f=${encodeURIComponent(raw)}`).filters).toEqual([]);
    }
    expect(isPropertyKey('plan')).toBe(true);
    expect(isPropertyKey('')).toBe(false);
    expect(isPropertyKey('a\\b')).toBe(false);
  });
  it('passes the key to the API for PROPERTY only', () => {
    expect(apiFilter(plan)).toEqual(plan);
    expect(apiFilter({ dimension: 'PAGE', op: 'IS', value: '/', key: 'stray' })).toEqual({ dimension: 'PAGE', op: 'IS', value: '/' });
  });
  it('describes a property filter by its key', () => {
    expect(describeFilter(plan)).toBe('Property plan is pro');
    expect(describeFilter({ ...plan, op: 'IS_NOT', key: 'tier', value: '' }, displayValue)).toBe('Property tier is not (none)');
    expect(describeFilter({ ...plan, op: 'CONTAINS' }, filterDisplay([]))).toBe('Property plan contains pro');
    expect(filterSubject(plan)).toBe('Property plan');
    expect(filterSubject({ dimension: 'PAGE' })).toBe('Page');
  });
  it("keeps the Properties tab and its key in the URL, the key only with the tab", () => {
    const s: DashState = { ...DEFAULT_STATE, tabs: { ...DEFAULT_STATE.tabs, events: 'PROPERTY' }, propKey: 'plan: a=b' };
    expect(stateToSearch(s)).toBe('?events=property&prop=plan%3A+a%3Db');
    expect(parseState(stateToSearch(s))).toEqual(s);
    expect(parseState('?events=property')).toMatchObject({ propKey: null });
    expect(parseState('?prop=plan').propKey).toBeNull();
    expect(stateToSearch({ ...s, tabs: DEFAULT_STATE.tabs })).toBe('');
    // The tab has no details dialog: the panel lists one property's values.
    expect(hasDetails('PROPERTY')).toBe(false);
    expect(parseState('?events=property&details=events').details).toBeNull();
  });
});
