/**
 * The SQLite store (the default, `--data DIR`): one better-sqlite3 connection per Store, WAL
 * mode, every multi-step operation one BEGIN IMMEDIATE transaction, so several connections (or
 * processes) on one file stay consistent. Sections live in their own files; the schema in
 * migrations.ts.
 */
import type { Store } from '../types.ts';
import { call, type SqliteContext } from './common.ts';
import { countAuthWrites, WriteGeneration } from '../write-generation.ts';
import { closeOnce, openDatabase } from './database.ts';
import { SqliteOrgMemberships } from './memberships.ts';
import { GATEWAY_MIGRATIONS } from './migrations.ts';
import { SqliteOrganizations } from './organizations.ts';
import { SqliteReplayCache } from './replay.ts';
import { SqliteResources } from './resources.ts';
import { SqliteSessions } from './sessions.ts';
import { SqliteSettings } from './settings.ts';
import { SqliteTeams } from './teams.ts';
import { SqliteTokens } from './tokens.ts';
import { SqliteUsers } from './users.ts';
import { createSqliteWorkspaceStores } from './workspaces.ts';

export interface SqliteStore extends Store {
  readonly kind: 'sqlite';
  /** The database file (or `:memory:`). */
  readonly file: string;
  /**
   * The better-sqlite3 handle, for tests and the benchmark's bulk load only: writes through it are
   * not counted by authDataGeneration, so a gateway serving the store may answer from rows it read before.
   */
  readonly db: SqliteContext['db'];
}


export function createSqliteStore(file: string): SqliteStore {
  const db = openDatabase({ file, migrations: GATEWAY_MIGRATIONS, label: 'gateway' });
  // Case folding as the memory store does it (JS toLowerCase), for the `q` filters.
  db.function('samlgate_lower', { deterministic: true }, (s: unknown) => (typeof s === 'string' ? s.toLowerCase() : s) as string);
  const c: SqliteContext = { db, file };
  const generation = new WriteGeneration();
  // Commits by other connections are seen through data_version, which changes on this connection
  // whenever another one has committed. Checked even when samlgate holds the data directory's
  // lock: the lock keeps other samlgate processes out, not an operator's `sqlite3 gateway.db
  // "UPDATE users SET is_suspended = 1"`, and that suspension must hold on the next request.
  const dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck(true);
  let seenDataVersion = dataVersion.get();
  return {
    kind: 'sqlite',
    file,
    db,
    ...countAuthWrites(
      { users: new SqliteUsers(c), organizations: new SqliteOrganizations(c), teams: new SqliteTeams(c), orgMemberships: new SqliteOrgMemberships(c), tokens: new SqliteTokens(c), sessions: new SqliteSessions(c) },
      generation,
    ),
    replay: new SqliteReplayCache(c),
    settings: new SqliteSettings(c),
    ...createSqliteWorkspaceStores(c),
    resources: new SqliteResources(c),
    authDataGeneration() {
      const v = call(c, () => dataVersion.get());
      if (v !== seenDataVersion) {
        seenDataVersion = v;
        generation.bump();
      }
      return generation.value;
    },
    close: closeOnce(db),
  };
}
