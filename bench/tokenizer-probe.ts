/**
 * One tokenizer in a fresh process, for scenario 7: `tokenizer-probe.ts <js-tiktoken|gpt-tokenizer|tiktoken> <messages.json>`.
 * Prints one JSON line: load time, RSS and heap after loading, µs per message over the
 * measured messages (after a warm-up on others), and the token count of every message.
 * Run with --expose-gc so that the memory readings follow a collection.
 */
import { readFileSync } from 'node:fs';

type Count = (text: string) => number;

const [which, file] = process.argv.slice(2);
const { warmup, measured } = JSON.parse(readFileSync(file!, 'utf8')) as {
  warmup: string[];
  measured: string[];
};
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

gc();
const rssBefore = process.memoryUsage().rss;
const t0 = performance.now();
let count: Count;
let free = () => undefined as void;
switch (which) {
  case 'js-tiktoken': {
    const { Tiktoken } = await import('js-tiktoken/lite');
    const ranks = (await import('js-tiktoken/ranks/o200k_base')).default;
    const enc = new Tiktoken(ranks);
    count = (text) => enc.encode(text, [], []).length;
    break;
  }
  case 'gpt-tokenizer': {
    const { encode } = await import('gpt-tokenizer/encoding/o200k_base');
    const options = { disallowedSpecial: new Set<string>() };
    count = (text) => encode(text, options).length;
    break;
  }
  case 'tiktoken': {
    const { get_encoding } = await import('tiktoken');
    const enc = get_encoding('o200k_base');
    count = (text) => enc.encode(text, [], []).length;
    free = () => enc.free();
    break;
  }
  default:
    throw new Error(`unknown tokenizer ${which}`);
}
count('warm the encoder up');
const loadMs = performance.now() - t0;
gc();
const afterLoad = process.memoryUsage();
for (const text of warmup) count(text);
const times: number[] = [];
const counts: number[] = [];
const c0 = process.cpuUsage();
const w0 = performance.now();
for (const text of measured) {
  const t = performance.now();
  counts.push(count(text));
  times.push((performance.now() - t) * 1000);
}
const wallUs = (performance.now() - w0) * 1000;
const cpu = process.cpuUsage(c0);
const peak = process.memoryUsage().rss;
free();
times.sort((a, b) => a - b);
process.stdout.write(
  `${JSON.stringify({
    which,
    loadMs,
    rssAfterLoad: afterLoad.rss,
    rssDelta: afterLoad.rss - rssBefore,
    heapUsedAfterLoad: afterLoad.heapUsed,
    externalAfterLoad: afterLoad.external + afterLoad.arrayBuffers,
    rssAfterRun: peak,
    usPerMessage: wallUs / measured.length,
    cpuUsPerMessage: (cpu.user + cpu.system) / measured.length,
    p50Us: times[Math.floor(times.length / 2)],
    p99Us: times[Math.floor(times.length * 0.99)],
    counts,
  })}\n`,
);
