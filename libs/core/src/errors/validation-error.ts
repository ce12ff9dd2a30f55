import type { z } from 'zod';

/** One problem with an input: where it is and which rule it broke. */
export interface ValidationIssue {
  /** Dotted path of the offending field, e.g. `events[3].content`. */
  path: string;
  /** The rule, e.g. `expected a string of at most 32768 characters`. */
  rule: string;
}

/**
 * Input refused at the door. The message names each field and its rule, so that the caller
 * knows what to fix; nothing was written when this is thrown.
 */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(readonly issues: ValidationIssue[]) {
    super(issues.map((i) => `${i.path || '(root)'}: ${i.rule}`).join('; '));
  }
}

/** Renders a zod path as `events[3].content` / `metadata["a b"]`, prefixed by `root` if given. */
export function formatPath(path: ReadonlyArray<PropertyKey>, root = ''): string {
  let out = root;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key))
      out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/** Turns zod issues into our issues with readable rules. */
export function issuesFromZod(error: z.ZodError, root = ''): ValidationIssue[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path, root), rule: ruleOf(issue) }));
}

/** zod's own messages start like this; anything else was written for the field, and wins. */
const ZOD_DEFAULT_MESSAGE = /^(Invalid|Too (big|small)|Unrecognized key|Expected)/;

const plural = (n: unknown, word: string) => `${String(n)} ${word}${Number(n) === 1 ? '' : 's'}`;

function ruleOf(issue: z.core.$ZodIssue): string {
  if (
    issue.message &&
    !ZOD_DEFAULT_MESSAGE.test(issue.message) &&
    issue.code !== 'unrecognized_keys'
  )
    return issue.message;
  switch (issue.code) {
    case 'invalid_type': {
      // zod 4 says "Invalid input: expected string, received number": keep the useful part.
      const said = /^Invalid input: (expected .*)$/.exec(issue.message ?? '');
      return said ? said[1]! : `expected ${issue.expected}`;
    }
    case 'too_big':
      return issue.origin === 'string'
        ? `expected a string of at most ${String(issue.maximum)} characters`
        : issue.origin === 'array'
          ? `expected at most ${plural(issue.maximum, 'item')}`
          : `expected a value ${issue.inclusive ? '<=' : '<'} ${String(issue.maximum)}`;
    case 'too_small':
      return issue.origin === 'string'
        ? `expected a string of at least ${String(issue.minimum)} characters`
        : issue.origin === 'array'
          ? `expected at least ${plural(issue.minimum, 'item')}`
          : `expected a value ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      return issue.message || 'matches none of the allowed shapes';
    default:
      return issue.message;
  }
}

/** Parses `input` with `schema` or throws a ValidationError naming every bad field. */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  input: unknown,
  root = '',
): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ValidationError(issuesFromZod(result.error, root));
  return result.data;
}
