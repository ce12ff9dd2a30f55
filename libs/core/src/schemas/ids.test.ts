import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/validation-error.ts';
import { ID_MAX_LENGTH, ID_RULE, IdSchema, isId, toId } from './ids.ts';

describe('the one id rule', () => {
  const valid = ['a', '0', 'session-1', 'Tenant_2.b', 'x'.repeat(ID_MAX_LENGTH)];
  const invalid = [
    '',
    '-leading-dash',
    '.hidden',
    'a:b',
    'a{b}',
    'with space',
    'x'.repeat(ID_MAX_LENGTH + 1),
    'é',
    'a\u0000b',
    'a/b',
  ];

  it.each(valid)('accepts %j everywhere', (value) => {
    expect(isId(value)).toBe(true);
    expect(toId(value)).toBe(value);
    expect(IdSchema.safeParse(value).success).toBe(true);
  });

  it.each(invalid)('refuses %j everywhere, naming the field and the rule', (value) => {
    expect(isId(value)).toBe(false);
    expect(IdSchema.safeParse(value).success).toBe(false);
    expect(() => toId(value, 'events[2].sessionId')).toThrow(ValidationError);
    expect(() => toId(value, 'events[2].sessionId')).toThrow(`events[2].sessionId: ${ID_RULE}`);
  });

  it('refuses what is not a string', () => {
    for (const value of [null, undefined, 7, {}, ['a']]) {
      expect(isId(value)).toBe(false);
      expect(() => toId(value, 'tenant')).toThrow(/^tenant: expected 1 to 128 characters/);
    }
  });
});
