/** Anything with a case-insensitive `get`, like the `Headers` of a fetch `Response`. */
export interface HeaderSource {
  get(name: string): string | null;
}

/**
 * How long a 429 (or 503) answer asks the client to wait, in ms, or null when it does not say.
 *
 * - `retry-after-ms` (OpenAI, Azure): milliseconds, a non-negative number; wins when valid.
 * - `Retry-After` (RFC 9110): either delay-seconds (a non-negative number; fractions are
 *   accepted) or an HTTP date, whose distance from `now` is the wait (0 when in the past).
 *
 * Values that are neither are ignored, as the RFC asks.
 */
export function parseRetryAfter(headers: HeaderSource, now: number = Date.now()): number | null {
  const ms = parseNonNegativeNumber(headers.get('retry-after-ms'));
  if (ms !== null) return Math.ceil(ms);

  const value = headers.get('retry-after')?.trim();
  if (!value) return null;
  const seconds = parseNonNegativeNumber(value);
  if (seconds !== null) return Math.ceil(seconds * 1000);
  // HTTP dates (IMF-fixdate, RFC 850, asctime) open with the day's name; Date.parse would also
  // take "-5" as the year -5.
  if (!/^[A-Za-z]{3}/.test(value)) return null;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}

function parseNonNegativeNumber(value: string | null): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (!/^\d+(\.\d+)?$/.test(text)) return null;
  const number = Number(text);
  return Number.isFinite(number) ? number : null;
}
