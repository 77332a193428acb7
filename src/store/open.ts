/** Picks the Store implementation for `--data`. */
import { createMemoryStore } from './memory.ts';
import type { Store } from './types.ts';

export class StoreOpenError extends Error {
  readonly code = 'ERR_STORE_OPEN';
}

export async function openStore(data: string): Promise<Store> {
  if (data === ':memory:') return createMemoryStore();
  // The durable SQLite store is the next storage issue; until it lands, refuse rather than
  // pretend to persist (a silent accept would lose data on restart).
  throw new StoreOpenError(`--data ${data}: durable storage is not available in this version; use --data :memory:`);
}
