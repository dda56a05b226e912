import { describe, expect, it } from 'vitest';
import { DEFAULT_STATE, parseState, stateToSearch, type DashFilter } from './dashboard';
import {
  canDeleteSegment,
  filtersToSave,
  groupSegments,
  MAX_SEGMENT_FILTERS,
  parseSegmentParam,
  reportFilters,
  saveProblem,
  segmentLabel,
  segmentNameError,
  segmentRefused,
  type SegmentRef,
} from './segments';

const segId = '0190f5a2-7c1e-7d3a-9b1c-2f4e6a8b0c1d';
const page: DashFilter = { dimension: 'PAGE', op: 'IS', value: '/pricing' };
const country: DashFilter = { dimension: 'COUNTRY', op: 'IS_NOT', value: 'DE' };
const seg = (over: Partial<SegmentRef> = {}): SegmentRef => ({
  id: segId,
  name: 'Pricing visitors',
  shared: false,
  mine: true,
  filters: [{ dimension: 'PAGE', op: 'IS', value: '/pricing', key: null }],
  ...over,
});

describe('the segment in the URL', () => {
  it('is absent by default', () => {
    expect(parseState('').segment).toBeNull();
    expect(stateToSearch({ ...DEFAULT_STATE, segment: null })).toBe('');
  });

  it('round-trips as seg=<id>, beside filters', () => {
    const s = { ...DEFAULT_STATE, segment: segId, filters: [page] };
    const qs = stateToSearch(s);
    expect(qs).toBe(`?seg=${segId}&f=page%3Ais%3A%2Fpricing`);
    expect(parseState(qs)).toEqual(s);
    expect(parseState(`seg=${segId}`)).toEqual({ ...DEFAULT_STATE, segment: segId });
  });

  it('ignores what cannot be an id', () => {
    expect(parseSegmentParam(null)).toBeNull();
    expect(parseSegmentParam('')).toBeNull();
    expect(parseSegmentParam('a b')).toBeNull();
    expect(parseSegmentParam('x'.repeat(101))).toBeNull();
    expect(parseState('seg=%3Cscript%3E').segment).toBeNull();
    expect(parseSegmentParam(` ${segId} `)).toBe(segId);
  });
});

describe('reportFilters', () => {
  it("adds the segment's SEGMENT filter after the view's own", () => {
    expect(reportFilters([page], segId)).toEqual([page, { dimension: 'SEGMENT', op: 'IS', value: segId }]);
    expect(reportFilters([], segId)).toEqual([{ dimension: 'SEGMENT', op: 'IS', value: segId }]);
  });
  it('is null without filters or segment, as the API takes "none"', () => {
    expect(reportFilters([], null)).toBeNull();
    expect(reportFilters([page], null)).toEqual([page]);
  });
});

describe('filtersToSave', () => {
  it("saves the view's filters", () => {
    expect(filtersToSave([page, country], null)).toEqual([
      { dimension: 'PAGE', op: 'IS', value: '/pricing', key: null },
      { dimension: 'COUNTRY', op: 'IS_NOT', value: 'DE', key: null },
    ]);
  });
  it("with a segment active, saves its filters and then the view's it does not hold, so the view stays the same", () => {
    const active = seg({ filters: [{ dimension: 'PROPERTY', op: 'IS', value: 'pro', key: 'plan' }, { dimension: 'PAGE', op: 'IS', value: '/pricing', key: null }] });
    expect(filtersToSave([page, country], active)).toEqual([
      { dimension: 'PROPERTY', op: 'IS', value: 'pro', key: 'plan' },
      { dimension: 'PAGE', op: 'IS', value: '/pricing', key: null },
      { dimension: 'COUNTRY', op: 'IS_NOT', value: 'DE', key: null },
    ]);
  });
  it('says when there is nothing to save, or too much', () => {
    expect(saveProblem([])).toMatch(/at least one/);
    expect(saveProblem(filtersToSave([page], null))).toBeNull();
    const many = Array.from({ length: MAX_SEGMENT_FILTERS + 1 }, (_, i) => ({ dimension: 'PAGE', op: 'IS', value: `/${i}` }));
    expect(saveProblem(many)).toMatch(/at most 20/);
    expect(saveProblem(many.slice(1))).toBeNull();
  });
});

describe('segment names', () => {
  it('takes 1 to 120 characters once trimmed', () => {
    expect(segmentNameError('  ')).toBe('Enter a name.');
    expect(segmentNameError('Pricing')).toBeNull();
    expect(segmentNameError('é'.repeat(120))).toBeNull();
    expect(segmentNameError('x'.repeat(121))).toBe('At most 120 characters.');
  });
  it('reads the view\'s segment by name, or says it is gone', () => {
    expect(segmentLabel(undefined, segId)).toBe('a segment');
    expect(segmentLabel([seg()], segId)).toBe('Pricing visitors');
    expect(segmentLabel([seg()], 'other')).toBe('a deleted segment');
    expect(segmentLabel([seg()], segId, true)).toBe('a deleted segment');
  });
});

describe('who may delete a segment', () => {
  it('owners and admins delete shared ones; anyone their own private ones', () => {
    expect(canDeleteSegment({ shared: true, mine: false }, true)).toBe(true);
    expect(canDeleteSegment({ shared: true, mine: true }, true)).toBe(true);
    expect(canDeleteSegment({ shared: true, mine: true }, false)).toBe(false);
    expect(canDeleteSegment({ shared: true, mine: false }, false)).toBe(false);
    expect(canDeleteSegment({ shared: false, mine: true }, false)).toBe(true);
    expect(canDeleteSegment({ shared: false, mine: true }, true)).toBe(true);
  });
});

describe('groupSegments', () => {
  it('lists the shared ones apart from the private ones, keeping the order', () => {
    const a = seg({ id: 'a', name: 'A', shared: true, mine: false });
    const b = seg({ id: 'b', name: 'B' });
    const c = seg({ id: 'c', name: 'C', shared: true, mine: true });
    expect(groupSegments([a, b, c])).toEqual({ shared: [a, c], mine: [b] });
  });
});

describe('segmentRefused', () => {
  it("finds the server's refusal of the view's segment", () => {
    const items = [{ code: 'BAD_USER_INPUT', message: `filters: no segment ${segId} on this site` }];
    expect(segmentRefused(items, segId)).toBe(true);
    expect(segmentRefused(items, null)).toBe(false);
    expect(segmentRefused(items, 'other')).toBe(false);
    expect(segmentRefused([{ code: 'INTERNAL', message: `segment ${segId}` }], segId)).toBe(false);
  });
});
