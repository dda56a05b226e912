import { describe, expect, it } from 'vitest';
import {
  addFilter,
  change,
  customRangeError,
  DEFAULT_STATE,
  describeFilter,
  displayValue,
  formatBucket,
  formatDuration,
  formatRange,
  intervalFor,
  isTypingTarget,
  parseState,
  periodForKey,
  previousRange,
  rangeOf,
  removeFilter,
  siteToday,
  stateToSearch,
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
      compare: true,
      metric: 'pageviews',
      filters: [
        { dimension: 'PAGE', op: 'IS', value: '/blog/a:b?c=d&e' },
        { dimension: 'COUNTRY', op: 'IS_NOT', value: 'DE' },
      ],
      tabs: { sources: 'UTM_CAMPAIGN', pages: 'EXIT_PAGE', locations: 'CITY', devices: 'OS' },
    };
    const qs = stateToSearch(s);
    expect(qs).toContain('period=custom');
    expect(qs).toContain('compare=previous');
    expect(parseState(qs)).toEqual(s);
  });
  it('ignores unknown or broken values', () => {
    const s = parseState('?period=forever&metric=x&f=nope:is:x&f=page:maybe:x&f=page:is:&sources=CITY&from=2026-01-01');
    expect(s.period).toBe('30d');
    expect(s.metric).toBe('visitors');
    expect(s.filters).toEqual([]);
    expect(s.tabs.sources).toBe('SOURCE');
    expect(s.from).toBeNull();
  });
  it('drops duplicate filters', () => {
    expect(parseState('?f=page:is:/a&f=page:is:/a').filters).toHaveLength(1);
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
  it('formats changes', () => {
    expect(change('visitors', 1840, 1702)).toEqual({ value: 8, text: '+8%' });
    expect(change('visitors', 50, 100)).toEqual({ value: -50, text: '−50%' });
    expect(change('visitors', 5, 0)).toBeNull();
    expect(change('visitors', 0, 0)).toEqual({ value: 0, text: '0%' });
    expect(change('bounceRate', 41.2, 45)).toEqual({ value: -3.8, text: '−3.8 pp' });
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
