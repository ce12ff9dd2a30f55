import { describe, expect, it } from 'vitest';
import {
  isDecision,
  isFiller,
  isGoal,
  isRequest,
  isRevision,
  kindOf,
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
    'I think SQLite is the right call here.',
    'Okay, I think the Team plan is what we need.',
    'MySQL it is.',
    'We are standardising on Buildkite for CI.',
    'My partner prefers Brick Red.',
  ])('recognises the decision %j', (sentence) => expect(isDecision(sentence)).toBe(true));

  it.each([
    'Actually, switch the database to MySQL.',
    'On second thought, go with the blue one instead.',
    'Make it the 9:40 rather than the 7:15.',
    'Change the hotel to Lisboa Tejo.',
    'Scratch that, we keep Postgres.',
    'Not the 7:15 but the 9:40.',
    'My partner prefers Brick Red, can we switch?',
    'I talked to my boss and we would rather have the Starter plan.',
    'Legal says it has to be eu-central-1, not us-east-1.',
  ])('recognises the revision %j', (sentence) => expect(isRevision(sentence)).toBe(true));

  it.each([
    "Let's use Postgres.",
    'The budget is $3,200.',
    'Can you check the 9:40?',
    'Is it the right call?',
    'Not sure if it matters, but the address is 9 Elm Street.',
  ])(
    'does not take %j for a revision',
    (sentence) => expect(isRevision(sentence)).toBe(false),
  );

  it.each([
    'Sorry, I changed my mind: a refund to the card, not store credit.',
    'Change of plan, email only works better for me.',
    'Actually, make it economy delivery rather than click and collect.',
  ])(
    'files the outright revision %j as a decision, though its values are plain words',
    (sentence) => expect(kindOf(sentence, 'user', false)).toBe('decision'),
  );

  it('does not file a sentence as a decision for "actually" alone', () =>
    expect(kindOf('Actually, I have one more question about it.', 'user', false)).not.toBe(
      'decision',
    ));

  it.each([
    "I'm planning a trip to Portugal in June.",
    'My goal is to cut the build time in half.',
    'We want to migrate the app to Postgres 16.',
    'Help me put together a plan for the offsite.',
  ])('recognises the goal %j', (sentence) => expect(isGoal(sentence)).toBe(true));

  it("files a user's question under requests and anyone's decision under decisions", () => {
    expect(kindOf('What does Team include?', 'user', false)).toBe('request');
    expect(kindOf('We decided to go with Team annual.', 'user', true)).toBe('decision');
    expect(kindOf("Let's book the 9:39 train.", 'user', true)).toBe('decision');
    expect(kindOf('The fix is to use db as the host.', 'assistant', false)).toBe('decision');
    expect(kindOf('Our budget is $3,200.', 'user', true)).toBe('fact');
    expect(kindOf('Actually the budget is $3,500 now.', 'user', true)).toBe('decision');
    expect(kindOf('Would you like a window seat?', 'assistant', false)).toBeNull();
    expect(kindOf('Good call.', 'assistant', false)).toBeNull();
    expect(kindOf('I like the colour.', 'user', false)).toBeNull();
  });
});
