/**
 * Workspace tags (TFE API docs "Workspaces", add/remove tags, and "Organization Tags",
 * https://developer.hashicorp.com/terraform/enterprise/api-docs/organization-tags). A tag lives
 * in its workspaces' `tag-names` setting (no record of its own, so nothing can go stale); its id
 * is derived from the organization and the name, so the same tag has the same `tag-` id on every
 * read and DELETE /organizations/:org/tags can name it.
 */
import type { WorkspaceRecord } from '../store/types-workspaces.ts';
import type { Store } from '../store/types.ts';
import { derivedId } from './deps.ts';
import { invalid } from './errors.ts';

/** As the workspace `tag-names` attribute accepts them (src/api/workspaces.ts). */
const TAG = /^[a-z0-9:_-]{1,255}$/i;

export function checkTagName(name: string): string {
  if (!TAG.test(name)) throw invalid('name', 'tags are letters, numbers, -, _ and : (at most 255 characters)');
  return name;
}

export const tagId = (organizationId: string, name: string) => derivedId('tag', `${organizationId}\0${name}`);

export async function allWorkspaces(store: Store, organizationId: string): Promise<WorkspaceRecord[]> {
  const out: WorkspaceRecord[] = [];
  for (let number = 1; ; number++) {
    const page = await store.workspaces.listByOrganization(organizationId, { number, size: 100 });
    out.push(...page.items);
    if (page.items.length === 0 || out.length >= page.total) return out;
  }
}

/** Every tag of the organization's workspaces with how many workspaces carry it, by name. */
export async function organizationTags(store: Store, organizationId: string): Promise<Array<{ id: string; name: string; instanceCount: number }>> {
  const counts = new Map<string, number>();
  for (const ws of await allWorkspaces(store, organizationId)) for (const t of new Set(ws.settings.tagNames)) counts.set(t, (counts.get(t) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([name, instanceCount]) => ({ id: tagId(organizationId, name), name, instanceCount }));
}
