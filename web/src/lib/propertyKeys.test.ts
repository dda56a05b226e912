import { describe, expect, it } from 'vitest';
import { parsePropertyKeys, propertyKeysText } from './propertyKeys';

describe('parsePropertyKeys', () => {
  it('reads keys one a line or separated by commas', () => {
    expect(parsePropertyKeys('plan\nauthor, logged_in,\r\nab-test')).toEqual(['plan', 'author', 'logged_in', 'ab-test']);
  });
  it('keeps spaces inside a key, trims around it', () => {
    expect(parsePropertyKeys('  plan name  \n')).toEqual(['plan name']);
  });
  it('drops empty keys and repeats: an empty text keeps all', () => {
    expect(parsePropertyKeys('plan,,plan\n\n , ')).toEqual(['plan']);
    expect(parsePropertyKeys('')).toEqual([]);
    expect(parsePropertyKeys(' \n ')).toEqual([]);
  });
  it("round-trips a site's keys", () => {
    const keys = ['plan', 'plan name', 'author'];
    expect(parsePropertyKeys(propertyKeysText(keys))).toEqual(keys);
  });
});
