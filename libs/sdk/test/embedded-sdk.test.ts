import { afterAll } from 'vitest';
import { EmbeddedRuntime } from '../src/index.ts';
import { sdkContract } from './sdk-contract.ts';

const runtime = new EmbeddedRuntime({ tenant: 'sdk-contract' });
afterAll(() => runtime.close());

sdkContract('EmbeddedRuntime', () => runtime);
