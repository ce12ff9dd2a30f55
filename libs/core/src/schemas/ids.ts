/**
 * The one id rule: tenants, sessions and events are named by an {@link Id}, checked here and
 * nowhere else (the HTTP schemas, the SDK, the queue producer, the runtimes, the server's key
 * file and the workers' configuration all call {@link IdSchema}, {@link isId} or {@link toId}).
 *
 * An id is safe in a Redis key and a Cluster hash tag (no `{`, `}`, `:`), in a BullMQ job id
 * (no `:`) and in a URL path segment.
 */
import { z } from 'zod';
import { ValidationError } from '../errors/validation-error.ts';

/** Longest id, in characters. */
export const ID_MAX_LENGTH = 128;

/** Letters, digits, `.`, `_` and `-`, starting with a letter or digit. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The rule, as error messages state it. */
export const ID_RULE = `expected 1 to ${ID_MAX_LENGTH} characters of letters, digits, ".", "_" or "-", starting with a letter or digit`;

/** A session, event or tenant id (see {@link ID_PATTERN}): a string that passed the rule. */
export const IdSchema = z
  .string({ error: ID_RULE })
  .min(1, { error: ID_RULE })
  .max(ID_MAX_LENGTH, { error: ID_RULE })
  .regex(ID_PATTERN, { error: ID_RULE })
  .brand<'Id'>();

/** A string known to follow the id rule; made only by {@link IdSchema}, {@link isId} or {@link toId}. */
export type Id = z.infer<typeof IdSchema>;

/** Whether `value` follows the id rule. */
export function isId(value: unknown): value is Id {
  return typeof value === 'string' && value.length <= ID_MAX_LENGTH && ID_PATTERN.test(value);
}

/** `value` as an {@link Id}, or a {@link ValidationError} naming `field` and the rule. */
export function toId(value: unknown, field = 'id'): Id {
  if (!isId(value)) throw new ValidationError([{ path: field, rule: ID_RULE }]);
  return value;
}
