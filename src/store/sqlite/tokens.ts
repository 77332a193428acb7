/**
 * Tokens in SQLite. resolve() is the hot path of every API call: ONE prepared statement on the
 * unique secret_hash index that also joins the owner (user, or team + organization, or
 * organization) and, for unflagged users, reads max(expires_at) of the owner's live sessions from
 * the partial index sessions_live_by_user (rule S2) - no session blob is read or parsed.
 */
import type { Page, Paged, ResolvedToken, TokenKind, TokenRecord, TokenStore } from '../types.ts';
import { StoreConflictError } from '../types.ts';
import { bool, call, int, limitOffset, type SqliteContext } from './common.ts';
import { orgFromRow, type OrgRow } from './organizations.ts';
import { teamFromRow, type TeamRow } from './teams.ts';
import { userFromRow, type UserRow } from './users.ts';

export interface TokenRow {
  id: string;
  kind: TokenKind;
  owner_id: string;
  description: string | null;
  secret_hash: string;
  created_at: number;
  last_used_at: number | null;
  expired_at: number | null;
  created_by_id: string | null;
  singular: number;
}

const TOKEN_COLUMNS = 'id, kind, owner_id, description, secret_hash, created_at, last_used_at, expired_at, created_by_id, singular';

export function tokenFromRow(r: TokenRow): TokenRecord {
  return {
    id: r.id,
    kind: r.kind,
    ownerId: r.owner_id,
    description: r.description,
    secretHash: r.secret_hash,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    expiredAt: r.expired_at,
    createdById: r.created_by_id,
    singular: bool(r.singular),
  };
}

function tokenParams(t: TokenRecord) {
  return {
    id: t.id,
    kind: t.kind,
    owner_id: t.ownerId,
    description: t.description,
    secret_hash: t.secretHash,
    created_at: t.createdAt,
    last_used_at: t.lastUsedAt,
    expired_at: t.expiredAt,
    created_by_id: t.createdById,
    singular: int(t.singular),
  };
}

const prefixed = (prefix: string, alias: string, cols: string[]) => cols.map((c) => `${alias}.${c} AS ${prefix}${c}`).join(', ');
const TOKEN_COLS = TOKEN_COLUMNS.split(', ');
const USER_COLS = ['id', 'username', 'email', 'is_site_admin', 'is_suspended', 'is_service_account', 'service_account_synced_at', 'member_of', 'login_findings', 'last_login_at', 'created_at'];
const TEAM_COLS = ['id', 'organization_id', 'name', 'sso_team_id', 'visibility', 'organization_access', 'allow_member_token_management', 'is_owners', 'created_at'];
const ORG_COLS = ['id', 'name', 'email', 'created_at', 'session_timeout_minutes', 'session_remember_minutes', 'owners_team_saml_role_id', 'attributes'];

/**
 * resolve() reads its row as an array (better-sqlite3 `raw`): building a 40-key object per API
 * call costs more than the query itself. These map a slice of the array back to a row object.
 */
const U0 = TOKEN_COLS.length;
const T0 = U0 + USER_COLS.length;
const O0 = T0 + TEAM_COLS.length;
const LIVE = O0 + ORG_COLS.length;

function slice<T>(row: unknown[], start: number, cols: string[]): T {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < cols.length; i++) out[cols[i]!] = row[start + i];
  return out as T;
}

const RESOLVE_SQL = `
SELECT ${TOKEN_COLS.map((c) => `t.${c}`).join(', ')},
  ${prefixed('u_', 'u', USER_COLS)},
  ${prefixed('tm_', 'tm', TEAM_COLS)},
  ${prefixed('o_', 'o', ORG_COLS)},
  CASE WHEN t.kind = 'user' AND u.is_service_account = 0 THEN
    (SELECT max(s.expires_at) FROM sessions s WHERE s.user_id = t.owner_id AND s.ended = 0 AND s.expires_at > @now)
  END AS live_until
FROM tokens t
LEFT JOIN users u ON t.kind = 'user' AND u.id = t.owner_id
LEFT JOIN teams tm ON t.kind = 'team' AND tm.id = t.owner_id
LEFT JOIN organizations o ON o.id = (CASE t.kind WHEN 'team' THEN tm.organization_id WHEN 'organization' THEN t.owner_id END)
WHERE t.secret_hash = @hash`;

export class SqliteTokens implements TokenStore {
  private readonly insert;
  private readonly byId;
  private readonly singularOf;
  private readonly deleteStmt;
  private readonly resolveStmt;
  private readonly touchStmt;
  private readonly countStmt;
  private readonly descriptionStmt;
  private readonly replaceTx;

  constructor(private readonly c: SqliteContext) {
    const db = c.db;
    this.insert = db.prepare(
      `INSERT INTO tokens (${TOKEN_COLUMNS}) VALUES (@id, @kind, @owner_id, @description, @secret_hash, @created_at, @last_used_at, @expired_at, @created_by_id, @singular)`,
    );
    this.byId = db.prepare<[string], TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM tokens WHERE id = ?`);
    this.singularOf = db.prepare<[string, string], TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM tokens WHERE kind = ? AND owner_id = ? AND singular = 1`);
    this.deleteStmt = db.prepare<[string]>('DELETE FROM tokens WHERE id = ?');
    this.resolveStmt = db.prepare<[{ hash: string; now: number }], unknown[]>(RESOLVE_SQL).raw(true);
    // Never move last_used_at backwards (two processes touching the same token).
    this.touchStmt = db.prepare<[{ at: number; id: string }]>('UPDATE tokens SET last_used_at = @at WHERE id = @id AND (last_used_at IS NULL OR last_used_at < @at)');
    this.countStmt = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM tokens');
    this.descriptionStmt = db.prepare<[string, string, string], { one: number }>('SELECT 1 AS one FROM tokens WHERE kind = ? AND owner_id = ? AND singular = 0 AND description = ? LIMIT 1');
    const taken = db.prepare<[string, string], { one: number }>('SELECT 1 AS one FROM tokens WHERE id = ? OR secret_hash = ?');
    this.replaceTx = db.transaction((token: TokenRecord): string | null => {
      // Checked before the old token goes: a refused replacement must leave the current one.
      if (taken.get(token.id, token.secretHash)) throw new StoreConflictError('token already exists');
      const old = this.singularOf.get(token.kind, token.ownerId);
      if (old) this.deleteStmt.run(old.id);
      this.insert.run(tokenParams({ ...token, singular: true }));
      return old?.id ?? null;
    });
  }

  async create(token: TokenRecord) {
    call(this.c, () => {
      try {
        this.insert.run(tokenParams(token));
      } catch (err) {
        if ((err as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) throw new StoreConflictError('token already exists');
        throw err;
      }
    });
  }
  async replaceSingular(token: TokenRecord) {
    return call(this.c, () => {
      try {
        return this.replaceTx.immediate(token);
      } catch (err) {
        if ((err as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) throw new StoreConflictError('token already exists');
        throw err;
      }
    });
  }
  async get(id: string) {
    return call(this.c, () => {
      const r = this.byId.get(id);
      return r && tokenFromRow(r);
    });
  }
  async getSingular(kind: 'team' | 'organization', ownerId: string) {
    return call(this.c, () => {
      const r = this.singularOf.get(kind, ownerId);
      return r && tokenFromRow(r);
    });
  }
  async listByOwner(kind: TokenKind, ownerId: string, page: Page, opts: { singular?: boolean } = {}): Promise<Paged<TokenRecord>> {
    return call(this.c, () => {
      const singular = opts.singular === undefined ? '' : `AND singular = ${int(opts.singular)}`;
      const rows = this.c.db
        .prepare<[string, string, number, number], TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM tokens WHERE kind = ? AND owner_id = ? ${singular} ORDER BY created_at, id LIMIT ? OFFSET ?`)
        .all(kind, ownerId, ...Object.values(limitOffset(page)) as [number, number]);
      const total = (this.c.db.prepare(`SELECT count(*) AS n FROM tokens WHERE kind = ? AND owner_id = ? ${singular}`).get(kind, ownerId) as { n: number }).n;
      return { items: rows.map(tokenFromRow), total };
    });
  }
  async listTeamTokensOfOrganization(organizationId: string, page: Page): Promise<Paged<TokenRecord>> {
    return call(this.c, () => {
      const from = "FROM tokens t JOIN teams tm ON t.kind = 'team' AND t.owner_id = tm.id WHERE tm.organization_id = ?";
      const { limit, offset } = limitOffset(page);
      const rows = this.c.db
        .prepare<[string, number, number], TokenRow>(`SELECT ${TOKEN_COLUMNS.split(', ').map((c) => `t.${c}`).join(', ')} ${from} ORDER BY t.created_at, t.id LIMIT ? OFFSET ?`)
        .all(organizationId, limit, offset);
      const total = (this.c.db.prepare(`SELECT count(*) AS n ${from}`).get(organizationId) as { n: number }).n;
      return { items: rows.map(tokenFromRow), total };
    });
  }
  async descriptionTaken(kind: TokenKind, ownerId: string, description: string) {
    return call(this.c, () => this.descriptionStmt.get(kind, ownerId, description) !== undefined);
  }
  async delete(id: string) {
    return call(this.c, () => this.deleteStmt.run(id).changes > 0);
  }
  async resolve(secretHash: string, now: number): Promise<ResolvedToken | undefined> {
    return call(this.c, () => {
      const r = this.resolveStmt.get({ hash: secretHash, now }) as unknown[] | undefined;
      if (!r) return undefined;
      const out: ResolvedToken = { token: tokenFromRow(slice<TokenRow>(r, 0, TOKEN_COLS)), webSessionLiveUntil: (r[LIVE] as number | null) ?? null };
      if (r[U0] !== null) out.user = userFromRow(slice<UserRow>(r, U0, USER_COLS));
      if (r[T0] !== null) out.team = teamFromRow(slice<TeamRow>(r, T0, TEAM_COLS));
      if (r[O0] !== null) out.organization = orgFromRow(slice<OrgRow>(r, O0, ORG_COLS));
      return out;
    });
  }
  async touch(id: string, lastUsedAt: number) {
    call(this.c, () => this.touchStmt.run({ at: lastUsedAt, id }));
  }
  async count() {
    return call(this.c, () => this.countStmt.get()!.n);
  }
}
