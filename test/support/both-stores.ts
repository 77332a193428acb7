/**
 * Runs a resource family's API tests on both stores users can pick (memory and SQLite): the
 * resources section has two implementations, so each family's behaviour is checked on each.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { createSqliteStore } from '../../src/store/sqlite/index.ts';
import { seedWorkspaceWorld, type Seeded } from './workspaces.ts';

export type StoreKind = 'memory' | 'sqlite';
export const STORE_KINDS: StoreKind[] = ['memory', 'sqlite'];

/** A seeding function for `kind`; SQLite files live in one temporary directory removed after the file's tests. */
export function seederFor(kind: StoreKind): () => Promise<Seeded> {
  if (kind === 'memory') return () => seedWorkspaceWorld();
  let dir: string | undefined;
  let n = 0;
  after(() => dir && rmSync(dir, { recursive: true, force: true }));
  return () => {
    dir ??= mkdtempSync(path.join(os.tmpdir(), 'samlgate-resources-'));
    n += 1;
    return seedWorkspaceWorld({}, { store: createSqliteStore(path.join(dir, `gateway-${n}.db`)) });
  };
}
