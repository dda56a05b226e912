import { describe, expect, it } from 'vitest';
import { ApiError, fieldMessage, fieldName, isRetryable, splitErrors, toErrorItem } from './errors';

describe('toErrorItem', () => {
  it('reads code, field and path', () => {
    const item = toErrorItem({
      message: 'retentionOverrideDays: must be between 1 and 30',
      path: ['updateSite'],
      extensions: { code: 'BAD_USER_INPUT', field: 'retentionOverrideDays' },
    });
    expect(item).toEqual({
      message: 'retentionOverrideDays: must be between 1 and 30',
      code: 'BAD_USER_INPUT',
      field: 'retentionOverrideDays',
      path: ['updateSite'],
    });
  });
  it('maps unknown or missing codes to GRAPHQL', () => {
    expect(toErrorItem({ message: 'Query is too complex.' }).code).toBe('GRAPHQL');
    expect(toErrorItem({ message: 'x', extensions: { code: 'WEIRD' } }).code).toBe('GRAPHQL');
    expect(toErrorItem(null).message).toBe('request failed');
  });
});

describe('fieldName and fieldMessage', () => {
  it('takes the last segment of a path', () => {
    expect(fieldName('input.retentionOverrideDays')).toBe('retentionOverrideDays');
    expect(fieldName('allowedHostnames[3]')).toBe('allowedHostnames');
    expect(fieldName('email')).toBe('email');
  });
  it('drops the field prefix of the message', () => {
    expect(fieldMessage({ message: 'password: is too easy to guess', code: 'BAD_USER_INPUT', field: 'password' })).toBe(
      'Is too easy to guess',
    );
    expect(fieldMessage({ message: 'no prefix here', code: 'BAD_USER_INPUT', field: 'password' })).toBe('no prefix here');
  });
});

describe('splitErrors', () => {
  const err = new ApiError([
    { message: 'domain: is an IP address', code: 'BAD_USER_INPUT', field: 'domain' },
    { message: 'query: syntax error', code: 'BAD_USER_INPUT', field: 'query' },
    { message: 'the plan allows 1 site', code: 'PLAN_LIMIT' },
  ]);
  it('puts the form fields next to their fields and the rest in the box', () => {
    const s = splitErrors(err, ['domain', 'name']);
    expect(s.fields).toEqual({ domain: 'Is an IP address' });
    expect(s.rest.map((i) => i.code)).toEqual(['BAD_USER_INPUT', 'PLAN_LIMIT']);
  });
  it('follows aliases', () => {
    const s = splitErrors(new ApiError([{ message: 'x', code: 'BAD_USER_INPUT', field: 'newPassword' }]), ['password'], {
      newPassword: 'password',
    });
    expect(s.fields).toEqual({ password: 'x' });
  });
  it('turns a thrown non-ApiError into a NETWORK item', () => {
    const s = splitErrors(new TypeError('Failed to fetch'), ['email']);
    expect(s.rest).toEqual([{ message: 'Failed to fetch', code: 'NETWORK' }]);
  });
});

describe('isRetryable', () => {
  it('retries transient failures only', () => {
    expect(isRetryable(new ApiError([{ message: 'x', code: 'TIMEOUT' }]))).toBe(true);
    expect(isRetryable(new ApiError([{ message: 'x', code: 'FORBIDDEN' }]))).toBe(false);
    expect(isRetryable(new Error('boom'))).toBe(true);
  });
});
