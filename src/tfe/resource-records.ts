/**
 * The one constructor of a new resource record (src/store/types-resources.ts). Every family used
 * to spell the whole literal (three nullable parents, two equal timestamps); here a parent left
 * out is null, and a field the shape gains later gets its default in one place.
 */
import type { ResourceRecord } from '../store/types-resources.ts';

export interface NewResource<A> {
  id: string;
  type: string;
  organizationId: string;
  /** The workspace it dies with; null or left out: none. */
  workspaceId?: string | null;
  /** The resource it dies with; null or left out: none. */
  parentId?: string | null;
  /** Unique per type (a duplicate is StoreConflictError); null or left out: none. */
  uniqueKey?: string | null;
  /** Both createdAt and updatedAt. */
  at: number;
  attributes: A;
}

export function newResource<A>(r: NewResource<A>): ResourceRecord<A> {
  return {
    id: r.id,
    type: r.type,
    organizationId: r.organizationId,
    workspaceId: r.workspaceId ?? null,
    parentId: r.parentId ?? null,
    uniqueKey: r.uniqueKey ?? null,
    createdAt: r.at,
    updatedAt: r.at,
    attributes: r.attributes,
  };
}
