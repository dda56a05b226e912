import { describe, expect, it } from 'vitest';
import {
  addStep,
  barPercent,
  DEFAULT_FUNNEL_STATE,
  describeStep,
  dropOffRate,
  EMPTY_STEP,
  FUNNEL_PERIODS,
  formatRate,
  funnelInput,
  funnelStateToSearch,
  MAX_STEPS,
  parseFunnelState,
  patternError,
  removeStep,
  stepOfError,
  type StepFigures,
  type StepForm,
} from './funnels';

const steps: StepFigures[] = [
  { label: 'Visit /', visitors: 200, dropOff: 0, conversionRate: 100 },
  { label: 'Visit /pricing', visitors: 80, dropOff: 120, conversionRate: 40 },
  { label: 'Signed up', visitors: 1, dropOff: 79, conversionRate: 0.5 },
];

describe('funnels in the URL', () => {
  it('defaults to the first funnel over 30 days, with an empty query string', () => {
    expect(parseFunnelState('')).toEqual(DEFAULT_FUNNEL_STATE);
    expect(funnelStateToSearch(DEFAULT_FUNNEL_STATE)).toBe('');
  });
  it('round-trips the funnel and every period offered', () => {
    for (const { id } of FUNNEL_PERIODS) {
      const s = { funnel: '0190f5a2-7c1e-7d3a-9b1c-2f4e6a8b0c1d', period: id, from: null, to: null };
      expect(parseFunnelState(funnelStateToSearch(s))).toEqual(s);
    }
    expect(funnelStateToSearch({ funnel: 'f1', period: '7d', from: null, to: null })).toBe('?funnel=f1&period=7d');
  });
  it('offers closed ranges only (a custom range is read from a link, not offered), no realtime', () => {
    expect(FUNNEL_PERIODS.map((p) => p.id)).toEqual(['day', 'yesterday', '7d', '30d', 'month', 'lastmonth', '12mo']);
    expect(parseFunnelState('?period=realtime').period).toBe('30d');
    expect(parseFunnelState('?period=custom&from=2026-01-01&to=2026-01-02').period).toBe('custom');
    expect(parseFunnelState(`?funnel=${'x'.repeat(101)}`).funnel).toBeNull();
  });
});

describe("a funnel's bars and figures", () => {
  it('draws each bar in proportion to the visitors, the first full', () => {
    expect(steps.map((s) => barPercent(s.visitors, steps))).toEqual([100, 40, 0.5]);
    expect(barPercent(0, [{ visitors: 0 }, { visitors: 0 }])).toBe(0);
    expect(barPercent(5, [])).toBe(0);
  });
  it('formats rates', () => {
    expect(formatRate(100)).toBe('100%');
    expect(formatRate(40)).toBe('40%');
    expect(formatRate(42.857)).toBe('42.9%');
    expect(formatRate(0.5)).toBe('0.5%');
    expect(formatRate(0)).toBe('0%');
    expect(formatRate(Number.NaN)).toBe('0%');
  });
  it('computes the drop-off as a share of the step before', () => {
    expect(dropOffRate(steps, 0)).toBe(0);
    expect(dropOffRate(steps, 1)).toBe(60);
    expect(dropOffRate(steps, 2)).toBeCloseTo(98.75);
    expect(dropOffRate([{ visitors: 0, dropOff: 0 }, { visitors: 0, dropOff: 0 }], 1)).toBe(0);
  });
  it('says each step in words for screen readers', () => {
    expect(describeStep(steps, 0)).toBe('Step 1, Visit /: 200 visitors entered the funnel.');
    expect(describeStep(steps, 1)).toBe('Step 2, Visit /pricing: 80 visitors, 120 dropped off (60%), 40% converted.');
    expect(describeStep(steps, 2)).toBe('Step 3, Signed up: 1 visitor, 79 dropped off (98.8%), 0.5% converted.');
  });
});

describe('the "New funnel" form', () => {
  const page = (pagePattern: string): StepForm => ({ ...EMPTY_STEP, pagePattern });
  const goal = (goalId: string): StepForm => ({ kind: 'goal', pagePattern: '', goalId });

  it('builds the input: trimmed name, page patterns and goals in order', () => {
    expect(funnelInput('  Checkout ', [page(' /pricing '), goal('g1'), page('/thanks')])).toEqual({
      input: { name: 'Checkout', steps: [{ pagePattern: '/pricing' }, { goalId: 'g1' }, { pagePattern: '/thanks' }] },
    });
  });
  it('names what is wrong, field by field and step by step', () => {
    expect(funnelInput('', [page('pricing'), goal('')]).errors).toEqual({
      name: 'Enter a name.',
      'step-1': 'A page pattern starts with /.',
      'step-2': 'Choose a goal.',
    });
    expect(funnelInput('x'.repeat(121), [page('/a'), page('/b')]).errors).toEqual({ name: "A funnel's name has at most 120 characters." });
    expect(funnelInput('F', [page('/a')]).errors).toEqual({ steps: 'A funnel has 2 to 8 steps.' });
    expect(funnelInput('F', Array.from({ length: 9 }, () => page('/a'))).errors).toEqual({ steps: 'A funnel has 2 to 8 steps.' });
  });
  it('checks page patterns as goals do', () => {
    expect(patternError('/blog/*')).toBeNull();
    expect(patternError('/docs/**')).toBeNull();
    expect(patternError('')).toMatch(/Enter a page pattern/);
    expect(patternError('/a b')).toBe('A page pattern has no spaces.');
    expect(patternError('/***')).toBe('A page pattern has no ***.');
    expect(patternError(`/${'a'.repeat(300)}`)).toBe('A page pattern has at most 300 characters.');
  });
  it('adds and removes steps within 2 to 8', () => {
    let s: StepForm[] = [page('/a'), page('/b')];
    expect(removeStep(s, 0)).toEqual(s);
    for (let i = 0; i < 10; i++) s = addStep(s);
    expect(s).toHaveLength(MAX_STEPS);
    expect(removeStep(s, 0)).toHaveLength(MAX_STEPS - 1);
    expect(removeStep([page('/a'), page('/b'), page('/c')], 1)).toEqual([page('/a'), page('/c')]);
  });
  it("finds the step a server's steps error is about", () => {
    expect(stepOfError('Step 2: no goal x on this site')).toBe(2);
    expect(stepOfError('step 8: a page pattern starts with /')).toBe(8);
    expect(stepOfError('A funnel has 2 to 8 steps')).toBeNull();
  });
});

describe('a custom range in the funnels URL', () => {
  it('round-trips, and falls back when invalid', () => {
    const s = parseFunnelState('funnel=f1&period=custom&from=2026-01-15&to=2026-01-16');
    expect(s).toEqual({ funnel: 'f1', period: 'custom', from: '2026-01-15', to: '2026-01-16' });
    expect(parseFunnelState(funnelStateToSearch(s))).toEqual(s);
    expect(parseFunnelState('period=custom&from=2026-01-16&to=2026-01-15').period).toBe('30d');
    expect(parseFunnelState('period=custom').period).toBe('30d');
  });
});
