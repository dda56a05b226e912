import { describe, expect, it } from 'vitest';
import {
  describeGoal,
  formatRevenue,
  goalInput,
  goalKind,
  goalName,
  refusedGoalIds,
  revenueSummary,
  sortGoalRows,
  type GoalForm,
} from './goals';

describe('describeGoal', () => {
  it('says what a goal matches', () => {
    expect(describeGoal({ pagePattern: '/blog/*', eventName: null, currency: null })).toBe('Page /blog/*');
    expect(describeGoal({ pagePattern: null, eventName: 'Signup', currency: null })).toBe('Event Signup');
    expect(describeGoal({ pagePattern: null, eventName: 'Purchase', currency: 'EUR' })).toBe('Revenue · Purchase (EUR)');
  });
  it('tells the kinds apart', () => {
    expect(goalKind({ pagePattern: '/docs/**' })).toBe('page');
    expect(goalKind({ eventName: 'Signup' })).toBe('event');
    expect(goalKind({ eventName: 'Purchase', currency: 'USD' })).toBe('revenue');
  });
});

describe('formatRevenue', () => {
  it('formats exact decimals as money in their currency', () => {
    expect(formatRevenue('1234.50', 'EUR')).toBe('€1,234.50');
    expect(formatRevenue('0.00', 'USD')).toBe('$0.00');
    expect(formatRevenue('19.9', 'gbp')).toBe('£19.90');
    expect(formatRevenue('1500', 'JPY')).toBe('¥1,500');
    // A code before the amount, with a no-break space (ICU's).
    expect(formatRevenue('12.00', 'CHF')).toMatch(/^CHF\s12\.00$/);
  });
  it('keeps the cents of totals too large for a float', () => {
    expect(formatRevenue('12345678901234567.89', 'EUR')).toBe('€12,345,678,901,234,567.89');
  });
  it('shows what it cannot format as it came', () => {
    expect(formatRevenue('12.00', 'XX1')).toBe('12.00 XX1');
    expect(formatRevenue('n/a', 'EUR')).toBe('n/a EUR');
  });
});

describe('revenueSummary', () => {
  it("shows the goal's own currency, and how many others", () => {
    const r = revenueSummary(
      [
        { currency: 'USD', total: '10.00' },
        { currency: 'EUR', total: '1234.50' },
        { currency: 'GBP', total: '5.25' },
      ],
      'EUR',
    );
    expect(r).toEqual({ shown: '€1,234.50', others: ['$10.00', '£5.25'] });
  });
  it('takes the first currency without one of its own', () => {
    expect(revenueSummary([{ currency: 'USD', total: '3.00' }], null)).toEqual({ shown: '$3.00', others: [] });
    expect(revenueSummary([{ currency: 'USD', total: '3.00' }], 'EUR')).toEqual({ shown: '$3.00', others: [] });
  });
  it('is nothing without revenue', () => {
    expect(revenueSummary([], 'EUR')).toBeNull();
  });
});

describe('goalName', () => {
  const goals = [{ id: 'g1', name: 'Signup' }];
  it('names a known goal, a deleted one, and one not known yet', () => {
    expect(goalName(goals, 'g1')).toBe('Signup');
    expect(goalName(goals, 'g9')).toBe('a deleted goal');
    expect(goalName([], 'g1')).toBe('a deleted goal');
    expect(goalName(undefined, 'g1')).toBe('a goal');
    expect(goalName(undefined, 'g1', new Set(['g1']))).toBe('a deleted goal');
  });
});

describe('refusedGoalIds', () => {
  it("finds the GOAL filters whose goal the server does not know", () => {
    const filters = [
      { dimension: 'GOAL', value: '0190aaaa-0000-7000-8000-000000000001' },
      { dimension: 'GOAL', value: '0190aaaa-0000-7000-8000-000000000002' },
      { dimension: 'PAGE', value: '/x' },
    ];
    const items = [{ code: 'BAD_USER_INPUT', message: 'filters: no goal 0190aaaa-0000-7000-8000-000000000002 on this site' }];
    expect([...refusedGoalIds(items, filters)]).toEqual(['0190aaaa-0000-7000-8000-000000000002']);
    expect(refusedGoalIds([{ code: 'INTERNAL', message: 'no goal 0190aaaa-0000-7000-8000-000000000001' }], filters).size).toBe(0);
    expect(refusedGoalIds([], filters).size).toBe(0);
  });
});

describe('sortGoalRows', () => {
  it('puts most unique conversions first, ties in the goals order', () => {
    const rows = [
      { id: 'a', visitors: 1 },
      { id: 'b', visitors: 5 },
      { id: 'c', visitors: 1 },
      { id: 'd', visitors: 0 },
    ];
    expect(sortGoalRows(rows).map((r) => r.id)).toEqual(['b', 'a', 'c', 'd']);
    expect(rows.map((r) => r.id)).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('goalInput', () => {
  const form: GoalForm = { kind: 'page', name: '', pagePattern: '', eventName: '', currency: 'EUR' };

  it('sends only the fields of the kind, the name when given', () => {
    expect(goalInput({ ...form, pagePattern: ' /blog/* ', eventName: 'left over' })).toEqual({
      input: { name: null, pagePattern: '/blog/*', eventName: null, currency: null },
      errors: null,
    });
    expect(goalInput({ ...form, kind: 'event', name: ' Signups ', eventName: 'Signup', pagePattern: '/x' })).toEqual({
      input: { name: 'Signups', pagePattern: null, eventName: 'Signup', currency: null },
      errors: null,
    });
    expect(goalInput({ ...form, kind: 'revenue', eventName: 'Purchase', currency: 'usd' })).toEqual({
      input: { name: null, pagePattern: null, eventName: 'Purchase', currency: 'USD' },
      errors: null,
    });
  });
  it('names the fields that are missing', () => {
    expect(goalInput(form).errors).toEqual({ pagePattern: 'Enter a page path or pattern, such as /blog/*.' });
    expect(goalInput({ ...form, pagePattern: 'blog/*' }).errors).toEqual({ pagePattern: 'Start the pattern with /, such as /pricing.' });
    expect(goalInput({ ...form, kind: 'event' }).errors).toEqual({ eventName: 'Enter the name of the event, such as Signup.' });
    expect(goalInput({ ...form, kind: 'revenue', eventName: 'Purchase', currency: '' }).errors).toEqual({
      currency: 'Choose the currency of the revenue.',
    });
  });
});
