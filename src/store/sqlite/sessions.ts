/**
 * Web sessions in SQLite. A destroyed session becomes a tombstone row (ended = 1) in the same
 * table, so "a late set must not revive it" is one conditional upsert, atomic across processes.
 */
import type { SessionRecord, SessionStore } from '../types.ts';
import { call, type SqliteContext } from './common.ts';

/** How long past a destroyed session's own expiry its tombstone is kept (as the memory store). */
export const TOMBSTONE_MS = 24 * 3_600_000;

export class SqliteSessions implements SessionStore {
  private readonly getStmt;
  private readonly upsert;
  private readonly tombstone;
  private readonly byUser;
  private readonly liveUntilStmt;
  private readonly destroyUser;
  private readonly purgeLive;
  private readonly purgePending;
  private readonly purgeTombstones;

  constructor(private readonly c: SqliteContext) {
    const db = c.db;
    this.getStmt = db.prepare<[string], SessionRecord>('SELECT sid, user_id AS userId, expires_at AS expiresAt, data FROM sessions WHERE sid = ? AND ended = 0');
    // The WHERE on the conflict branch is the tombstone check: an ended sid stays ended.
    this.upsert = db.prepare<[SessionRecord]>(
      `INSERT INTO sessions (sid, user_id, expires_at, data, ended) VALUES (@sid, @userId, @expiresAt, @data, 0)
       ON CONFLICT (sid) DO UPDATE SET user_id = excluded.user_id, expires_at = excluded.expires_at, data = excluded.data WHERE sessions.ended = 0`,
    );
    this.tombstone = db.prepare<[{ sid: string; keep: number }]>(
      `INSERT INTO sessions (sid, user_id, expires_at, data, ended) VALUES (@sid, NULL, @keep, '', 1)
       ON CONFLICT (sid) DO UPDATE SET user_id = NULL, data = '', ended = 1, expires_at = CASE WHEN sessions.ended = 1 THEN sessions.expires_at ELSE sessions.expires_at + @keep END`,
    );
    this.byUser = db.prepare<[string], SessionRecord>('SELECT sid, user_id AS userId, expires_at AS expiresAt, data FROM sessions WHERE user_id = ? AND ended = 0');
    this.liveUntilStmt = db.prepare<[string, number], { until: number | null }>('SELECT max(expires_at) AS until FROM sessions WHERE user_id = ? AND ended = 0 AND expires_at > ?');
    this.destroyUser = db.prepare<[number, string]>("UPDATE sessions SET ended = 1, data = '', user_id = NULL, expires_at = expires_at + ? WHERE user_id = ? AND ended = 0");
    this.purgeLive = db.prepare<[number]>('DELETE FROM sessions WHERE ended = 0 AND user_id IS NOT NULL AND expires_at < ?');
    this.purgePending = db.prepare<[number]>('DELETE FROM sessions WHERE ended = 0 AND user_id IS NULL AND expires_at < ?');
    this.purgeTombstones = db.prepare<[number]>('DELETE FROM sessions WHERE ended = 1 AND expires_at < ?');
  }

  async get(sid: string) {
    return call(this.c, () => this.getStmt.get(sid));
  }
  async set(record: SessionRecord) {
    call(this.c, () => this.upsert.run({ sid: record.sid, userId: record.userId, expiresAt: record.expiresAt, data: record.data }));
  }
  async destroy(sid: string) {
    // A new row (unknown sid) gets a tombstone until TOMBSTONE_MS after the epoch, as the memory
    // store does: nothing was in flight for a session that never existed.
    call(this.c, () => this.tombstone.run({ sid, keep: TOMBSTONE_MS }));
  }
  async listByUser(userId: string) {
    return call(this.c, () => this.byUser.all(userId));
  }
  async liveUntil(userId: string, now: number) {
    return call(this.c, () => this.liveUntilStmt.get(userId, now)!.until);
  }
  async destroyByUser(userId: string) {
    return call(this.c, () => this.destroyUser.run(TOMBSTONE_MS, userId).changes);
  }
  async purgeExpired(before: number, pendingBefore = before) {
    return call(this.c, () =>
      this.c.db.transaction(() => {
        const n = this.purgeLive.run(before).changes + this.purgePending.run(pendingBefore).changes;
        this.purgeTombstones.run(before);
        return n;
      }).immediate(),
    );
  }
}
