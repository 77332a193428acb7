/**
 * The resources section of the memory store (types-resources.ts). Cascades are eager, like the
 * SQLite store's foreign keys: the other sections call organizationDeleted / workspaceDeleted at
 * the moment they delete a parent, so no read ever sees an orphan.
 */
import type { Page, Paged } from './paging.ts';
import type { ResourceFilter, ResourcePatch, ResourceRecord, ResourceStore } from './types-resources.ts';
import { StoreConflictError } from './types.ts';

export interface ResourceParents {
  organizationExists(id: string): boolean;
  workspaceExists(id: string): boolean;
}

const clone = <T>(v: T): T => structuredClone(v);
const uniqueSlot = (type: string, key: string) => `${type}\u0000${key}`;

class MemoryResources implements ResourceStore {
  /** Insertion order is the tie-break on createdAt, as rowid is in SQLite. */
  private readonly records = new Map<string, ResourceRecord>();
  private readonly byUnique = new Map<string, string>();

  constructor(private readonly parents: ResourceParents) {}

  async create<A>(record: ResourceRecord<A>) {
    const r = record as ResourceRecord;
    if (this.records.has(r.id)) throw new StoreConflictError(`resource id ${r.id} exists`);
    if (!this.parents.organizationExists(r.organizationId)) throw new StoreConflictError(`organization ${r.organizationId} does not exist`);
    if (r.workspaceId !== null && !this.parents.workspaceExists(r.workspaceId)) throw new StoreConflictError(`workspace ${r.workspaceId} does not exist`);
    if (r.parentId !== null && !this.records.has(r.parentId)) throw new StoreConflictError(`parent resource ${r.parentId} does not exist`);
    if (r.uniqueKey !== null && this.byUnique.has(uniqueSlot(r.type, r.uniqueKey))) throw new StoreConflictError(`${r.type} ${r.uniqueKey} is taken`);
    this.records.set(r.id, clone(r));
    if (r.uniqueKey !== null) this.byUnique.set(uniqueSlot(r.type, r.uniqueKey), r.id);
  }

  async get<A>(type: string, id: string) {
    const r = this.records.get(id);
    return r && r.type === type ? (clone(r) as ResourceRecord<A>) : undefined;
  }

  private matching(type: string, f: ResourceFilter): ResourceRecord[] {
    const out: ResourceRecord[] = [];
    for (const r of this.records.values()) {
      if (r.type !== type) continue;
      if (f.organizationId !== undefined && r.organizationId !== f.organizationId) continue;
      if (f.workspaceId !== undefined && r.workspaceId !== f.workspaceId) continue;
      if (f.parentId !== undefined && r.parentId !== f.parentId) continue;
      out.push(r);
    }
    // Stable sort: equal createdAt keeps insertion order.
    return out.sort((a, b) => a.createdAt - b.createdAt);
  }

  async list<A>(type: string, filter: ResourceFilter, page: Page): Promise<Paged<ResourceRecord<A>>> {
    const all = this.matching(type, filter);
    const start = (page.number - 1) * page.size;
    return { items: all.slice(start, start + page.size).map((r) => clone(r) as ResourceRecord<A>), total: all.length };
  }

  async listAll<A>(type: string, filter: ResourceFilter) {
    return this.matching(type, filter).map((r) => clone(r) as ResourceRecord<A>);
  }

  async update<A>(type: string, id: string, patch: ResourcePatch<A>) {
    const r = this.records.get(id);
    if (!r || r.type !== type) return undefined;
    if (patch.workspaceId != null && !this.parents.workspaceExists(patch.workspaceId)) throw new StoreConflictError(`workspace ${patch.workspaceId} does not exist`);
    if (patch.uniqueKey !== undefined && patch.uniqueKey !== r.uniqueKey && patch.uniqueKey !== null) {
      const holder = this.byUnique.get(uniqueSlot(type, patch.uniqueKey));
      if (holder !== undefined && holder !== id) throw new StoreConflictError(`${type} ${patch.uniqueKey} is taken`);
    }
    if (patch.uniqueKey !== undefined) {
      if (r.uniqueKey !== null) this.byUnique.delete(uniqueSlot(type, r.uniqueKey));
      r.uniqueKey = patch.uniqueKey;
      if (r.uniqueKey !== null) this.byUnique.set(uniqueSlot(type, r.uniqueKey), id);
    }
    if (patch.attributes !== undefined) r.attributes = clone(patch.attributes) as Record<string, unknown>;
    if (patch.workspaceId !== undefined) r.workspaceId = patch.workspaceId;
    r.updatedAt = patch.updatedAt;
    return clone(r) as ResourceRecord<A>;
  }

  async delete(type: string, id: string) {
    const r = this.records.get(id);
    if (!r || r.type !== type) return false;
    this.remove(id);
    return true;
  }

  /** Removes a record and its descendants (parentId), as ON DELETE CASCADE does. */
  private remove(id: string) {
    const r = this.records.get(id);
    if (!r) return;
    this.records.delete(id);
    if (r.uniqueKey !== null) this.byUnique.delete(uniqueSlot(r.type, r.uniqueKey));
    for (const child of [...this.records.values()]) if (child.parentId === id) this.remove(child.id);
  }

  organizationDeleted(id: string) {
    for (const r of [...this.records.values()]) if (r.organizationId === id) this.remove(r.id);
  }

  workspaceDeleted(id: string) {
    for (const r of [...this.records.values()]) if (r.workspaceId === id) this.remove(r.id);
  }
}

export function createMemoryResourceStore(parents: ResourceParents): {
  store: ResourceStore;
  cascades: { organizationDeleted(id: string): void; workspaceDeleted(id: string): void };
} {
  const store = new MemoryResources(parents);
  return { store, cascades: { organizationDeleted: (id) => store.organizationDeleted(id), workspaceDeleted: (id) => store.workspaceDeleted(id) } };
}
