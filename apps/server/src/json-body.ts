import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalid, unsupportedMediaType } from './problem.ts';

/**
 * Deepest nesting of arrays and objects a body may have. Deeper JSON is refused before it is
 * parsed: recursive validation of a 100 000-level body would overflow the stack.
 */
export const MAX_JSON_DEPTH = 64;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Replaces Fastify's body parsers with one strict JSON parser, so that a body is accepted only as
 * `application/json` (other types get 415) and refused with a 400 naming the rule when it is not
 * UTF-8, is nested deeper than {@link MAX_JSON_DEPTH}, is not JSON, or carries `__proto__` /
 * `constructor.prototype` keys (Fastify's own poisoning check). The size limit is Fastify's
 * `bodyLimit` (413), enforced while the body streams in.
 */
export function useStrictJsonBodies(app: FastifyInstance): void {
  const secureParse = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer' },
    (request: FastifyRequest, body: Buffer | string, done) => {
      try {
        const charset = charsetOf(request.headers['content-type']);
        if (charset !== null && charset !== 'utf-8' && charset !== 'utf8')
          throw unsupportedMediaType(request.headers['content-type']);
        const buffer = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
        if (buffer.length === 0)
          throw invalid([
            { path: 'body', rule: 'expected a JSON body (the content-type says JSON)' },
          ]);
        let text: string;
        try {
          text = strictUtf8.decode(buffer);
        } catch {
          throw invalid([
            {
              path: 'body',
              rule: `expected UTF-8 text: invalid byte sequence at offset ${firstInvalidUtf8Offset(buffer)}`,
            },
          ]);
        }
        const depth = nestingDepth(text, MAX_JSON_DEPTH);
        if (depth > MAX_JSON_DEPTH)
          throw invalid([
            { path: 'body', rule: `expected JSON nested at most ${MAX_JSON_DEPTH} levels deep` },
          ]);
        secureParse(request, text, (error, value) => {
          if (!error) return done(null, value);
          done(invalid([{ path: 'body', rule: jsonSyntaxRule(text) }]), undefined);
        });
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );
}

/** Why JSON.parse refuses `text`, or (when it accepts it) the prototype-poisoning rule. */
function jsonSyntaxRule(text: string): string {
  try {
    JSON.parse(text);
    return 'expected no "__proto__" or "constructor.prototype" keys';
  } catch (error) {
    return `expected JSON: ${(error as Error).message.slice(0, 200)}`;
  }
}

/** The `charset` parameter of a content-type, lower-cased; null when there is none. */
function charsetOf(contentType: string | undefined): string | null {
  if (!contentType) return null;
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  return match ? match[1]!.toLowerCase() : null;
}

/**
 * How deep arrays and objects nest in JSON text (brackets inside strings do not count); stops
 * counting once past `limit`. Linear in the text, no recursion.
 */
export function nestingDepth(text: string, limit = Infinity): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

/** Offset of the first byte that breaks UTF-8 (RFC 3629: no overlongs, surrogates or > U+10FFFF). */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    let cp = b & (0xff >> (need + 2));
    for (let k = 1; k <= need; k++) {
      const next = bytes[i + k];
      if (next === undefined || (next & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (next & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}
