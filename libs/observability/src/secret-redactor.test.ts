import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formsOfSecret, SECRET_PIECE_LENGTH, SecretRedactor } from './secret-redactor.ts';

/** Keys as the server accepts them: at least 16 visible ASCII characters, no `,`. */
const key = fc
  .array(
    fc.integer({ min: 0x21, max: 0x7e }).filter((c) => c !== 0x2c),
    { minLength: 16, maxLength: 64 },
  )
  .map((codes) => String.fromCharCode(...codes));

/** Every way a log line could carry the key: raw, in pieces, encoded, inside Basic. */
const carriers = (secret: string, user: string): string[] => [
  secret,
  `Incorrect API key provided: ${secret}.`,
  secret.slice(3, 3 + SECRET_PIECE_LENGTH + 2),
  Buffer.from(`${user}:${secret}`).toString('base64'),
  Buffer.from(`${user}:${secret}`).toString('base64url'),
  Buffer.from(secret).toString('hex'),
  Buffer.from(secret).toString('hex').toUpperCase(),
  encodeURIComponent(secret),
  `?key=${encodeURIComponent(secret)}&x=1`,
];

describe('SecretRedactor', () => {
  it('leaves no 10-character piece of a key in any form in a JSON line, and the line stays JSON', () => {
    fc.assert(
      fc.property(key, fc.string({ maxLength: 3 }), fc.string(), (secret, user, noise) => {
        const redactor = new SecretRedactor([secret]);
        const line = JSON.stringify({ noise, values: carriers(secret, user), noise2: noise });
        const out = redactor.redact(line);
        expect(() => JSON.parse(out)).not.toThrow();
        const forms = [...formsOfSecret(secret), secret];
        for (const form of forms)
          for (let i = 0; i + SECRET_PIECE_LENGTH <= form.length; i++) {
            const piece = form.slice(i, i + SECRET_PIECE_LENGTH);
            // A piece that is a bare quote and JSON structure is checked in its escaped form.
            if (piece.includes('"') || piece.includes('\\')) continue;
            expect(out.includes(piece), `${piece} of ${JSON.stringify(secret)}`).toBe(false);
          }
      }),
      { numRuns: 300 },
    );
  });

  it('leaves text without a secret exactly as it was', () => {
    fc.assert(
      fc.property(key, fc.string(), (secret, text) => {
        fc.pre(
          ![...formsOfSecret(secret)].some((f) => text.includes(f.slice(0, SECRET_PIECE_LENGTH))),
        );
        expect(new SecretRedactor([secret]).redact(text)).toBe(text);
      }),
    );
  });

  it('redacts the secrets it is given from then on, and no longer the ones it was given before', () => {
    const old = 'old-key-0123456789abcdef';
    const next = 'new-key-fedcba9876543210';
    const redactor = new SecretRedactor([old]);
    expect(redactor.redact(`a ${old} b ${next}`)).toBe(`a [redacted] b ${next}`);
    redactor.set([next]);
    expect(redactor.redact(`a ${old} b ${next}`)).toBe(`a ${old} b [redacted]`);
  });

  it('redacts a secret shorter than a piece where it appears whole', () => {
    expect(new SecretRedactor(['sk-short']).redact('key sk-short, sk-shor')).toBe(
      'key [redacted], sk-shor',
    );
  });
});
