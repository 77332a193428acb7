/**
 * The resources section of the SQLite store (types-resources.ts): one table for every resource
 * type (migration 4, migrations-resources.ts). Ties on created_at order by rowid (insertion), as
 * the memory store does. A missing parent is a StoreConflictError, like a taken unique key.
 */
import { StoreConflictError, type Page, type Paged, type ResourceFilter, type ResourcePatch, type ResourceRecord, type ResourceStore } from '../types.ts';
import { call, limitOffset, type SqliteContext } from './common.ts';

interface ResourceRow {
  id: string;
  type: string;
  organization_id: string;
  workspace_id: string | null;
  parent_id: string | null;
  unique_key: string | null;
  created_at: number;
  updated_at: number;
  attributes: string;
}

const toRecord = <A>(r: ResourceRow): ResourceRecord<A> => ({
  id: r.id,
  type: r.type,
  organizationId: r.organization_id,
  workspaceId: r.workspace_id,
  parentId: r.parent_id,
  uniqueKey: r.unique_key,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  attributes: JSON.parse(r.attributes) as A,
});

const isForeignKey = (err: unknown) => (err as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY';

/** The WHERE clause of a filter: only the fields given, so each shape uses its own index. */
function where(f: ResourceFilter): string {
  const parts = ['type = @type'];
  if (f.organizationId !== undefined) parts.push('organization_id = @organizationId');
  if (f.workspaceId !== undefined) parts.push('workspace_id = @workspaceId');
  if (f.parentId !== undefined) parts.push('parent_id = @parentId');
  return parts.join(' AND ');
}

export class SqliteResources implements ResourceStore {
  private readonly insert;
  private readonly byId;
  private readonly remove;

  constructor(private readonly c: SqliteContext) {
    this.insert = c.db.prepare(
      `INSERT INTO resources (id, type, organization_id, workspace_id, parent_id, unique_key, created_at, updated_at, attributes)
       VALUES (@id, @type, @organizationId, @workspaceId, @parentId, @uniqueKey, @createdAt, @updatedAt, @attributes)`,
    );
    this.byId = c.db.prepare('SELECT * FROM resources WHERE id = ? AND type = ?');
    this.remove = c.db.prepare('DELETE FROM resources WHERE id = ? AND type = ?');
  }

  async create<A>(r: ResourceRecord<A>) {
    call(this.c, () => {
      try {
        this.insert.run({ ...r, attributes: JSON.stringify(r.attributes) });
      } catch (err) {
        if (isForeignKey(err)) throw new StoreConflictError(`the organization, workspace or parent resource of ${r.id} does not exist`);
        throw err;
      }
    });
  }

  async get<A>(type: string, id: string) {
    const row = call(this.c, () => this.byId.get(id, type)) as ResourceRow | undefined;
    return row && toRecord<A>(row);
  }

  async list<A>(type: string, filter: ResourceFilter, page: Page): Promise<Paged<ResourceRecord<A>>> {
    const w = where(filter);
    const params = { type, ...filter };
    return call(this.c, () => {
      const rows = this.c.db.prepare(`SELECT * FROM resources WHERE ${w} ORDER BY created_at, rowid LIMIT @limit OFFSET @offset`).all({ ...params, ...limitOffset(page) }) as ResourceRow[];
      const total = (this.c.db.prepare(`SELECT count(*) AS n FROM resources WHERE ${w}`).get(params) as { n: number }).n;
      return { items: rows.map((r) => toRecord<A>(r)), total };
    });
  }

  async listAll<A>(type: string, filter: ResourceFilter) {
    const rows = call(this.c, () => this.c.db.prepare(`SELECT * FROM resources WHERE ${where(filter)} ORDER BY created_at, rowid`).all({ type, ...filter })) as ResourceRow[];
    return rows.map((r) => toRecord<A>(r));
  }

  async update<A>(type: string, id: string, patch: ResourcePatch<A>) {
    const sets = ['updated_at = @updatedAt'];
    if (patch.attributes !== undefined) sets.push('attributes = @attributes');
    if (patch.uniqueKey !== undefined) sets.push('unique_key = @uniqueKey');
    if (patch.workspaceId !== undefined) sets.push('workspace_id = @workspaceId');
    const row = call(this.c, () => {
      try {
        return this.c.db
          .prepare(`UPDATE resources SET ${sets.join(', ')} WHERE id = @id AND type = @type RETURNING *`)
          .get({ id, type, updatedAt: patch.updatedAt, attributes: JSON.stringify(patch.attributes ?? null), uniqueKey: patch.uniqueKey ?? null, workspaceId: patch.workspaceId ?? null });
      } catch (err) {
        if (isForeignKey(err)) throw new StoreConflictError(`workspace ${patch.workspaceId} does not exist`);
        throw err;
      }
    }) as ResourceRow | undefined;
    return row && toRecord<A>(row);
  }

  async delete(type: string, id: string) {
    return call(this.c, () => this.remove.run(id, type)).changes > 0;
  }
}
