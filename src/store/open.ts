/**
 * Opens the gateway's Store for `--data`: `:memory:` (nothing kept), or DIR/gateway.db (SQLite,
 * the default), locked against a second samlgate. Errors come out typed for the CLI:
 * DataDirError (bad --data: exit 2), DataLockedError and StoreOpenError (exit 1).
 */
import path from 'node:path';
import { acquireLock, prepareDataDir } from './data-dir.ts';
import { createMemoryStore } from './memory.ts';
import { DatabaseOpenError } from './sqlite/database.ts';
import { createSqliteStore } from './sqlite/index.ts';
import type { Store } from './types.ts';
import { SamlgateError } from '../errors.ts';

export class StoreOpenError extends SamlgateError {
  readonly code = 'ERR_STORE_OPEN';
  readonly kind = 'runtime';
}

export const MEMORY = ':memory:';

/** `--data` as a directory (checked, created), or null for `:memory:`. */
export function dataDirOf(data: string): string | null {
  return data === MEMORY ? null : prepareDataDir(data);
}

/**
 * Opens `DIR/<name>.db` with `open` once this process holds DIR/<name>.lock.db (data-dir.ts), so
 * a refused start has touched nothing; the returned store's close() also releases the lock.
 * Shared by the gateway store and the IdP store.
 */
export function openLocked<S extends { close(): Promise<void> }>(dir: string, name: string, what: string, open: (file: string) => S): S {
  const lock = acquireLock(dir, name, what);
  let store: S;
  try {
    store = open(path.join(dir, `${name}.db`));
  } catch (err) {
    lock.release();
    if (err instanceof DatabaseOpenError) throw new StoreOpenError(err.message);
    throw err;
  }
  const close = store.close.bind(store);
  store.close = async () => {
    try {
      await close();
    } finally {
      lock.release();
    }
  };
  return store;
}


export async function openStore(data: string): Promise<Store> {
  const dir = dataDirOf(data);
  if (dir === null) return createMemoryStore();
  return openLocked(dir, 'gateway', 'gateway', createSqliteStore);
}
