/**
 * The resources section of the storage interface: the TFE resources behind the organization's
 * `permissions` keys (policies, policy sets and their parameters, SSH keys, agent pools and agent
 * tokens, variable sets, projects, notification configurations, run triggers, registry modules
 * and providers, plan exports, tags...). They share one shape so a new resource type costs no new
 * table, no migration and no second store implementation: a record is its JSON:API `type`, the
 * parents it dies with, an optional unique key, and its attributes as JSON.
 *
 * - `organizationId`: every resource belongs to one organization and is deleted with it.
 * - `workspaceId`: set for resources a workspace owns (run triggers, notification configurations,
 *   links from a set to a workspace); deleted with the workspace.
 * - `parentId`: another resource this one dies with (an agent pool's tokens, a policy set's
 *   parameters, a link record); deleted with it, recursively.
 * - `uniqueKey`: unique per `type` when set (e.g. `${organizationId}/${name lowercased}`), so a
 *   duplicate name fails atomically with StoreConflictError instead of a check-then-insert race.
 *
 * Links between two resources that are not parent and child (a policy in several policy sets):
 * an id array in the attributes, and readers drop ids that no longer resolve.
 */
import type { Page, Paged } from './paging.ts';

export interface ResourceRecord<A = Record<string, unknown>> {
  /** TFE-shaped id with the type's prefix (pol-, polset-, sshkey-, apool-, varset-, prj-, ...). */
  id: string;
  /** The JSON:API type, e.g. 'policies'. */
  type: string;
  organizationId: string;
  workspaceId: string | null;
  parentId: string | null;
  uniqueKey: string | null;
  createdAt: number;
  updatedAt: number;
  attributes: A;
}

export interface ResourceFilter {
  organizationId?: string;
  workspaceId?: string;
  parentId?: string;
}

export interface ResourcePatch<A = Record<string, unknown>> {
  /** Replaces the attributes whole (the caller merges). */
  attributes?: A;
  uniqueKey?: string | null;
  workspaceId?: string | null;
  updatedAt: number;
}

export interface ResourceStore {
  /**
   * A taken (type, uniqueKey), an id collision, or an organization/workspace/parent that does not
   * exist throws StoreConflictError.
   */
  create<A>(record: ResourceRecord<A>): Promise<void>;
  /** Only a record of this type: an id of another type is absent. */
  get<A = Record<string, unknown>>(type: string, id: string): Promise<ResourceRecord<A> | undefined>;
  /** Oldest first (createdAt, then insertion). Every filter field given must match. */
  list<A = Record<string, unknown>>(type: string, filter: ResourceFilter, page: Page): Promise<Paged<ResourceRecord<A>>>;
  /** Every match, oldest first: for small sets (a workspace's run triggers, a set's parameters). */
  listAll<A = Record<string, unknown>>(type: string, filter: ResourceFilter): Promise<ResourceRecord<A>[]>;
  /** undefined when absent; a taken uniqueKey throws StoreConflictError and changes nothing. */
  update<A = Record<string, unknown>>(type: string, id: string, patch: ResourcePatch<A>): Promise<ResourceRecord<A> | undefined>;
  /** Deletes the record and, recursively, every resource whose parentId is it. */
  delete(type: string, id: string): Promise<boolean>;
}
