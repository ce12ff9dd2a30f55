import {
  newSessionState,
  SessionConfigSchema,
  startSession,
  type PersistedSession,
} from '@threadline/core';

/** A stored-form session in infinite-context mode, sealing every `maxTurns` turns. */
export function infiniteSession(sessionId: string, maxTurns: number): PersistedSession {
  return startSession(
    newSessionState({
      life: 'l1',
      sessionId,
      config: SessionConfigSchema.parse({ infiniteContext: true, maxTurnsPerSegment: maxTurns }),
      systemPrompt: null,
      systemPromptTokens: 0,
      metadata: {},
      parentId: null,
      createdAt: new Date().toISOString(),
    }),
  );
}
