import type { Conversation, ScriptEvent } from './conversation.ts';
import { containsValue } from './normalize.ts';

/** The text of an event a value could be found in (a tool call: its arguments, result and error). */
export function eventSearchText(event: ScriptEvent): string {
  if (event.type !== 'tool') return event.content;
  return `${JSON.stringify(event.arguments)}\n${JSON.stringify(event.result)}\n${event.error ?? ''}`;
}

function foundIn(events: readonly ScriptEvent[], value: string): number[] {
  const found: number[] = [];
  events.forEach((event, i) => {
    if (containsValue(eventSearchText(event), value)) found.push(i);
  });
  return found;
}

const same = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length &&
  [...a].sort((x, y) => x - y).every((x, i) => x === [...b].sort((p, q) => p - q)[i]);

/**
 * Everything wrong with where the planted values appear (empty when the conversation is sound):
 * a fact only in the user message that states it; an artifact only in the result of its tool
 * call (not in its arguments, nor anywhere else); a decision's old and new values exactly in
 * the events listed for them.
 */
export function checkPlacement(
  conversation: Pick<Conversation, 'events' | 'facts' | 'artifacts' | 'decisions'>,
): string[] {
  const { events } = conversation;
  const problems: string[] = [];
  for (const fact of conversation.facts) {
    const found = foundIn(events, fact.value);
    if (events[fact.eventIndex]?.type !== 'user')
      problems.push(`fact ${fact.id}: event ${fact.eventIndex} is not a user message`);
    if (!same(found, [fact.eventIndex]))
      problems.push(
        `fact ${fact.id} "${fact.value}": found in events [${found}], planted in [${fact.eventIndex}]`,
      );
  }
  for (const artifact of conversation.artifacts) {
    const found = foundIn(events, artifact.value);
    const event = events[artifact.eventIndex];
    if (event?.type !== 'tool') {
      problems.push(`artifact ${artifact.id}: event ${artifact.eventIndex} is not a tool call`);
      continue;
    }
    if (!same(found, [artifact.eventIndex]))
      problems.push(
        `artifact ${artifact.id} "${artifact.value}": found in events [${found}], planted in [${artifact.eventIndex}]`,
      );
    if (!containsValue(JSON.stringify(event.result), artifact.value))
      problems.push(`artifact ${artifact.id}: not in the result of event ${artifact.eventIndex}`);
    if (
      containsValue(JSON.stringify(event.arguments), artifact.value) ||
      containsValue(event.error ?? '', artifact.value)
    )
      problems.push(
        `artifact ${artifact.id}: in the arguments or error of event ${artifact.eventIndex}`,
      );
  }
  for (const decision of conversation.decisions) {
    const old = foundIn(events, decision.oldValue);
    const next = foundIn(events, decision.newValue);
    if (!same(old, decision.oldMentions))
      problems.push(
        `decision ${decision.id} old "${decision.oldValue}": found in [${old}], planted in [${decision.oldMentions}]`,
      );
    if (!same(next, decision.newMentions))
      problems.push(
        `decision ${decision.id} new "${decision.newValue}": found in [${next}], planted in [${decision.newMentions}]`,
      );
    if (!(decision.decidedAt < decision.revisedAt))
      problems.push(
        `decision ${decision.id}: revised (${decision.revisedAt}) before it was made (${decision.decidedAt})`,
      );
  }
  return problems;
}
