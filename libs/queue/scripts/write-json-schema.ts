// Writes libs/queue/event-job.schema.json from the zod contract: `npx tsx libs/queue/scripts/write-json-schema.ts`.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { eventJobJsonSchema } from '../src/job-schemas.ts';

const target = fileURLToPath(new URL('../event-job.schema.json', import.meta.url));
writeFileSync(target, `${JSON.stringify(eventJobJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target}`);
