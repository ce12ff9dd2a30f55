import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stableJson } from './stable-json.ts';

describe('stableJson', () => {
  it('returns a string as it is, without JSON quotes', () => {
    expect(stableJson('it is 21°C in "Paris"')).toBe('it is 21°C in "Paris"');
    expect(stableJson('')).toBe('');
  });

  it('sorts object keys at every depth', () => {
    expect(stableJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('gives the same text for objects whose keys were inserted in different orders', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (dict) => {
        const reversed = Object.fromEntries(Object.entries(dict).reverse());
        expect(stableJson(reversed)).toBe(stableJson(dict));
      }),
    );
  });

  it('writes JSON that parses back to the same value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        fc.pre(typeof value !== 'string');
        expect(JSON.parse(stableJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('follows JSON for dates, undefined, non-finite numbers and bigints', () => {
    expect(stableJson(new Date(Date.UTC(2026, 0, 2)))).toBe('"2026-01-02T00:00:00.000Z"');
    expect(stableJson({ a: undefined, b: () => 1, c: [undefined, NaN, Infinity] })).toBe(
      '{"c":[null,null,null]}',
    );
    expect(stableJson({ n: 12345678901234567890n })).toBe('{"n":12345678901234567890}');
    expect(stableJson(null)).toBe('null');
    expect(stableJson(undefined)).toBe('');
    expect(stableJson(42)).toBe('42');
  });

  it('writes a value shared by two fields twice but refuses a cycle', () => {
    const shared = { x: 1 };
    expect(stableJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic['self'] = { back: cyclic };
    expect(() => stableJson(cyclic)).toThrow(/\$\.self\.back .*circular/);
  });
});
