/** Small named JSON values in SQLite (admin SAML settings, the manual clock's offset...). */
import type { SettingsStore } from '../types.ts';
import { call, type SqliteContext } from './common.ts';

export class SqliteSettings implements SettingsStore {
  private readonly getStmt;
  private readonly setStmt;

  constructor(private readonly c: SqliteContext) {
    this.getStmt = c.db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?');
    this.setStmt = c.db.prepare<[string, string]>('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  }

  async get<T = unknown>(key: string) {
    return call(this.c, () => {
      const r = this.getStmt.get(key);
      return r === undefined ? undefined : (JSON.parse(r.value) as T);
    });
  }
  /** The write happens synchronously when called (before the promise settles): see ManualClock's persistence. */
  async set(key: string, value: unknown) {
    const json = JSON.stringify(value);
    if (json === undefined) throw new TypeError(`setting ${key}: the value is not JSON-serialisable`);
    call(this.c, () => this.setStmt.run(key, json));
  }
}
