import { describe, expect, it } from 'vitest';
import { splitIntoSentences } from './sentence-splitter.ts';

describe('splitIntoSentences', () => {
  it('splits prose into sentences and collapses whitespace', () => {
    expect(splitIntoSentences('We fly on June 12.   Can you   book it? Yes!')).toEqual([
      'We fly on June 12.',
      'Can you book it?',
      'Yes!',
    ]);
  });

  it('keeps versions, amounts and abbreviations inside their sentence', () => {
    expect(
      splitIntoSentences(
        'I run PostgreSQL 16.2 and pg 8.11.3, e.g. on Node 20. It costs $3,200.50 total. Dr. Silva agreed.',
      ),
    ).toEqual([
      'I run PostgreSQL 16.2 and pg 8.11.3, e.g. on Node 20.',
      'It costs $3,200.50 total.',
      'Dr. Silva agreed.',
    ]);
  });

  it('never ends a sentence inside a URL or an e-mail address', () => {
    expect(
      splitIntoSentences(
        'See https://example.com/search?q=lisbon&d=2025-06-12 first. Mail ana.ribeiro@example.com then.',
      ),
    ).toEqual([
      'See https://example.com/search?q=lisbon&d=2025-06-12 first.',
      'Mail ana.ribeiro@example.com then.',
    ]);
  });

  it('makes each markdown list item a sentence and drops the markers', () => {
    const text =
      '## Options\n- **Memmo Alfama**: €190 a night\n- Lisboa Tejo: €120 a night\n1. Book the train\n> quoted line';
    expect(splitIntoSentences(text)).toEqual([
      'Options',
      'Memmo Alfama: €190 a night',
      'Lisboa Tejo: €120 a night',
      'Book the train',
      'quoted line',
    ]);
  });

  it('joins a hard-wrapped sentence that continues in lower case', () => {
    expect(
      splitIntoSentences(
        'The db volume was initialised before\nyou set the password.\nThen restart.',
      ),
    ).toEqual(['The db volume was initialised before you set the password.', 'Then restart.']);
  });

  it('keeps only the error lines of a fenced code block', () => {
    const text =
      'It fails:\n```\nconst client = new Client();\nError: connect ECONNREFUSED 127.0.0.1:5432\n  at TCPConnectWrap\n```\nAny idea?';
    expect(splitIntoSentences(text)).toEqual([
      'It fails:',
      'Error: connect ECONNREFUSED 127.0.0.1:5432',
      'Any idea?',
    ]);
  });

  it('treats an unclosed code fence as code to the end of the message', () => {
    expect(
      splitIntoSentences('Here:\n```sql\nSELECT 1;\nERROR: relation "orders" does not exist'),
    ).toEqual(['Here:', 'ERROR: relation "orders" does not exist']);
  });

  it('returns nothing for empty or blank text', () => {
    expect(splitIntoSentences('')).toEqual([]);
    expect(splitIntoSentences(' \n\t\n ')).toEqual([]);
  });

  it('keeps emoji and non-Latin scripts whole', () => {
    expect(splitIntoSentences('Let’s go 🇵🇹👨‍👩‍👧! 我们六月去里斯本。')).toEqual([
      'Let’s go 🇵🇹👨‍👩‍👧!',
      '我们六月去里斯本。',
    ]);
  });
});
