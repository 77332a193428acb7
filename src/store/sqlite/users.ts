/** Users in SQLite: recordLogin and setSuspended are single immediate transactions (no lost updates across processes). */
import type { LoginInput, LoginResult, Page, Paged, SuspendResult, UserFilter, UserRecord, UserStore } from '../types.ts';
import { StoreConflictError } from '../types.ts';
import { bool, call, int, lc, limitOffset, type SqliteContext } from './common.ts';
import { TOMBSTONE_MS } from './sessions.ts';

export interface UserRow {
  id: string;
  username: string;
  email: string;
  is_site_admin: number;
  is_suspended: number;
  is_service_account: number;
  service_account_synced_at: number;
  member_of: string;
  login_findings: string;
  last_login_at: number;
  created_at: number;
}

export const USER_COLUMNS = 'id, username, email, is_site_admin, is_suspended, is_service_account, service_account_synced_at, member_of, login_findings, last_login_at, created_at';

export function userFromRow(r: UserRow): UserRecord {
  return {
    id: r.id,
    username: r.username,
    email: r.email,
    isSiteAdmin: bool(r.is_site_admin),
    isSuspended: bool(r.is_suspended),
    isServiceAccount: bool(r.is_service_account),
    serviceAccountSyncedAt: r.service_account_synced_at,
    // Most users have no findings: skip the parse on the token check's path.
    memberOf: r.member_of === '[]' ? [] : JSON.parse(r.member_of),
    loginFindings: r.login_findings === '[]' ? [] : JSON.parse(r.login_findings),
    lastLoginAt: r.last_login_at,
    createdAt: r.created_at,
  };
}

/** WHERE clause + parameters for a UserFilter (shared by list and count). */
function filterSql(f: UserFilter): { where: string; params: Record<string, unknown> } {
  const terms: string[] = [];
  const params: Record<string, unknown> = {};
  if (f.siteAdmin !== undefined) (terms.push('is_site_admin = @siteAdmin'), (params.siteAdmin = int(f.siteAdmin)));
  if (f.suspended !== undefined) (terms.push('is_suspended = @suspended'), (params.suspended = int(f.suspended)));
  if (f.serviceAccount !== undefined) (terms.push('is_service_account = @serviceAccount'), (params.serviceAccount = int(f.serviceAccount)));
  if (f.q) {
    terms.push('(instr(samlgate_lower(username), @q) > 0 OR instr(samlgate_lower(email), @q) > 0)');
    params.q = lc(f.q);
  }
  return { where: terms.length ? `WHERE ${terms.join(' AND ')}` : '', params };
}

export class SqliteUsers implements UserStore {
  private readonly byId;
  private readonly byEmail;
  private readonly byUsername;
  private readonly idByUsername;
  private readonly insert;
  private readonly updateLogin;
  private readonly suspend;
  private readonly endSessions;
  private readonly exists;
  private readonly recordLoginTx;
  private readonly setSuspendedTx;
  private readonly updateTx;

  constructor(private readonly c: SqliteContext) {
    const db = c.db;
    this.byId = db.prepare<[string], UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`);
    this.byEmail = db.prepare<[string], UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE email_lc = ?`);
    this.byUsername = db.prepare<[string], UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE username = ?`);
    this.idByUsername = db.prepare<[string], { id: string }>('SELECT id FROM users WHERE username = ?');
    this.insert = db.prepare(
      `INSERT INTO users (id, username, email, email_lc, is_site_admin, is_suspended, is_service_account, service_account_synced_at, member_of, login_findings, last_login_at, created_at)
       VALUES (@id, @username, @email, @email_lc, @is_site_admin, 0, @is_service_account, @now, @member_of, @login_findings, @now, @now)`,
    );
    // The `is_suspended = 0` guard makes the update a compare-and-set even outside the
    // transaction: a login can never clear a suspension.
    this.updateLogin = db.prepare(
      `UPDATE users SET username = @username, email = @email, email_lc = @email_lc, is_site_admin = @is_site_admin, is_service_account = @is_service_account,
         service_account_synced_at = @now, member_of = @member_of, login_findings = @login_findings, last_login_at = @now
       WHERE id = @id AND is_suspended = 0`,
    );
    this.suspend = db.prepare<[number, string, number]>('UPDATE users SET is_suspended = ? WHERE id = ? AND is_suspended = ?');
    this.endSessions = db.prepare<[number, string]>("UPDATE sessions SET ended = 1, data = '', user_id = NULL, expires_at = expires_at + ? WHERE user_id = ? AND ended = 0");
    this.exists = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM users WHERE id = ?');

    this.recordLoginTx = db.transaction((i: LoginInput): LoginResult => {
      const existingRow = this.byEmail.get(lc(i.email));
      if (existingRow && bool(existingRow.is_suspended)) return { ok: false, reason: 'suspended', user: userFromRow(existingRow) };
      const nameOwner = this.byUsername.get(i.username);
      if (nameOwner && nameOwner.id !== existingRow?.id) return { ok: false, reason: 'username-taken', owner: userFromRow(nameOwner) };
      const params = {
        id: existingRow?.id ?? i.newUserId,
        username: i.username,
        email: i.email,
        email_lc: lc(i.email),
        is_site_admin: int(i.isSiteAdmin),
        is_service_account: int(i.isServiceAccount),
        member_of: JSON.stringify(i.memberOf),
        login_findings: JSON.stringify(i.loginFindings),
        now: i.now,
      };
      if (existingRow) this.updateLogin.run(params);
      else this.insert.run(params);
      return { ok: true, user: userFromRow(this.byId.get(params.id)!), created: !existingRow };
    });

    this.setSuspendedTx = db.transaction((id: string, suspended: boolean): SuspendResult => {
      const changed = this.suspend.run(int(suspended), id, int(!suspended)).changes;
      if (changed === 0) return { ok: false, reason: this.exists.get(id) ? 'already' : 'not-found' };
      // S4: suspension ends every web session at once, in the same transaction.
      const sessionsEnded = suspended ? this.endSessions.run(TOMBSTONE_MS, id).changes : 0;
      return { ok: true, user: userFromRow(this.byId.get(id)!), sessionsEnded };
    });

    this.updateTx = db.transaction((id: string, patch: { username?: string; email?: string }): UserRecord | undefined => {
      const row = this.byId.get(id);
      if (!row) return undefined;
      if (patch.username !== undefined) {
        const owner = this.idByUsername.get(patch.username);
        if (owner && owner.id !== id) throw new StoreConflictError(`username ${patch.username} is taken`);
      }
      if (patch.email !== undefined) {
        const owner = this.byEmail.get(lc(patch.email));
        if (owner && owner.id !== id) throw new StoreConflictError(`email ${patch.email} is taken`);
      }
      const username = patch.username ?? row.username;
      const email = patch.email ?? row.email;
      db.prepare('UPDATE users SET username = ?, email = ?, email_lc = ? WHERE id = ?').run(username, email, lc(email), id);
      return userFromRow(this.byId.get(id)!);
    });
  }

  async get(id: string) {
    return call(this.c, () => {
      const r = this.byId.get(id);
      return r && userFromRow(r);
    });
  }
  async getByEmail(email: string) {
    return call(this.c, () => {
      const r = this.byEmail.get(lc(email));
      return r && userFromRow(r);
    });
  }
  async getByUsername(username: string) {
    return call(this.c, () => {
      const r = this.byUsername.get(username);
      return r && userFromRow(r);
    });
  }
  async list(filter: UserFilter, page: Page): Promise<Paged<UserRecord>> {
    return call(this.c, () => {
      const { where, params } = filterSql(filter);
      const rows = this.c.db.prepare<[Record<string, unknown>], UserRow>(`SELECT ${USER_COLUMNS} FROM users ${where} ORDER BY username LIMIT @limit OFFSET @offset`).all({ ...params, ...limitOffset(page) });
      const total = (this.c.db.prepare(`SELECT count(*) AS n FROM users ${where}`).get(params) as { n: number }).n;
      return { items: rows.map(userFromRow), total };
    });
  }
  async count(filter: UserFilter = {}) {
    return call(this.c, () => {
      const { where, params } = filterSql(filter);
      return (this.c.db.prepare(`SELECT count(*) AS n FROM users ${where}`).get(params) as { n: number }).n;
    });
  }
  async recordLogin(input: LoginInput): Promise<LoginResult> {
    return call(this.c, () => {
      try {
        return this.recordLoginTx.immediate(input);
      } catch (err) {
        // Another connection created the same username or email between our checks and the
        // insert cannot happen under BEGIN IMMEDIATE, but the unique indexes are the last word:
        // re-run the checks so the caller gets the typed refusal, never a driver error.
        if ((err as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) return this.recordLoginTx.immediate(input);
        throw err;
      }
    });
  }
  async setSuspended(id: string, suspended: boolean) {
    return call(this.c, () => this.setSuspendedTx.immediate(id, suspended));
  }
  async update(id: string, patch: { username?: string; email?: string }) {
    return call(this.c, () => this.updateTx.immediate(id, patch));
  }
}
