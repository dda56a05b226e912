import { describe, expect, it } from 'vitest';
import { parseState } from '../lib/dashboard';
import { dashboardSiteId, dashboardVars, MAP_ROWS, PANEL_ROWS } from './dashboardQueries';

describe('dashboardSiteId', () => {
  it('finds the site of a dashboard path only', () => {
    expect(dashboardSiteId('/orgs/acme/sites/0190abcd')).toBe('0190abcd');
    expect(dashboardSiteId('/orgs/acme/sites/0190abcd/')).toBe('0190abcd');
    expect(dashboardSiteId('/orgs/acme/sites/new')).toBeNull();
    expect(dashboardSiteId('/orgs/acme/sites')).toBeNull();
    expect(dashboardSiteId('/orgs/acme/sites/0190abcd/settings')).toBeNull();
    expect(dashboardSiteId('/orgs/acme/sites/%E0%A4%A')).toBeNull();
  });
});

describe('dashboardVars', () => {
  it('asks for the last 30 days to today, by day, comparing off', () => {
    const v = dashboardVars('s1', parseState('period=30d'), '2026-12-01')!;
    expect(v.range).toEqual({ from: '2026-11-02', to: '2026-12-01' });
    expect(v.interval).toBe('DAY');
    expect(v.comparing).toBe(false);
    expect(v.comparison).toBeNull();
    expect(v.statsComparison).toBe('PREVIOUS_PERIOD');
    expect(v.limit).toBe(PANEL_ROWS);
    expect(v.locationsLimit).toBe(PANEL_ROWS);
    expect(v.filters).toBeNull();
    // Top pages show no visit figures: the server is spared today's visits.
    expect(v.pageVisits).toBe(false);
  });

  it('follows the view: comparison, tabs, filters', () => {
    const s = parseState('period=7d&compare=year&f=page:is:/blog');
    const v = dashboardVars('s1', { ...s, tabs: { ...s.tabs, pages: 'ENTRY_PAGE', locations: 'MAP' } }, '2026-12-01')!;
    expect(v.comparing).toBe(true);
    expect(v.comparison).toBe('YEAR_OVER_YEAR');
    expect(v.statsComparison).toBe('YEAR_OVER_YEAR');
    expect(v.pages).toBe('ENTRY_PAGE');
    expect(v.pageVisits).toBe(true);
    expect(v.locations).toBe('COUNTRY');
    expect(v.locationsLimit).toBe(MAP_ROWS);
    expect(v.filters).toEqual([{ dimension: 'PAGE', op: 'IS', value: '/blog' }]);
  });

  it("asks for the goals' conversions only while the Goals tab is open, and then not for custom events", () => {
    expect(dashboardVars('s1', parseState(''), '2026-12-01')!.goalsTab).toBe(false);
    expect(dashboardVars('s1', parseState('events=event_name'), '2026-12-01')!.goalsTab).toBe(false);
    expect(dashboardVars('s1', parseState('events=goals'), '2026-12-01')!.goalsTab).toBe(true);
    // A GOAL filter alone opens nothing: the filter goes with the rest.
    const filtered = dashboardVars('s1', parseState('f=goal:is:g1'), '2026-12-01')!;
    expect(filtered.goalsTab).toBe(false);
    expect(filtered.filters).toEqual([{ dimension: 'GOAL', op: 'IS', value: 'g1' }]);
  });

  it('asks for property keys and values only while the Properties tab is open, and then not for custom events', () => {
    const closed = dashboardVars('s1', parseState('prop=plan'), '2026-12-01')!;
    expect(closed).toMatchObject({ propertiesTab: false, propertyValues: false, propertyKey: null, eventsTab: true, goalsTab: false });
    // No key in the URL: the keys only; the page then names the first of them.
    const keysOnly = dashboardVars('s1', parseState('events=property'), '2026-12-01')!;
    expect(keysOnly).toMatchObject({ propertiesTab: true, propertyValues: false, propertyKey: null, eventsTab: false, goalsTab: false });
    const withKey = dashboardVars('s1', parseState('events=property&prop=plan'), '2026-12-01')!;
    expect(withKey).toMatchObject({ propertiesTab: true, propertyValues: true, propertyKey: 'plan', eventsTab: false });
    const s = parseState('events=property');
    expect(dashboardVars('s1', { ...s, propKey: 'a:b c' }, '2026-12-01')!.propertyKey).toBe('a:b c');
    expect(dashboardVars('s1', parseState('events=goals'), '2026-12-01')).toMatchObject({ goalsTab: true, eventsTab: false, propertiesTab: false });
  });

  it("passes a PROPERTY filter's key, and no key for the others", () => {
    const v = dashboardVars('s1', parseState('f=property:is:plan:pro&f=page:is:/'), '2026-12-01')!;
    expect(v.filters).toEqual([
      { dimension: 'PROPERTY', op: 'IS', value: 'pro', key: 'plan' },
      { dimension: 'PAGE', op: 'IS', value: '/' },
    ]);
    expect(Object.keys(v.filters![1]!)).not.toContain('key');
  });

  it("applies the view's segment beside its filters, in the one Dashboard request", () => {
    const seg = '0190f5a2-7c1e-7d3a-9b1c-2f4e6a8b0c1d';
    const v = dashboardVars('s1', parseState(`seg=${seg}&f=page:is:/blog`), '2026-12-01')!;
    expect(v.filters).toEqual([
      { dimension: 'PAGE', op: 'IS', value: '/blog' },
      { dimension: 'SEGMENT', op: 'IS', value: seg },
    ]);
    expect(dashboardVars('s1', parseState(`seg=${seg}`), '2026-12-01')!.filters).toEqual([{ dimension: 'SEGMENT', op: 'IS', value: seg }]);
  });

  it('asks nothing for the realtime view', () => {
    expect(dashboardVars('s1', parseState('period=realtime'), '2026-12-01')).toBeNull();
  });

  it('depends on the date only: the same view on the same day is the same query', () => {
    const s = parseState('period=month');
    expect(dashboardVars('s1', s, '2026-12-01')).toEqual(dashboardVars('s1', s, '2026-12-01'));
    expect(dashboardVars('s1', s, '2026-12-01')).not.toEqual(dashboardVars('s1', s, '2026-12-02'));
  });
});

describe("a share link's dashboard", () => {
  it('asks for no segments, nor applies one from the URL', () => {
    const s = parseState('period=7d&seg=0190abcd-0000-7000-8000-000000000001');
    const member = dashboardVars('s1', s, '2026-12-01')!;
    expect(member.segments).toBe(true);
    expect(member.filters).toEqual([{ dimension: 'SEGMENT', op: 'IS', value: '0190abcd-0000-7000-8000-000000000001' }]);
    const shared = dashboardVars('s1', s, '2026-12-01', true)!;
    expect(shared.segments).toBe(false);
    expect(shared.filters).toBeNull();
  });
});
