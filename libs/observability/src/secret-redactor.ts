/** What a redacted stretch of text is replaced with. */
export const REDACTED = '[redacted]';

/**
 * Length of the pieces a secret is recognized by: any 10 characters in a row of the secret, or
 * of one of its encodings, are redacted wherever they appear (with the stretch around them
 * that also belongs to it).
 */
export const SECRET_PIECE_LENGTH = 10;

/**
 * The forms a secret can take in a log line: itself, JSON-escaped, URL-encoded, its UTF-8 bytes
 * in hex (either case), and its base64 and base64url at each of the three alignments (as inside
 * HTTP Basic's `user:key`), without the edge characters that depend on the bytes around it.
 */
export function formsOfSecret(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const forms = [
    secret,
    JSON.stringify(secret).slice(1, -1),
    encodeURIComponent(secret),
    bytes.toString('hex'),
    bytes.toString('hex').toUpperCase(),
  ];
  for (let shift = 0; shift < 3; shift++) {
    const shifted = Buffer.concat([Buffer.alloc(shift), bytes]);
    for (const encoding of ['base64', 'base64url'] as const) {
      const text = shifted.toString(encoding).replace(/=+$/, '');
      // The first 4 characters hold the shift's bytes, the last 4 the bytes that follow.
      forms.push(text.slice(4, -4));
    }
  }
  return forms.filter((f) => f.length >= SECRET_PIECE_LENGTH);
}

/** Backslashes in a row just before `at`. */
function backslashesBefore(text: string, at: number): number {
  let n = 0;
  while (at - n > 0 && text[at - n - 1] === '\\') n++;
  return n;
}

/**
 * Whether `form.slice(start, end)` may be redacted from a JSON log line without breaking it: it
 * neither starts nor ends inside an escape (`\"`, `\\`), and holds no bare `"` (which could be
 * the end of a JSON string in the line). The secret's JSON-escaped form, which is what a line
 * holds, keeps its other pieces.
 */
function cutsNoEscape(form: string, start: number, end: number): boolean {
  if (backslashesBefore(form, start) % 2 === 1 || backslashesBefore(form, end) % 2 === 1)
    return false;
  for (let i = start; i < end; i++)
    if (form[i] === '"' && backslashesBefore(form, i) % 2 === 0) return false;
  return true;
}

/**
 * Redacts secrets by value from text (log lines): every configured API key, the admin key, the
 * LLM key, in any form of {@link formsOfSecret}, whole or in pieces of
 * {@link SECRET_PIECE_LENGTH} characters. Path redaction (pino's `redact`) only covers the
 * fields it names; this covers a key wherever it ends up (an error message echoing it, a header
 * nobody thought of). The secrets can be replaced while it runs (keys reloaded).
 *
 * Secrets shorter than {@link SECRET_PIECE_LENGTH} are redacted where they appear whole only.
 * The cost is one set lookup per character of the text, whatever the number of secrets.
 */
export class SecretRedactor {
  #pieces = new Set<string>();
  #short: string[] = [];

  constructor(secrets: Iterable<string> = []) {
    this.set(secrets);
  }

  /** Replaces the secrets redacted from now on. Empty strings are ignored. */
  set(secrets: Iterable<string>): void {
    const pieces = new Set<string>();
    const short: string[] = [];
    for (const secret of secrets) {
      if (!secret) continue;
      if (secret.length < SECRET_PIECE_LENGTH) {
        short.push(secret);
        continue;
      }
      for (const form of formsOfSecret(secret))
        for (let i = 0; i + SECRET_PIECE_LENGTH <= form.length; i++)
          if (cutsNoEscape(form, i, i + SECRET_PIECE_LENGTH))
            pieces.add(form.slice(i, i + SECRET_PIECE_LENGTH));
    }
    this.#pieces = pieces;
    this.#short = short.sort((a, b) => b.length - a.length);
  }

  /** `text` with every stretch that holds a piece of a secret replaced by {@link REDACTED}. */
  redact(text: string): string {
    let out = text;
    for (const secret of this.#short)
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    if (this.#pieces.size === 0 || out.length < SECRET_PIECE_LENGTH) return out;
    const ranges: Array<[number, number]> = [];
    for (let i = 0; i + SECRET_PIECE_LENGTH <= out.length; i++) {
      if (!this.#pieces.has(out.slice(i, i + SECRET_PIECE_LENGTH))) continue;
      let start = i;
      const end = i + SECRET_PIECE_LENGTH;
      // Never leave half of a JSON escape (`\"`, `\\`) outside the redaction: the line stays JSON.
      if (backslashesBefore(out, start) % 2 === 1) start--;
      const last = ranges[ranges.length - 1];
      if (last && start <= last[1]) last[1] = Math.max(last[1], end);
      else ranges.push([start, end]);
    }
    if (ranges.length === 0) return out;
    let result = '';
    let at = 0;
    for (const [start, end] of ranges) {
      let stop = end;
      // A range ending on a backslash would escape what follows it: take the escaped character.
      if (backslashesBefore(out, stop) % 2 === 1 && stop < out.length) stop++;
      result += out.slice(at, start) + REDACTED;
      at = Math.max(at, stop);
    }
    return result + out.slice(at);
  }
}
