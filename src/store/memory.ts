/**
 * In-memory store: the reference implementation of the Store interface and the backend of
 * `--data :memory:`. Maps with secondary indexes so every lookup the hot path makes (token by
 * secret hash, sessions by user) is O(1) even with a million tokens.
 */
import {
  StoreConflictError,
  type ReplayCache,
  type SessionRecord,
  type SessionStore,
  type Store,
  type TokenKind,
  type TokenRecord,
  type TokenStore,
  type UserRecord,
  type UserStore,
} from './types.ts';

// Records are copied in and out so callers cannot mutate stored state by accident, as they
// could not with a real database. Shallow copies by hand, not structuredClone: the token lookup
// is on every API call's path, and a spread is several times cheaper.
const copyUser = (u: UserRecord): UserRecord => ({ ...u, memberOf: [...u.memberOf] });
const copyToken = (t: TokenRecord): TokenRecord => ({ ...t });

class MemoryUsers implements UserStore {
  private byId = new Map<string, UserRecord>();
  private idByEmail = new Map<string, string>();
  private idByUsername = new Map<string, string>();

  async get(id: string) {
    const u = this.byId.get(id);
    return u && copyUser(u);
  }
  async getByEmail(email: string) {
    const id = this.idByEmail.get(email.toLowerCase());
    return id ? this.get(id) : undefined;
  }
  async getByUsername(username: string) {
    const id = this.idByUsername.get(username);
    return id ? this.get(id) : undefined;
  }
  async list() {
    return [...this.byId.values()].map(copyUser);
  }
  async put(user: UserRecord) {
    const emailOwner = this.idByEmail.get(user.email.toLowerCase());
    if (emailOwner && emailOwner !== user.id) throw new StoreConflictError(`email ${user.email} belongs to another user`);
    const nameOwner = this.idByUsername.get(user.username);
    if (nameOwner && nameOwner !== user.id) throw new StoreConflictError(`username ${user.username} belongs to another user`);
    const old = this.byId.get(user.id);
    if (old) {
      this.idByEmail.delete(old.email.toLowerCase());
      this.idByUsername.delete(old.username);
    }
    this.byId.set(user.id, copyUser(user));
    this.idByEmail.set(user.email.toLowerCase(), user.id);
    this.idByUsername.set(user.username, user.id);
  }
}

class MemoryTokens implements TokenStore {
  private byId = new Map<string, TokenRecord>();
  private idByHash = new Map<string, string>();
  private idsByOwner = new Map<string, Set<string>>();

  private ownerKey(kind: TokenKind, ownerId: string) {
    return `${kind}:${ownerId}`;
  }
  async create(token: TokenRecord) {
    if (this.byId.has(token.id) || this.idByHash.has(token.secretHash)) throw new StoreConflictError('token already exists');
    this.byId.set(token.id, copyToken(token));
    this.idByHash.set(token.secretHash, token.id);
    const key = this.ownerKey(token.kind, token.ownerId);
    let set = this.idsByOwner.get(key);
    if (!set) this.idsByOwner.set(key, (set = new Set()));
    set.add(token.id);
  }
  async get(id: string) {
    const t = this.byId.get(id);
    return t && copyToken(t);
  }
  async getBySecretHash(secretHash: string) {
    const id = this.idByHash.get(secretHash);
    const t = id === undefined ? undefined : this.byId.get(id);
    return t && copyToken(t);
  }
  async listByOwner(kind: TokenKind, ownerId: string) {
    const ids = this.idsByOwner.get(this.ownerKey(kind, ownerId)) ?? new Set<string>();
    return [...ids].map((id) => copyToken(this.byId.get(id)!)).sort((a, b) => a.createdAt - b.createdAt);
  }
  async delete(id: string) {
    const t = this.byId.get(id);
    if (!t) return false;
    this.byId.delete(id);
    this.idByHash.delete(t.secretHash);
    this.idsByOwner.get(this.ownerKey(t.kind, t.ownerId))?.delete(id);
    return true;
  }
  async touch(id: string, lastUsedAt: number) {
    const t = this.byId.get(id);
    if (t) t.lastUsedAt = lastUsedAt;
  }
  async count() {
    return this.byId.size;
  }
}

class MemorySessions implements SessionStore {
  private bySid = new Map<string, SessionRecord>();
  private sidsByUser = new Map<string, Set<string>>();

  async get(sid: string) {
    const s = this.bySid.get(sid);
    return s && { ...s };
  }
  async set(record: SessionRecord) {
    const old = this.bySid.get(record.sid);
    if (old?.userId && old.userId !== record.userId) this.sidsByUser.get(old.userId)?.delete(record.sid);
    this.bySid.set(record.sid, { ...record });
    if (record.userId) {
      let set = this.sidsByUser.get(record.userId);
      if (!set) this.sidsByUser.set(record.userId, (set = new Set()));
      set.add(record.sid);
    }
  }
  async destroy(sid: string) {
    const old = this.bySid.get(sid);
    if (!old) return;
    this.bySid.delete(sid);
    if (old.userId) this.sidsByUser.get(old.userId)?.delete(sid);
  }
  async listByUser(userId: string) {
    const sids = this.sidsByUser.get(userId);
    if (!sids) return [];
    return [...sids].map((sid) => ({ ...this.bySid.get(sid)! }));
  }
  async destroyByUser(userId: string) {
    const sids = this.sidsByUser.get(userId);
    if (!sids) return 0;
    const n = sids.size;
    for (const sid of sids) this.bySid.delete(sid);
    this.sidsByUser.delete(userId);
    return n;
  }
  async purgeExpired(before: number) {
    let n = 0;
    for (const [sid, record] of this.bySid) {
      if (record.expiresAt < before) {
        await this.destroy(sid);
        n++;
      }
    }
    return n;
  }
}

class MemoryReplayCache implements ReplayCache {
  private entries = new Map<string, number>();
  private sweepAt = 0;

  async claim(key: string, expiresAt: number, now: number) {
    if (now >= this.sweepAt) this.sweep(now);
    const until = this.entries.get(key);
    if (until !== undefined && until > now) return false;
    this.entries.set(key, expiresAt);
    return true;
  }
  private sweep(now: number) {
    for (const [k, until] of this.entries) if (until <= now) this.entries.delete(k);
    this.sweepAt = now + 60_000;
  }
}

export function createMemoryStore(): Store {
  return {
    kind: 'memory',
    users: new MemoryUsers(),
    tokens: new MemoryTokens(),
    sessions: new MemorySessions(),
    replay: new MemoryReplayCache(),
    async close() {},
  };
}
