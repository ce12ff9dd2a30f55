import { afterAll } from 'vitest';
import { EmbeddedRuntime } from '../src/index.ts';
import { gatewayContract } from './gateway-contract.ts';

const runtimes: EmbeddedRuntime[] = [];
afterAll(async () => {
  await Promise.all(runtimes.map((r) => r.close()));
});

gatewayContract('EmbeddedRuntime', () => {
  const runtime = new EmbeddedRuntime({ tenant: 'contract' });
  runtimes.push(runtime);
  return runtime;
});
