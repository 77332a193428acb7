/** The IdP store for `--data :memory:`: the reference the IdP contract suite holds SQLite to. */
import type { DocumentCollection, ExpiringCollection, IdpStore } from './idp-types.ts';
import type { SettingsStore } from './types.ts';

// JSON round trips, so stored documents are copies exactly as in a database.
const copy = <T>(v: T): T => (v === undefined ? v : JSON.parse(JSON.stringify(v)));
const byKey = <T extends { key: string }>(a: T, b: T) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

class MemoryDocuments<T> implements DocumentCollection<T> {
  private readonly map = new Map<string, string>();
  async all() {
    return [...this.map].map(([key, json]) => ({ key, doc: JSON.parse(json) as T })).sort(byKey);
  }
  async get(key: string) {
    const json = this.map.get(key);
    return json === undefined ? undefined : (JSON.parse(json) as T);
  }
  async put(key: string, doc: T) {
    this.map.set(key, JSON.stringify(doc));
  }
  async delete(key: string) {
    return this.map.delete(key);
  }
}

class MemoryExpiring<T> implements ExpiringCollection<T> {
  private readonly map = new Map<string, { json: string; expiresAt: number }>();
  async live(now: number) {
    const out: Array<{ key: string; doc: T; expiresAt: number }> = [];
    for (const [key, e] of this.map) if (e.expiresAt > now) out.push({ key, doc: JSON.parse(e.json) as T, expiresAt: e.expiresAt });
    return out.sort(byKey);
  }
  async put(key: string, doc: T, expiresAt: number) {
    this.map.set(key, { json: JSON.stringify(doc), expiresAt });
  }
  async delete(key: string) {
    return this.map.delete(key);
  }
  async purgeExpired(now: number) {
    let n = 0;
    for (const [key, e] of this.map) if (e.expiresAt <= now && this.map.delete(key)) n++;
    return n;
  }
}

class MemorySettings implements SettingsStore {
  private readonly map = new Map<string, unknown>();
  async get<T = unknown>(key: string) {
    return copy(this.map.get(key)) as T | undefined;
  }
  async set(key: string, value: unknown) {
    this.map.set(key, copy(value));
  }
}

export function createMemoryIdpStore(): IdpStore {
  return {
    kind: 'memory',
    users: new MemoryDocuments(),
    serviceProviders: new MemoryDocuments(),
    sessions: new MemoryExpiring(),
    settings: new MemorySettings(),
    async close() {},
  };
}
