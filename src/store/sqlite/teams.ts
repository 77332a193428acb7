/** Teams and team membership in SQLite; the owners-team rules are checked inside each transaction. */
import type { MemberChange, Page, Paged, TeamPatch, TeamRecord, TeamStore, UserRecord } from '../types.ts';
import { StoreConflictError } from '../types.ts';
import type { Db } from './database.ts';
import { bool, call, int, lc, limitOffset, type SqliteContext } from './common.ts';
import { USER_COLUMNS, userFromRow, type UserRow } from './users.ts';

export interface TeamRow {
  id: string;
  organization_id: string;
  name: string;
  sso_team_id: string | null;
  visibility: 'secret' | 'organization';
  organization_access: string;
  allow_member_token_management: number;
  is_owners: number;
  created_at: number;
}

export const TEAM_COLUMNS = 'id, organization_id, name, sso_team_id, visibility, organization_access, allow_member_token_management, is_owners, created_at';

export function teamFromRow(r: TeamRow): TeamRecord {
  return {
    id: r.id,
    organizationId: r.organization_id,
    name: r.name,
    ssoTeamId: r.sso_team_id,
    visibility: r.visibility,
    organizationAccess: JSON.parse(r.organization_access),
    allowMemberTokenManagement: bool(r.allow_member_token_management),
    isOwners: bool(r.is_owners),
    createdAt: r.created_at,
  };
}

function teamParams(t: TeamRecord) {
  return {
    id: t.id,
    organization_id: t.organizationId,
    name: t.name,
    sso_team_id: t.ssoTeamId,
    visibility: t.visibility,
    organization_access: JSON.stringify(t.organizationAccess),
    allow_member_token_management: int(t.allowMemberTokenManagement),
    is_owners: int(t.isOwners),
    created_at: t.createdAt,
  };
}

export function insertTeam(db: Db, t: TeamRecord): void {
  db.prepare(
    `INSERT INTO teams (${TEAM_COLUMNS}) VALUES (@id, @organization_id, @name, @sso_team_id, @visibility, @organization_access, @allow_member_token_management, @is_owners, @created_at)`,
  ).run(teamParams(t));
}

export class SqliteTeams implements TeamStore {
  private readonly byId;
  private readonly byName;
  private readonly owners;
  private readonly memberCount;
  private readonly isMember;
  private readonly addMember;
  private readonly removeMember;
  private readonly userExists;
  private readonly ofUser;
  private readonly createTx;
  private readonly updateTx;
  private readonly deleteTx;
  private readonly addTx;
  private readonly removeTx;
  private readonly syncTx;

  constructor(private readonly c: SqliteContext) {
    const db = c.db;
    this.byId = db.prepare<[string], TeamRow>(`SELECT ${TEAM_COLUMNS} FROM teams WHERE id = ?`);
    this.byName = db.prepare<[string, string], TeamRow>(`SELECT ${TEAM_COLUMNS} FROM teams WHERE organization_id = ? AND name = ?`);
    this.owners = db.prepare<[string], TeamRow>(`SELECT ${TEAM_COLUMNS} FROM teams WHERE organization_id = ? AND is_owners = 1`);
    this.memberCount = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM team_members WHERE team_id = ?');
    this.isMember = db.prepare<[string, string], { one: number }>('SELECT 1 AS one FROM team_members WHERE team_id = ? AND user_id = ?');
    this.addMember = db.prepare<[string, string]>('INSERT OR IGNORE INTO team_members (team_id, user_id) VALUES (?, ?)');
    this.removeMember = db.prepare<[string, string]>('DELETE FROM team_members WHERE team_id = ? AND user_id = ?');
    this.userExists = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM users WHERE id = ?');
    this.ofUser = db.prepare<[string], TeamRow>(`SELECT ${TEAM_COLUMNS.split(', ').map((c) => `t.${c}`).join(', ')} FROM team_members m JOIN teams t ON t.id = m.team_id WHERE m.user_id = ?`);
    const orgExists = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM organizations WHERE id = ?');
    const replace = db.prepare(
      `UPDATE teams SET name = @name, sso_team_id = @sso_team_id, visibility = @visibility, organization_access = @organization_access,
         allow_member_token_management = @allow_member_token_management WHERE id = @id`,
    );
    const deleteStmt = db.prepare<[string]>('DELETE FROM teams WHERE id = ?');

    this.createTx = db.transaction((team: TeamRecord) => {
      if (!orgExists.get(team.organizationId)) throw new StoreConflictError(`organization ${team.organizationId} does not exist`);
      if (this.byId.get(team.id)) throw new StoreConflictError('team id already exists');
      if (this.byName.get(team.organizationId, team.name)) throw new StoreConflictError(`team ${team.name} already exists`);
      try {
        insertTeam(db, team);
      } catch (err) {
        // The one-owners-team index: a second owners team in an organization.
        if ((err as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) throw new StoreConflictError(`team ${team.name} conflicts with an existing team`);
        throw err;
      }
    });
    this.updateTx = db.transaction((id: string, patch: TeamPatch): TeamRecord | undefined => {
      const row = this.byId.get(id);
      if (!row) return undefined;
      const current = teamFromRow(row);
      if (patch.name !== undefined && patch.name !== current.name && this.byName.get(current.organizationId, patch.name)) throw new StoreConflictError(`team ${patch.name} already exists`);
      const next: TeamRecord = { ...current, ...patch, organizationAccess: patch.organizationAccess ?? current.organizationAccess };
      replace.run(teamParams(next));
      return teamFromRow(this.byId.get(id)!);
    });
    this.deleteTx = db.transaction((id: string): 'deleted' | 'not-found' | 'owners' => {
      const row = this.byId.get(id);
      if (!row) return 'not-found';
      if (bool(row.is_owners)) return 'owners';
      deleteStmt.run(id); // members by foreign key, tokens by trigger
      return 'deleted';
    });
    this.addTx = db.transaction((teamId: string, userIds: string[]): MemberChange => {
      if (!this.byId.get(teamId)) return { ok: false, reason: 'team-not-found' };
      if (userIds.some((u) => !this.userExists.get(u))) return { ok: false, reason: 'user-not-found' };
      let changed = 0;
      for (const u of new Set(userIds)) changed += this.addMember.run(teamId, u).changes;
      return { ok: true, changed };
    });
    this.removeTx = db.transaction((teamId: string, userIds: string[]): MemberChange => {
      const row = this.byId.get(teamId);
      if (!row) return { ok: false, reason: 'team-not-found' };
      const leaving = [...new Set(userIds)].filter((u) => this.isMember.get(teamId, u));
      if (bool(row.is_owners) && leaving.length > 0 && leaving.length >= this.memberCount.get(teamId)!.n) return { ok: false, reason: 'last-owner' };
      for (const u of leaving) this.removeMember.run(teamId, u);
      return { ok: true, changed: leaving.length };
    });
    this.syncTx = db.transaction((userId: string, organizationId: string, teamIds: string[]) => {
      const wanted = new Set(teamIds.filter((id) => this.byId.get(id)?.organization_id === organizationId));
      const added: string[] = [];
      const removed: string[] = [];
      for (const row of this.ofUser.all(userId)) {
        if (row.organization_id !== organizationId || wanted.has(row.id)) continue;
        // Never empty the owners team through a sync: the organization would become unmanageable.
        if (bool(row.is_owners) && this.memberCount.get(row.id)!.n <= 1) continue;
        this.removeMember.run(row.id, userId);
        removed.push(row.id);
      }
      if (this.userExists.get(userId)) for (const teamId of wanted) if (this.addMember.run(teamId, userId).changes > 0) added.push(teamId);
      return { added, removed };
    });
  }

  async get(id: string) {
    return call(this.c, () => {
      const r = this.byId.get(id);
      return r && teamFromRow(r);
    });
  }
  async getByName(organizationId: string, name: string) {
    return call(this.c, () => {
      const r = this.byName.get(organizationId, name);
      return r && teamFromRow(r);
    });
  }
  async getOwners(organizationId: string) {
    return call(this.c, () => {
      const r = this.owners.get(organizationId);
      return r && teamFromRow(r);
    });
  }
  async listByOrganization(organizationId: string, page: Page, opts: { names?: string[]; q?: string } = {}): Promise<Paged<TeamRecord>> {
    return call(this.c, () => {
      const terms = ['organization_id = @org'];
      const params: Record<string, unknown> = { org: organizationId };
      if (opts.names) {
        terms.push('name IN (SELECT value FROM json_each(@names))');
        params.names = JSON.stringify(opts.names);
      }
      if (opts.q) {
        terms.push('instr(samlgate_lower(name), @q) > 0');
        params.q = lc(opts.q);
      }
      const where = `WHERE ${terms.join(' AND ')}`;
      const rows = this.c.db.prepare<[Record<string, unknown>], TeamRow>(`SELECT ${TEAM_COLUMNS} FROM teams ${where} ORDER BY name LIMIT @limit OFFSET @offset`).all({ ...params, ...limitOffset(page) });
      const total = (this.c.db.prepare(`SELECT count(*) AS n FROM teams ${where}`).get(params) as { n: number }).n;
      return { items: rows.map(teamFromRow), total };
    });
  }
  async create(team: TeamRecord) {
    call(this.c, () => this.createTx.immediate(team));
  }
  async update(id: string, patch: TeamPatch) {
    return call(this.c, () => this.updateTx.immediate(id, patch));
  }
  async delete(id: string) {
    return call(this.c, () => this.deleteTx.immediate(id));
  }
  async addMembers(teamId: string, userIds: string[]) {
    return call(this.c, () => this.addTx.immediate(teamId, userIds));
  }
  async removeMembers(teamId: string, userIds: string[]) {
    return call(this.c, () => this.removeTx.immediate(teamId, userIds));
  }
  async listMembers(teamId: string, page: Page): Promise<Paged<UserRecord>> {
    return call(this.c, () => {
      const { limit, offset } = limitOffset(page);
      const cols = USER_COLUMNS.split(', ').map((c) => `u.${c}`).join(', ');
      const rows = this.c.db
        .prepare<[string, number, number], UserRow>(`SELECT ${cols} FROM team_members m JOIN users u ON u.id = m.user_id WHERE m.team_id = ? ORDER BY u.username LIMIT ? OFFSET ?`)
        .all(teamId, limit, offset);
      return { items: rows.map(userFromRow), total: this.memberCount.get(teamId)!.n };
    });
  }
  async teamsOfUser(userId: string) {
    return call(this.c, () => this.ofUser.all(userId).map(teamFromRow));
  }
  async syncUserTeams(userId: string, organizationId: string, teamIds: string[]) {
    return call(this.c, () => this.syncTx.immediate(userId, organizationId, teamIds));
  }
}
