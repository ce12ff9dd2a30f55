import type { Rng } from './rng.ts';

/** Words of a text, as the length rules count them (whitespace-separated). */
export function wordCount(text: string): number {
  const trimmed = text.trim();
  return trimmed ? trimmed.split(/\s+/).length : 0;
}

/** Fills `{name}` placeholders: from `values`, else a draw from `slots`; unknown ones stay. */
export function fill(
  rng: Rng,
  template: string,
  values: Readonly<Record<string, string>> = {},
  slots: Readonly<Record<string, readonly string[]>> = {},
): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = values[name];
    if (value !== undefined) return value;
    const pool = slots[name];
    return pool && pool.length > 0 ? rng.pick(pool) : whole;
  });
}

/**
 * Fills a template that may start with a value (`{v} it is.`): the first letter is upper-cased
 * unless it belongs to the value (`eu-west-1 it is.` stays as the value is written).
 */
export function sentenceOf(
  rng: Rng,
  template: string,
  values: Readonly<Record<string, string>>,
): string {
  const text = fill(rng, template, values);
  return template.startsWith('{') ? text : text.charAt(0).toUpperCase() + text.slice(1);
}

export const USER_OPENERS = [
  'Hi!',
  'Hello again.',
  'Okay, next thing.',
  'Quick question.',
  'Sorry, one more.',
  'Right.',
  'Hmm.',
  'So,',
  'Also,',
  'Different question.',
  'Going back to something else.',
  'Thanks.',
];

/** Context a user adds around a question (makes the long messages long). */
export const USER_BACKSTORY = [
  'I have been going back and forth on this all week and I would really like to settle it today.',
  'My partner keeps asking me about it, so I want to have a clear answer.',
  'I tried to figure it out myself from the help pages but they contradict each other.',
  'This is not urgent, but it has been bugging me for a while.',
  'I am on my phone so sorry for the typos.',
  'We had a similar problem last year and nobody could explain what happened.',
  'I read a few forum threads and everyone seems to have a different opinion.',
  'To be honest I am a bit lost with all the options.',
  'I need to explain this to someone else later, so simple words help.',
  'It is the end of a long day here, so bear with me.',
];

export const USER_SMALL_TALK = [
  'Thanks, that is really helpful!',
  'Haha, fair enough, that makes sense.',
  'Sorry, I got distracted for a minute, the kids just got home.',
  'Wow, you are fast, thank you.',
  'Okay, makes sense. Give me a second to think about it.',
  'Great, thank you so much.',
  'Ha, I should have asked you earlier.',
  'Good to know. My coffee went cold while I was reading that, ha.',
  'Cool. It is raining here all day, perfect weather for sorting this out.',
  'Thanks! You have been more useful than the last three people I asked.',
];

export const ASSISTANT_SMALL_TALK = [
  'You are welcome, and no rush at all.',
  'Happy to help; take your time.',
  'Glad it helped.',
  'No problem at all, I will be here when you are ready.',
  'That sounds like a cosy way to spend a rainy afternoon.',
  'It is a lot of detail to keep track of, so asking is the right move.',
  'Whenever you want to continue, just say where you would like to pick up.',
  'We can go through the remaining points one at a time so nothing gets lost.',
  'If anything I said was unclear, tell me and I will explain it differently.',
  'Take whatever time you need to look it over.',
];

export const ASSISTANT_OPENERS = [
  'Good question.',
  'Sure.',
  'Here is how it works.',
  'Short answer: it depends a little, but mostly yes.',
  'Let me explain.',
  'That is a common one.',
  'Happy to go through it.',
  'Right, so.',
];

export const ASSISTANT_CLOSERS = [
  'Does that help, or should I go into more detail on any part?',
  'Let me know if you want me to walk you through it step by step.',
  'Tell me if anything there does not match what you see.',
  'If you want, I can put that in a checklist for you.',
  'Want me to look into anything else related to this?',
  'I can go deeper into any of those points if that is useful.',
];

/** When the user asks again about something already answered. */
export const USER_REPEAT = [
  'Sorry, can you remind me what you said about this: {q}',
  'Going back to this one, I did not quite get it. {q}',
  'My partner asked me the same thing and I forgot the answer. {q}',
  'Can you explain again? {q}',
];

export const ASSISTANT_REPEAT_OPENERS = [
  'Of course, here it is again.',
  'Sure, to recap what I said earlier:',
  'No problem, in short:',
];

/** A fact said in passing is wrapped in one of these around the real question. */
export const IN_PASSING = [
  'By the way, {fact}',
  'Oh, and before I forget: {fact}',
  '{fact}',
  'Not sure if it matters, but {fact}',
  'Side note: {fact}',
];

export const FOLLOW_UP_AFTER_DECISION = [
  'What else do we need to sort out?',
  'What should I look at next?',
  'Anything else I need to decide on that front?',
  'Okay, what is next?',
];
