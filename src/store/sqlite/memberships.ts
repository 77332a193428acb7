/** Organization memberships (invitations by email) in SQLite. */
import type { AcceptResult, OrgMembershipRecord, OrgMembershipStore, Page, Paged } from '../types.ts';
import { StoreConflictError } from '../types.ts';
import { call, lc, limitOffset, type SqliteContext } from './common.ts';

interface MembershipRow {
  id: string;
  organization_id: string;
  email: string;
  user_id: string | null;
  status: 'invited' | 'active';
  initial_team_ids: string;
  created_at: number;
}

const COLUMNS = 'id, organization_id, email, user_id, status, initial_team_ids, created_at';

function fromRow(r: MembershipRow): OrgMembershipRecord {
  return { id: r.id, organizationId: r.organization_id, email: r.email, userId: r.user_id, status: r.status, initialTeamIds: JSON.parse(r.initial_team_ids), createdAt: r.created_at };
}

export class SqliteOrgMemberships implements OrgMembershipStore {
  private readonly byId;
  private readonly byEmail;
  private readonly byUser;
  private readonly createTx;
  private readonly deleteTx;
  private readonly activateTx;
  private readonly acceptTx;

  constructor(private readonly c: SqliteContext) {
    const db = c.db;
    this.byId = db.prepare<[string], MembershipRow>(`SELECT ${COLUMNS} FROM org_memberships WHERE id = ?`);
    this.byEmail = db.prepare<[string, string], MembershipRow>(`SELECT ${COLUMNS} FROM org_memberships WHERE organization_id = ? AND email_lc = ?`);
    this.byUser = db.prepare<[string], MembershipRow>(`SELECT ${COLUMNS} FROM org_memberships WHERE user_id = ? ORDER BY created_at, id`);
    const orgExists = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM organizations WHERE id = ?');
    const teamExists = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM teams WHERE id = ?');
    const insert = db.prepare(
      `INSERT INTO org_memberships (id, organization_id, email, email_lc, user_id, status, initial_team_ids, created_at)
       VALUES (@id, @organization_id, @email, @email_lc, @user_id, @status, @initial_team_ids, @created_at)`,
    );
    const addMember = db.prepare<[string, string]>('INSERT OR IGNORE INTO team_members (team_id, user_id) VALUES (?, ?)');
    const ownersOf = db.prepare<[string], { id: string }>('SELECT id FROM teams WHERE organization_id = ? AND is_owners = 1');
    const memberCount = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM team_members WHERE team_id = ?');
    const isMember = db.prepare<[string, string], { one: number }>('SELECT 1 AS one FROM team_members WHERE team_id = ? AND user_id = ?');
    const leaveOrg = db.prepare<[string, string]>('DELETE FROM team_members WHERE user_id = ? AND team_id IN (SELECT id FROM teams WHERE organization_id = ?)');
    const deleteStmt = db.prepare<[string]>('DELETE FROM org_memberships WHERE id = ?');
    // An invitation that names a user waits for that user's consent (acceptInvitation).
    const invitedFor = db.prepare<[string], MembershipRow>(`SELECT ${COLUMNS} FROM org_memberships WHERE email_lc = ? AND status = 'invited' AND user_id IS NULL ORDER BY created_at, id`);
    const activate = db.prepare<[string, string]>("UPDATE org_memberships SET status = 'active', user_id = ? WHERE id = ?");
    const userExists = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM users WHERE id = ?');

    this.createTx = db.transaction((m: OrgMembershipRecord) => {
      if (!orgExists.get(m.organizationId)) throw new StoreConflictError(`organization ${m.organizationId} does not exist`);
      if (this.byEmail.get(m.organizationId, lc(m.email))) throw new StoreConflictError(`${m.email} is already a member or invited`);
      try {
        insert.run({
          id: m.id,
          organization_id: m.organizationId,
          email: m.email,
          email_lc: lc(m.email),
          user_id: m.userId,
          status: m.status,
          initial_team_ids: JSON.stringify(m.initialTeamIds),
          created_at: m.createdAt,
        });
      } catch (err) {
        if ((err as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) throw new StoreConflictError(`membership ${m.id} conflicts with an existing one`);
        throw err;
      }
      if (m.status === 'active' && m.userId) for (const t of m.initialTeamIds) if (teamExists.get(t)) addMember.run(t, m.userId);
    });
    this.deleteTx = db.transaction((id: string): 'deleted' | 'not-found' | 'last-owner' => {
      const m = this.byId.get(id);
      if (!m) return 'not-found';
      if (m.user_id) {
        const owners = ownersOf.get(m.organization_id);
        if (owners && isMember.get(owners.id, m.user_id) && memberCount.get(owners.id)!.n <= 1) return 'last-owner';
        leaveOrg.run(m.user_id, m.organization_id);
      }
      deleteStmt.run(id);
      return 'deleted';
    });
    this.activateTx = db.transaction((email: string, userId: string): OrgMembershipRecord[] => {
      const out: OrgMembershipRecord[] = [];
      const userKnown = userExists.get(userId) !== undefined;
      for (const row of invitedFor.all(lc(email))) {
        activate.run(userId, row.id);
        if (userKnown) for (const t of JSON.parse(row.initial_team_ids) as string[]) if (teamExists.get(t)) addMember.run(t, userId);
        out.push(fromRow({ ...row, status: 'active', user_id: userId }));
      }
      return out;
    });
    this.acceptTx = db.transaction((id: string, userId: string): AcceptResult => {
      const row = this.byId.get(id);
      if (!row || row.user_id !== userId) return { ok: false, reason: 'not-found' };
      if (row.status !== 'invited') return { ok: false, reason: 'not-invited' };
      activate.run(userId, row.id);
      if (userExists.get(userId)) for (const t of JSON.parse(row.initial_team_ids) as string[]) if (teamExists.get(t)) addMember.run(t, userId);
      return { ok: true, membership: fromRow({ ...row, status: 'active' }) };
    });
  }

  async get(id: string) {
    return call(this.c, () => {
      const r = this.byId.get(id);
      return r && fromRow(r);
    });
  }
  async getByEmail(organizationId: string, email: string) {
    return call(this.c, () => {
      const r = this.byEmail.get(organizationId, lc(email));
      return r && fromRow(r);
    });
  }
  async listByOrganization(organizationId: string, page: Page, opts: { status?: 'invited' | 'active'; q?: string } = {}): Promise<Paged<OrgMembershipRecord>> {
    return call(this.c, () => {
      const terms = ['organization_id = @org'];
      const params: Record<string, unknown> = { org: organizationId };
      if (opts.status) (terms.push('status = @status'), (params.status = opts.status));
      if (opts.q) (terms.push('instr(email_lc, @q) > 0'), (params.q = lc(opts.q)));
      const where = `WHERE ${terms.join(' AND ')}`;
      const rows = this.c.db.prepare<[Record<string, unknown>], MembershipRow>(`SELECT ${COLUMNS} FROM org_memberships ${where} ORDER BY created_at, id LIMIT @limit OFFSET @offset`).all({ ...params, ...limitOffset(page) });
      const total = (this.c.db.prepare(`SELECT count(*) AS n FROM org_memberships ${where}`).get(params) as { n: number }).n;
      return { items: rows.map(fromRow), total };
    });
  }
  async listByUser(userId: string) {
    return call(this.c, () => this.byUser.all(userId).map(fromRow));
  }
  async create(membership: OrgMembershipRecord) {
    call(this.c, () => this.createTx.immediate(membership));
  }
  async setInitialTeams(id: string, teamIds: string[]) {
    return call(this.c, () => {
      this.c.db.prepare<[string, string]>('UPDATE org_memberships SET initial_team_ids = ? WHERE id = ?').run(JSON.stringify([...new Set(teamIds)]), id);
      const r = this.byId.get(id);
      return r && fromRow(r);
    });
  }
  async delete(id: string) {
    return call(this.c, () => this.deleteTx.immediate(id));
  }
  async activateInvitations(email: string, userId: string) {
    return call(this.c, () => this.activateTx.immediate(email, userId));
  }
  async acceptInvitation(id: string, userId: string) {
    return call(this.c, () => this.acceptTx.immediate(id, userId));
  }
}
