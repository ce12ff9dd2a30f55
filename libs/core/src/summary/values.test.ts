import { describe, expect, it } from 'vitest';
import { findValues, mentionsValue, tellingValues, valuesOf, valueWeight } from './values.ts';

const kinds = (text: string) => findValues(text).map((v) => [v.kind, v.text]);

describe('values', () => {
  it('finds the exact values of a sentence, each with its kind, in order', () => {
    expect(
      kinds(
        'Mail ana.ribeiro@example.com about TP218 on June 12, the $1,486 fare and https://tap.example/b?x=1.',
      ),
    ).toEqual([
      ['email', 'ana.ribeiro@example.com'],
      ['id', 'TP218'],
      ['date', 'June 12'],
      ['amount', '$1,486'],
      ['url', 'https://tap.example/b?x=1'],
    ]);
  });

  it.each([
    ['I run PostgreSQL 16.2 with node-postgres 8.11.3.', ['PostgreSQL', '16.2', '8.11.3']],
    [
      'Edit /etc/nginx/sites-enabled/app.conf and docker-compose.yml.',
      ['/etc/nginx/sites-enabled/app.conf', 'docker-compose.yml'],
    ],
    [
      'Call +1 617-555-0142 before 9:30 am on 2026-03-01.',
      ['+1 617-555-0142', '9:30 am', '2026-03-01'],
    ],
    ['The budget is 2,400 EUR, about 12% more.', ['2,400 EUR', '12%']],
    ['My wife Ana and I fly TAP to Lisbon.', ['Ana', 'TAP', 'Lisbon']],
    ['We stay at the Memmo Alfama hotel.', ['Memmo Alfama']],
    ['Order ORD-7F3K9Q and ticket #48213 are open.', ['ORD-7F3K9Q', '#48213']],
    ['It is called "Blue Harbor" in the app.', ['Blue Harbor']],
  ])('finds %j', (sentence, expected) => expect(valuesOf(sentence)).toEqual(expected));

  it('finds nothing in a sentence without values', () => {
    expect(findValues('it works fine now, thanks')).toEqual([]);
  });

  it('weighs contacts, amounts and ids above plain numbers', () => {
    const weight = (text: string) => valueWeight(findValues(text));
    expect(weight('The budget is $3,200.')).toBeGreaterThan(weight('We are 2 people.'));
    expect(weight('Mail billing@acme.io.')).toBeGreaterThan(weight('We are 2 people.'));
    expect(weight('We fly on June 12.')).toBeGreaterThan(weight('We are 2 people.'));
    expect(weight('it works')).toBe(0);
  });

  it('takes runs longer than a value can be for noise', () => {
    expect(findValues('/a'.repeat(500))).toEqual([]);
    expect(findValues('1,'.repeat(500))).toEqual([]);
  });

  it('tells whether a text names a value as a whole token', () => {
    expect(mentionsValue('Please cancel ORD-7F3K9Q today', 'ORD-7F3K9Q')).toBe(true);
    expect(mentionsValue('Please cancel ord-7f3k9q today', 'ORD-7F3K9Q')).toBe(true);
    expect(mentionsValue('Please cancel ORD-7F3K9QX today', 'ORD-7F3K9Q')).toBe(false);
    expect(mentionsValue('the 7:15 train', '7:15')).toBe(true);
  });

  it.each([
    ['a-a-a-…', 'a-'.repeat(100_000)],
    ['A.A.A.…', 'A.'.repeat(100_000)],
    ['a@a@…', 'a@'.repeat(100_000)],
    ['http://…', 'http://a'.repeat(30_000)],
    ['A-A-A-…', 'A-'.repeat(100_000)],
    ['digits', '9'.repeat(200_000)],
  ])('scans a hostile run (%s) without blowing up', (_, text) => {
    expect(Array.isArray(findValues(text))).toBe(true);
  });

  it('counts an acronym alone for nothing, and a name of several words above a single word', () => {
    const weight = (text: string) => valueWeight(findValues(text));
    expect(findValues('Open a PR for the CSV export.').map((v) => v.text)).toEqual(['PR', 'CSV']);
    expect(weight('Open a PR for the CSV export.')).toBe(0);
    expect(tellingValues('Open a PR for the CSV export.')).toEqual([]);
    expect(weight('Ask Mateo Novak about it.')).toBeGreaterThan(weight('Ask Mateo about it.'));
    expect(weight('Ask Mateo about it.')).toBeGreaterThan(0);
  });
});
