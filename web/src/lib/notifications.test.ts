import { describe, expect, it } from 'vitest';
import { alertAction, alertForm, EMPTY_RECIPIENT, memberSuggestions, noKind, recipientInput } from './notifications';

describe("the recipients' form", () => {
  it('starts with weekly ticked', () => {
    expect(EMPTY_RECIPIENT).toEqual({ email: '', weekly: true, monthly: false, alerts: false });
  });
  it('sends the address trimmed and the kinds as ticked', () => {
    expect(recipientInput({ email: '  ops@example.com ', weekly: true, monthly: false, alerts: true })).toEqual({
      input: { email: 'ops@example.com', weekly: true, monthly: false, alerts: true },
      errors: null,
    });
  });
  it('asks for an address and at least one kind, under the fields the API names', () => {
    expect(recipientInput({ email: ' ', weekly: false, monthly: false, alerts: false })).toEqual({
      input: null,
      errors: { email: 'Enter an email address.', weekly: 'Choose at least one kind of email.' },
    });
    expect(recipientInput({ ...EMPTY_RECIPIENT, email: 'not an address' }).errors).toEqual({
      email: 'Enter an email address, such as name@example.com.',
    });
  });
  it('knows a recipient with no kind receives nothing', () => {
    expect(noKind({ weekly: false, monthly: false, alerts: false })).toBe(true);
    expect(noKind({ weekly: false, monthly: false, alerts: true })).toBe(false);
  });
  it("suggests the members' addresses not listed yet, each once, sorted", () => {
    expect(memberSuggestions(['zoe@example.com', 'Ann@example.com', 'bob@example.com', 'ann@example.com ', ''], ['BOB@example.com'])).toEqual([
      'Ann@example.com',
      'zoe@example.com',
    ]);
    expect(memberSuggestions([], ['a@example.com'])).toEqual([]);
  });
});

describe("the traffic alerts' forms", () => {
  it("start from the site's alert, or off with the kind's defaults", () => {
    expect(alertForm('SPIKE', null)).toEqual({ enabled: false, threshold: '100', everyHours: '6' });
    expect(alertForm('SILENCE', undefined)).toEqual({ enabled: false, threshold: '24', everyHours: '24' });
    expect(alertForm('SPIKE', { threshold: 250, everyHours: 12 })).toEqual({ enabled: true, threshold: '250', everyHours: '12' });
  });
  it('set the alert when on, delete it when off (the numbers unchecked)', () => {
    expect(alertAction('SPIKE', { enabled: true, threshold: ' 500 ', everyHours: '6' })).toEqual({
      action: 'set',
      threshold: 500,
      everyHours: 6,
      errors: null,
    });
    expect(alertAction('SILENCE', { enabled: false, threshold: 'x', everyHours: '0' })).toEqual({ action: 'delete', errors: null });
  });
  it("check each kind's bounds: visitors up to a million, silent hours up to a week, every up to 720 hours", () => {
    expect(alertAction('SPIKE', { enabled: true, threshold: '1000000', everyHours: '720' }).action).toBe('set');
    expect(alertAction('SPIKE', { enabled: true, threshold: '1000001', everyHours: '721' }).errors).toEqual({
      threshold: 'Enter a whole number of visitors from 1 to 1,000,000.',
      everyHours: 'Enter a whole number of hours from 1 to 720.',
    });
    expect(alertAction('SILENCE', { enabled: true, threshold: '168', everyHours: '1' }).action).toBe('set');
    for (const bad of ['0', '169', '1.5', '', '-2', '1e2']) {
      expect(alertAction('SILENCE', { enabled: true, threshold: bad, everyHours: '12' }).errors).toEqual({
        threshold: 'Enter a whole number of hours from 1 to 168.',
      });
    }
  });
});
