import { messageText, type ChatCompletionRequest } from './chat-completion.ts';

const SENTENCE_MAX_CHARS = 160;
const REPLY_MAX_CHARS = 2000;
const FACT_LINES = 6;

/** A numbered transcript line of Threadline's summary prompt: `[12] User: …`. */
const TRANSCRIPT_LINE = /^\[(\d+)\] (User|Assistant|Tool)\b:?\s*(.*)$/;

/**
 * The fake's default answer, deterministic and visibly derived from its input, so a test can
 * tell which turns a summary was made from:
 *
 * - when the request carries numbered transcript lines (`[12] User: …`, as Threadline's summary
 *   prompt does), a structured summary in the five sections that prompt asks for: the first user
 *   line as the goal, the first sentence of the next user lines as facts, tool lines as tool
 *   outcomes, each citing its line's number;
 * - otherwise `Summary: ` followed by the first sentence of every system and user message.
 */
export function summarizeRequest(request: ChatCompletionRequest): string {
  const texts = request.messages
    .filter((m) => m.role === 'system' || m.role === 'user' || m.role === 'developer')
    .map((m) => messageText(m));
  const numbered = texts
    .flatMap((text) => text.split('\n'))
    .map((line) => TRANSCRIPT_LINE.exec(line.trim()))
    .filter((match): match is RegExpExecArray => match !== null);
  if (numbered.length > 0) return structuredReply(numbered).slice(0, REPLY_MAX_CHARS);
  const sentences = texts.map(firstSentence).filter((s) => s.length > 0);
  const summary = `Summary: ${sentences.length > 0 ? sentences.join(' ') : '(no input)'}`;
  return summary.slice(0, REPLY_MAX_CHARS);
}

function structuredReply(lines: RegExpExecArray[]): string {
  const item = (m: RegExpExecArray) => `- [${m[1]}] ${firstSentence(m[3] ?? '') || '(empty)'}`;
  const users = lines.filter((m) => m[2] === 'User');
  const tools = lines.filter((m) => m[2] === 'Tool');
  const section = (heading: string, items: string[]) =>
    [heading, ...(items.length > 0 ? items : ['- (none)'])].join('\n');
  return [
    section('Goals and open requests:', users.slice(0, 1).map(item)),
    section('Current decisions:', []),
    section('Facts:', users.slice(1, 1 + FACT_LINES).map(item)),
    section('Artifacts:', []),
    section('Tool outcomes:', tools.slice(0, 3).map(item)),
  ].join('\n');
}

function firstSentence(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const match = /^.*?[.!?](?=\s|$)/.exec(flat);
  const sentence = match ? match[0] : flat;
  return sentence.length > SENTENCE_MAX_CHARS
    ? `${sentence.slice(0, SENTENCE_MAX_CHARS)}…`
    : sentence;
}
