/**
 * An event too large for the room left in a context, shown clipped instead of not at all: its
 * text (a message's content, or a tool call's result; never the call's name and arguments) cut
 * to its start and its end around a marker that says how much was left out.
 *
 * ```text
 * {"orders":[{"id":"ORD-1",…  [… 1,240 tokens of this result left out …]  …,"page":3}
 * ```
 *
 * The cut is made by characters and measured with the tokenizer: a first cut from the event's
 * tokens per character, then shortened (at most {@link CLIP_ATTEMPTS} times) until the clipped
 * messages fit. Bounded work: the text read is at most a few times the room.
 */
import type { EventRecord } from '../session/event-record.ts';
import type { ChatMessage } from './render-messages.ts';
import { renderEvent } from './render-messages.ts';

/** Fewer tokens of room than this: not worth clipping an event into. */
export const CLIP_MIN_TOKENS = 48;

/** Share of the kept text taken from the start (the rest from the end). */
const HEAD_SHARE = 0.7;

/** Cuts tried before giving up. */
const CLIP_ATTEMPTS = 6;

export interface ClippedEvent {
  messages: ChatMessage[];
  /** Tokens of the clipped messages, counted as rendered. */
  tokens: number;
}

/** The marker that stands for what was left out. */
export function clipMarker(leftOutTokens: number, what: 'message' | 'result'): string {
  return `[… ${leftOutTokens.toLocaleString('en-US')} tokens of this ${what} left out …]`;
}

/**
 * `record` rendered with its text cut so that its messages cost at most `room` tokens, or null
 * when even a short excerpt does not fit (or it has no text to cut).
 */
export function clipEvent(
  record: EventRecord,
  room: number,
  countMessage: (message: ChatMessage) => number,
): ClippedEvent | null {
  if (room < CLIP_MIN_TOKENS) return null;
  const whole = renderEvent(record);
  const at = whole.findIndex((m) => m.role !== 'assistant' || m.content !== null);
  const target = whole[at];
  if (!target || typeof target.content !== 'string' || target.content.length === 0) return null;
  const text = target.content;
  const fixed = whole.reduce((sum, m, i) => (i === at ? sum : sum + countMessage(m)), 0);
  const textTokens = Math.max(1, record.contextTokens - fixed);
  const what = record.type === 'tool_call' ? 'result' : 'message';
  const build = (chars: number) => {
    const head = Math.ceil(chars * HEAD_SHARE);
    const tail = chars - head;
    const keptShare = chars / text.length;
    const marker = clipMarker(Math.max(1, Math.round(textTokens * (1 - keptShare))), what);
    const content = `${text.slice(0, head)}\n${marker}\n${tail > 0 ? text.slice(text.length - tail) : ''}`;
    const messages = whole.map((m, i) => (i === at ? ({ ...m, content } as ChatMessage) : m));
    return { messages, tokens: messages.reduce((sum, m) => sum + countMessage(m), 0) };
  };
  const charsPerToken = text.length / textTokens;
  const markerTokens = 24;
  let chars = Math.floor((room - fixed - markerTokens) * charsPerToken);
  for (let attempt = 0; attempt < CLIP_ATTEMPTS && chars > 0; attempt++) {
    if (chars >= text.length) return null;
    const clipped = build(chars);
    if (clipped.tokens <= room) return clipped;
    // Over by some tokens: shorten by that many tokens' worth of characters, and a little more.
    const over = clipped.tokens - room;
    chars = Math.floor(chars - (over + 2 + attempt * 4) * charsPerToken);
  }
  return null;
}
