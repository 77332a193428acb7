/** The IdP store on SQLite (DIR/idp.db): JSON documents by key, with the same open/migrate/error rules as the gateway's. */
import type { DocumentCollection, ExpiringCollection, IdpStore } from '../idp-types.ts';
import { call, type SqliteContext } from './common.ts';
import { closeOnce, IDP_APPLICATION_ID, openDatabase } from './database.ts';
import type { Migration } from './migrations.ts';
import { SqliteSettings } from './settings.ts';

/** idp.db's schema; add migrations as GATEWAY_MIGRATIONS documents (migrations.ts). */
export const IDP_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'directory edits, registered service providers, login sessions, settings',
    sql: `
CREATE TABLE idp_users (key TEXT PRIMARY KEY, doc TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE idp_service_providers (key TEXT PRIMARY KEY, doc TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE idp_sessions (key TEXT PRIMARY KEY, doc TEXT NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX idp_sessions_by_expiry ON idp_sessions(expires_at);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
`,
  },
];

class SqliteDocuments<T> implements DocumentCollection<T> {
  private readonly allStmt;
  private readonly getStmt;
  private readonly putStmt;
  private readonly deleteStmt;
  constructor(
    private readonly c: SqliteContext,
    table: string,
  ) {
    this.allStmt = c.db.prepare<[], { key: string; doc: string }>(`SELECT key, doc FROM ${table} ORDER BY key`);
    this.getStmt = c.db.prepare<[string], { doc: string }>(`SELECT doc FROM ${table} WHERE key = ?`);
    this.putStmt = c.db.prepare<[string, string]>(`INSERT INTO ${table} (key, doc) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET doc = excluded.doc`);
    this.deleteStmt = c.db.prepare<[string]>(`DELETE FROM ${table} WHERE key = ?`);
  }
  async all() {
    return call(this.c, () => this.allStmt.all().map((r) => ({ key: r.key, doc: JSON.parse(r.doc) as T })));
  }
  async get(key: string) {
    return call(this.c, () => {
      const r = this.getStmt.get(key);
      return r === undefined ? undefined : (JSON.parse(r.doc) as T);
    });
  }
  async put(key: string, doc: T) {
    const json = JSON.stringify(doc);
    call(this.c, () => this.putStmt.run(key, json));
  }
  async delete(key: string) {
    return call(this.c, () => this.deleteStmt.run(key).changes > 0);
  }
}

class SqliteExpiring<T> implements ExpiringCollection<T> {
  private readonly liveStmt;
  private readonly putStmt;
  private readonly deleteStmt;
  private readonly purgeStmt;
  constructor(private readonly c: SqliteContext) {
    this.liveStmt = c.db.prepare<[number], { key: string; doc: string; expires_at: number }>('SELECT key, doc, expires_at FROM idp_sessions WHERE expires_at > ? ORDER BY key');
    this.putStmt = c.db.prepare<[string, string, number]>('INSERT INTO idp_sessions (key, doc, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET doc = excluded.doc, expires_at = excluded.expires_at');
    this.deleteStmt = c.db.prepare<[string]>('DELETE FROM idp_sessions WHERE key = ?');
    this.purgeStmt = c.db.prepare<[number]>('DELETE FROM idp_sessions WHERE expires_at <= ?');
  }
  async live(now: number) {
    return call(this.c, () => this.liveStmt.all(now).map((r) => ({ key: r.key, doc: JSON.parse(r.doc) as T, expiresAt: r.expires_at })));
  }
  async put(key: string, doc: T, expiresAt: number) {
    const json = JSON.stringify(doc);
    call(this.c, () => this.putStmt.run(key, json, expiresAt));
  }
  async delete(key: string) {
    return call(this.c, () => this.deleteStmt.run(key).changes > 0);
  }
  async purgeExpired(now: number) {
    return call(this.c, () => this.purgeStmt.run(now).changes);
  }
}

export function createSqliteIdpStore(file: string): IdpStore & { readonly file: string } {
  const db = openDatabase({ file, migrations: IDP_MIGRATIONS, label: 'IdP', applicationId: IDP_APPLICATION_ID });
  const c: SqliteContext = { db, file };
  return {
    kind: 'sqlite',
    file,
    users: new SqliteDocuments(c, 'idp_users'),
    serviceProviders: new SqliteDocuments(c, 'idp_service_providers'),
    sessions: new SqliteExpiring(c),
    settings: new SqliteSettings(c),
    close: closeOnce(db),
  };
}
