import { MemorySessionStore } from '@threadline/store';
import { describeSessionStoreContract } from './session-store-contract.ts';

describeSessionStoreContract('MemorySessionStore', async () => {
  const store = new MemorySessionStore();
  return { store, cleanup: () => store.close() };
});
