import { describe, expect, it } from 'vitest';
import { formatCompact, formatDate, formatDays, formatLimit, formatMoney, formatNumber, formatPercent, roleName, titleCase } from './format';
import { addDays, dayIn, isDay, isMonth, lastDays } from './dates';
import { sparklinePath } from './sparkline';
import { assignableRoles, can, canManageMember, canReadFinance, orgLanding } from './permissions';
import { describeResult, downloadLabel, fileNameOf, jobKindName, jobsPollInterval, jobStatusName } from './jobs';

describe('formatters', () => {
  it('formats numbers', () => {
    expect(formatNumber(1234567)).toBe('1,234,567');
    expect(formatCompact(999)).toBe('999');
    expect(formatCompact(1234)).toBe('1.2k');
    expect(formatCompact(1_000_000)).toBe('1M');
    expect(formatCompact(250_000)).toBe('250k');
  });
  it('formats money in minor units', () => {
    expect(formatMoney(1999, 'eur')).toBe('€19.99');
    expect(formatMoney(500, 'JPY')).toBe('¥500');
    expect(formatMoney(0, 'usd')).toBe('$0.00');
  });
  it('formats dates in UTC', () => {
    expect(formatDate('2026-11-30')).toBe('30 Nov 2026');
    expect(formatDate('2026-01-02T23:59:00Z')).toBe('2 Jan 2026');
    expect(formatDate('garbage')).toBe('garbage');
  });
  it('formats limits, days and percentages', () => {
    expect(formatLimit(2, 5)).toBe('2 of 5');
    expect(formatLimit(3, null)).toBe('3 (unlimited)');
    expect(formatDays(1)).toBe('1 day');
    expect(formatDays(730)).toBe('730 days (2 years)');
    expect(formatPercent(0.5)).toBe('50%');
    expect(formatPercent(0.025)).toBe('2.5%');
  });
  it('names roles and enum values', () => {
    expect(roleName('ADMIN')).toBe('Admin');
    expect(roleName(null)).toBe('Staff');
    expect(titleCase('PAST_DUE')).toBe('Past Due');
  });
});

describe('dates', () => {
  it('computes days and ranges', () => {
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(lastDays('2026-11-30', 30)).toEqual({ from: '2026-11-01', to: '2026-11-30' });
    expect(dayIn(new Date('2026-11-30T23:30:00Z'), 'Europe/Berlin')).toBe('2026-12-01');
    expect(dayIn(new Date('2026-11-30T23:30:00Z'), 'Not/AZone')).toBe('2026-11-30');
    expect(isDay('2026-02-30')).toBe(true); // Date rolls over; the server decides
    expect(isDay('2026-2-3')).toBe(false);
    expect(isMonth('2026-11')).toBe(true);
    expect(isMonth('2026-13')).toBe(false);
  });
});

describe('sparklinePath', () => {
  it('scales values into the box', () => {
    expect(sparklinePath([0, 10], 100, 20, 0)).toBe('M0 20 L100 0');
    expect(sparklinePath([], 100, 20)).toBe('');
    expect(sparklinePath([0, 0, 0], 10, 10, 0)).toBe('M0 10 L5 10 L10 10');
  });
});

describe('permissions', () => {
  it('follows the roles table', () => {
    expect(can('VIEWER', 'readSites')).toBe(true);
    expect(can('VIEWER', 'manageSites')).toBe(false);
    expect(can('BILLING', 'readSites')).toBe(false);
    expect(can('BILLING', 'billing')).toBe(true);
    expect(can('ADMIN', 'billing')).toBe(false);
    expect(can('ADMIN', 'deleteOrg')).toBe(false);
    expect(can('OWNER', 'deleteOrg')).toBe(true);
    expect(can(null, 'manageSites')).toBe(false);
  });
  it('limits role changes', () => {
    expect(assignableRoles('ADMIN')).not.toContain('OWNER');
    expect(assignableRoles('OWNER')).toContain('OWNER');
    expect(assignableRoles('VIEWER')).toEqual([]);
    expect(canManageMember('ADMIN', 'OWNER')).toBe(false);
    expect(canManageMember('ADMIN', 'VIEWER')).toBe(true);
    expect(orgLanding('BILLING')).toBe('billing');
    expect(orgLanding('VIEWER')).toBe('sites');
  });
  it('opens finance to operators and finance staff', () => {
    expect(canReadFinance({ isStaff: true, isFinance: false })).toBe(true);
    expect(canReadFinance({ isStaff: false, isFinance: true })).toBe(true);
    expect(canReadFinance({ isStaff: false, isFinance: false })).toBe(false);
    expect(canReadFinance(undefined)).toBe(false);
  });
});

describe('jobs', () => {
  it('polls while a job may still change', () => {
    expect(jobsPollInterval(undefined)).toBe(false);
    expect(jobsPollInterval([])).toBe(false);
    expect(jobsPollInterval([{ status: 'SUCCEEDED' }, { status: 'DEAD' }])).toBe(false);
    expect(jobsPollInterval([{ status: 'SUCCEEDED' }, { status: 'QUEUED' }])).toBe(2000);
    expect(jobsPollInterval([{ status: 'RUNNING' }], 500)).toBe(500);
    // FAILED is tried again.
    expect(jobsPollInterval([{ status: 'FAILED' }])).toBe(2000);
  });
  it('names kinds and statuses', () => {
    expect(jobKindName('EXPORT')).toBe('Export');
    expect(jobKindName('DELETE_DATA')).toBe('Deletion');
    expect(jobStatusName('FAILED')).toBe('Failed, will retry');
    expect(jobStatusName('DEAD')).toBe('Failed');
    expect(jobStatusName('SUCCEEDED')).toBe('Done');
  });
  it('describes results and file names', () => {
    expect(describeResult({ events: 12, files: 2, expired: true })).toBe('events: 12, files: 2, expired');
    expect(describeResult(null)).toBe('');
    expect(fileNameOf('http://h/exports/j/j.ndjson.gz?expires=1&sig=ab')).toBe('j.ndjson.gz');
    expect(downloadLabel('http://h/exports/j/j.csv.gz?expires=1')).toBe('CSV (gzip)');
  });
});
