import { describe, expect, it } from 'vitest';
import { deviceName, orderSessions } from './sessions';

describe('sessions', () => {
  it('names devices', () => {
    expect(deviceName('Firefox on Linux')).toBe('Firefox on Linux');
    expect(deviceName(null)).toBe('Unknown device');
    expect(deviceName(undefined)).toBe('Unknown device');
    expect(deviceName('  ')).toBe('Unknown device');
  });
  it('puts the current session first, keeping the order of the others', () => {
    const list = [
      { id: 'a', current: false },
      { id: 'b', current: true },
      { id: 'c', current: false },
    ];
    expect(orderSessions(list).map((s) => s.id)).toEqual(['b', 'a', 'c']);
    expect(orderSessions([])).toEqual([]);
  });
});
