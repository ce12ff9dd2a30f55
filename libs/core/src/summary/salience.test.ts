import { describe, expect, it } from 'vitest';
import {
  assessSentence,
  codeIdentifiers,
  factWeight,
  isDecision,
  isFiller,
  isRecommendation,
  isRequest,
  properNames,
  stripLeadingFiller,
} from './salience.ts';

describe('salience rules', () => {
  it.each([
    'thanks!',
    'Thank you so much!!',
    'ok',
    'Okay.',
    'sounds good',
    'Got it, thanks 👍',
    'Perfect, thanks!',
    'no problem',
    '👍',
    '?',
  ])('treats %j as filler', (sentence) => expect(isFiller(sentence)).toBe(true));

  it.each([
    "You're welcome! Let me know if you need anything else.",
    'Happy to help!',
    'I hope this helps.',
    'How can I help you today?',
    'Is there anything else I can do for you?',
  ])('treats the pleasantry %j as filler', (sentence) => expect(isFiller(sentence)).toBe(true));

  it.each(['ok, the budget is $3,200', 'Thanks, please book TP218', 'No, the hotel is in Porto'])(
    'does not treat %j as filler',
    (sentence) => expect(isFiller(sentence)).toBe(false),
  );

  it('strips a leading pleasantry and capitalises what remains', () => {
    expect(stripLeadingFiller("Sounds good, let's go with the annual plan.")).toBe(
      "Let's go with the annual plan.",
    );
    expect(stripLeadingFiller('Ok, that worked from psql.')).toBe('That worked from psql.');
    expect(stripLeadingFiller('Done. 2 tickets have been booked.')).toBe(
      '2 tickets have been booked.',
    );
    expect(stripLeadingFiller('So the total is $392.')).toBe('So the total is $392.');
    expect(stripLeadingFiller('Right now the bill is $49.')).toBe('Right now the bill is $49.');
  });

  it.each([
    'Can you check the fare for June 12?',
    'please book the 9:39 train',
    'I need the invoice by Friday',
    "I'd like a window seat",
    'Help me fix this error',
    "Let's figure out why it fails",
    'how do I reset the password',
  ])('recognises the request %j', (sentence) => expect(isRequest(sentence)).toBe(true));

  it.each([
    'We decided to go with Team annual for 8 seats.',
    "Let's use the Lisboa Tejo.",
    "We'll book TP218.",
    'The fix is to use the service name as the host.',
    'The answer is 42.',
    'Your plan has been changed to Team.',
    'It works now.',
    "I'm going with the cheaper hotel.",
    'That means the network path is fine and Postgres is rejecting the credentials.',
  ])('recognises the decision %j', (sentence) => expect(isDecision(sentence)).toBe(true));

  it.each([
    'I recommend the 9:39 train.',
    "I'd suggest the Memmo Alfama.",
    'You should restart the api service.',
  ])('recognises the recommendation %j', (sentence) =>
    expect(isRecommendation(sentence)).toBe(true),
  );

  it('finds proper names that are not at the start of the sentence', () => {
    expect([...properNames('My wife Ana and I fly TAP to Lisbon. Then we visit Porto.')]).toEqual([
      'Ana',
      'TAP',
      'Lisbon',
      'Porto',
    ]);
  });

  it('finds code identifiers of every common shape', () => {
    const found = codeIdentifiers(
      'Set DATABASE_URL in docker-compose.yml, call getUser() from userService, edit /etc/postgresql/16/main with `psql` --no-password',
    );
    expect([...found].sort()).toEqual(
      [
        '--no-password',
        '/etc/postgresql/16/main',
        'DATABASE_URL',
        '`psql`',
        'docker-compose.yml',
        'getUser',
        'getUser()',
        'userService',
      ].sort(),
    );
  });

  it('weighs amounts, contacts, dates and versions above plain numbers', () => {
    expect(factWeight('The budget is $3,200.')).toBeGreaterThan(factWeight('We are 2 people.'));
    expect(factWeight('Mail billing@acme.io.')).toBeGreaterThan(factWeight('We are 2 people.'));
    expect(factWeight('We fly on June 12.')).toBeGreaterThan(factWeight('We are 2 people.'));
    expect(factWeight('I run PostgreSQL 16.2.')).toBeGreaterThan(factWeight('We are 2 people.'));
    expect(factWeight('it works fine now')).toBe(0);
  });

  it("files a user's question under requests and anyone's decision under decisions", () => {
    expect(assessSentence('What does Team include?', 'user')?.kind).toBe('request');
    expect(assessSentence('We decided to go with Team annual.', 'user')?.kind).toBe('decision');
    expect(assessSentence('The fix is to use db as the host.', 'assistant')?.kind).toBe('decision');
    expect(assessSentence('Our budget is $3,200.', 'user')?.kind).toBe('fact');
    expect(assessSentence('Would you like a window seat?', 'assistant')).toBeNull();
    expect(assessSentence('Good call.', 'assistant')).toBeNull();
  });

  it("scores a user's fact above the same fact from the assistant", () => {
    const user = assessSentence('The budget is $3,200 for two.', 'user');
    const assistant = assessSentence('The budget is $3,200 for two.', 'assistant');
    expect(user?.score).toBeGreaterThan(assistant?.score ?? Infinity);
  });

  it('scores a decision above a recommendation with the same facts', () => {
    const decision = assessSentence("We'll book the 9:39 train on June 17.", 'user');
    const recommendation = assessSentence('I recommend the 9:39 train on June 17.', 'assistant');
    expect(decision?.score).toBeGreaterThan(recommendation?.score ?? Infinity);
  });
});
