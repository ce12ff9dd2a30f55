import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as bullmqScripts from 'bullmq/dist/esm/scripts/index.js';

/**
 * Names of the Lua scripts a MONITOR census sees as `EVALSHA <sha>`: every BullMQ script (from
 * the installed bullmq's own script sources) and the store's commit script.
 */
export function scriptNamesBySha(): Map<string, string> {
  const names = new Map<string, string>();
  const sha = (text: string) => createHash('sha1').update(text).digest('hex').slice(0, 8);
  for (const script of Object.values(
    bullmqScripts as Record<string, { name?: string; content?: string }>,
  )) {
    if (script && typeof script.content === 'string' && typeof script.name === 'string')
      names.set(sha(script.content), `bullmq ${script.name}`);
  }
  const commit = readFileSync(
    new URL('../../libs/store/src/lua/commit-session-6.lua', import.meta.url),
    'utf8',
  );
  names.set(sha(commit), 'store commit-session-6');
  return names;
}
