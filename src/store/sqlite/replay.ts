/** One-time identifiers (assertion IDs, AuthnRequest IDs, LogoutRequest IDs) in SQLite. */
import type { ReplayCache } from '../types.ts';
import { call, type SqliteContext } from './common.ts';

const SWEEP_INTERVAL_MS = 60_000;

export class SqliteReplayCache implements ReplayCache {
  private readonly claimStmt;
  private readonly purgeStmt;
  private sweepAt = 0;

  constructor(private readonly c: SqliteContext) {
    // One statement, so the claim is atomic across connections and processes: the row is
    // written when the key is new or its previous claim has expired; `changes` says which.
    this.claimStmt = c.db.prepare<[{ key: string; until: number; now: number }]>(
      'INSERT INTO replay (key, expires_at) VALUES (@key, @until) ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE replay.expires_at <= @now',
    );
    this.purgeStmt = c.db.prepare<[number]>('DELETE FROM replay WHERE expires_at <= ?');
  }

  async claim(key: string, expiresAt: number, now: number) {
    return call(this.c, () => {
      if (now >= this.sweepAt) {
        this.sweepAt = now + SWEEP_INTERVAL_MS;
        this.purgeStmt.run(now);
      }
      return this.claimStmt.run({ key, until: expiresAt, now }).changes === 1;
    });
  }
  async purgeExpired(now: number) {
    return call(this.c, () => this.purgeStmt.run(now).changes);
  }
}
