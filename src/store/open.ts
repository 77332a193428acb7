/** Picks the Store implementation for `--data`: `:memory:`, or a directory holding gateway.db. */
import path from 'node:path';
import { createMemoryStore } from './memory.ts';
import { DatabaseOpenError } from './sqlite/database.ts';
import { createSqliteStore } from './sqlite/index.ts';
import type { Store } from './types.ts';

export class StoreOpenError extends Error {
  readonly code = 'ERR_STORE_OPEN';
}

export async function openStore(data: string): Promise<Store> {
  if (data === ':memory:') return createMemoryStore();
  try {
    return createSqliteStore(path.join(data, 'gateway.db'));
  } catch (err) {
    if (err instanceof DatabaseOpenError) throw new StoreOpenError(err.message);
    throw err;
  }
}
