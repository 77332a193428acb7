/** Organizations in SQLite; deleting one cascades to teams, members, memberships (foreign keys) and tokens (triggers). */
import type { OrganizationPatch, OrganizationRecord, OrganizationStore, Page, Paged, TeamRecord } from '../types.ts';
import { StoreConflictError } from '../types.ts';
import { call, lc, limitOffset, type SqliteContext } from './common.ts';
import { insertTeam } from './teams.ts';

export interface OrgRow {
  id: string;
  name: string;
  email: string;
  created_at: number;
  session_timeout_minutes: number;
  session_remember_minutes: number;
  owners_team_saml_role_id: string | null;
  attributes: string;
}

export const ORG_COLUMNS = 'id, name, email, created_at, session_timeout_minutes, session_remember_minutes, owners_team_saml_role_id, attributes';

export function orgFromRow(r: OrgRow): OrganizationRecord {
  return {
    id: r.id,
    name: r.name,
    email: r.email,
    createdAt: r.created_at,
    sessionTimeoutMinutes: r.session_timeout_minutes,
    sessionRememberMinutes: r.session_remember_minutes,
    ownersTeamSamlRoleId: r.owners_team_saml_role_id,
    attributes: JSON.parse(r.attributes),
  };
}

function orgParams(o: OrganizationRecord) {
  return {
    id: o.id,
    name: o.name,
    email: o.email,
    created_at: o.createdAt,
    session_timeout_minutes: o.sessionTimeoutMinutes,
    session_remember_minutes: o.sessionRememberMinutes,
    owners_team_saml_role_id: o.ownersTeamSamlRoleId,
    attributes: JSON.stringify(o.attributes),
  };
}

const isConstraint = (err: unknown) => (err as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT') === true;

export class SqliteOrganizations implements OrganizationStore {
  private readonly byId;
  private readonly byName;
  private readonly insert;
  private readonly replace;
  private readonly deleteStmt;
  private readonly createTx;
  private readonly updateTx;

  constructor(private readonly c: SqliteContext) {
    const db = c.db;
    this.byId = db.prepare<[string], OrgRow>(`SELECT ${ORG_COLUMNS} FROM organizations WHERE id = ?`);
    this.byName = db.prepare<[string], OrgRow>(`SELECT ${ORG_COLUMNS} FROM organizations WHERE name = ?`);
    const values = '@id, @name, @email, @created_at, @session_timeout_minutes, @session_remember_minutes, @owners_team_saml_role_id, @attributes';
    this.insert = db.prepare(`INSERT INTO organizations (${ORG_COLUMNS}) VALUES (${values})`);
    this.replace = db.prepare(
      `UPDATE organizations SET name = @name, email = @email, session_timeout_minutes = @session_timeout_minutes, session_remember_minutes = @session_remember_minutes,
         owners_team_saml_role_id = @owners_team_saml_role_id, attributes = @attributes WHERE id = @id`,
    );
    this.deleteStmt = db.prepare<[string]>('DELETE FROM organizations WHERE id = ?');
    const userExists = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM users WHERE id = ?');
    const addMember = db.prepare<[string, string]>('INSERT OR IGNORE INTO team_members (team_id, user_id) VALUES (?, ?)');
    this.createTx = db.transaction((org: OrganizationRecord, owners: TeamRecord, firstOwner: string | null) => {
      if (this.byName.get(org.name)) throw new StoreConflictError(`organization ${org.name} already exists`);
      try {
        this.insert.run(orgParams(org));
        insertTeam(db, { ...owners, organizationId: org.id, isOwners: true });
      } catch (err) {
        if (isConstraint(err)) throw new StoreConflictError('id already exists');
        throw err;
      }
      if (firstOwner !== null && userExists.get(firstOwner)) addMember.run(owners.id, firstOwner);
    });
    this.updateTx = db.transaction((id: string, patch: OrganizationPatch): OrganizationRecord | undefined => {
      const row = this.byId.get(id);
      if (!row) return undefined;
      const current = orgFromRow(row);
      if (patch.name !== undefined && patch.name !== current.name && this.byName.get(patch.name)) throw new StoreConflictError(`organization ${patch.name} already exists`);
      const next: OrganizationRecord = { ...current, ...patch, id, createdAt: current.createdAt, attributes: patch.attributes ?? current.attributes };
      this.replace.run(orgParams(next));
      return orgFromRow(this.byId.get(id)!);
    });
  }

  async get(id: string) {
    return call(this.c, () => {
      const r = this.byId.get(id);
      return r && orgFromRow(r);
    });
  }
  async getByName(name: string) {
    return call(this.c, () => {
      const r = this.byName.get(name);
      return r && orgFromRow(r);
    });
  }
  async list(page: Page, opts: { userId?: string; q?: string } = {}): Promise<Paged<OrganizationRecord>> {
    return call(this.c, () => {
      const terms: string[] = [];
      const params: Record<string, unknown> = {};
      if (opts.userId !== undefined) {
        terms.push(`(id IN (SELECT tm.organization_id FROM team_members m JOIN teams tm ON tm.id = m.team_id WHERE m.user_id = @userId)
                     OR id IN (SELECT organization_id FROM org_memberships WHERE user_id = @userId AND status = 'active'))`);
        params.userId = opts.userId;
      }
      if (opts.q) {
        terms.push('(instr(samlgate_lower(name), @q) > 0 OR instr(samlgate_lower(email), @q) > 0)');
        params.q = lc(opts.q);
      }
      const where = terms.length ? `WHERE ${terms.join(' AND ')}` : '';
      const rows = this.c.db.prepare<[Record<string, unknown>], OrgRow>(`SELECT ${ORG_COLUMNS} FROM organizations ${where} ORDER BY name LIMIT @limit OFFSET @offset`).all({ ...params, ...limitOffset(page) });
      const total = (this.c.db.prepare(`SELECT count(*) AS n FROM organizations ${where}`).get(params) as { n: number }).n;
      return { items: rows.map(orgFromRow), total };
    });
  }
  async create(org: OrganizationRecord, ownersTeam: TeamRecord, firstOwnerUserId: string | null) {
    call(this.c, () => this.createTx.immediate(org, ownersTeam, firstOwnerUserId));
  }
  async update(id: string, patch: OrganizationPatch) {
    return call(this.c, () => this.updateTx.immediate(id, patch));
  }
  async delete(id: string) {
    return call(this.c, () => this.deleteStmt.run(id).changes > 0);
  }
}
