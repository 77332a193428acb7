/**
 * Projects (TFE API docs "Projects",
 * https://developer.hashicorp.com/terraform/enterprise/api-docs/projects): `projects` records in
 * the resources section, name unique per organization (case-insensitively). Every organization
 * has a "Default Project", created on first use with an id derived from the organization (so two
 * concurrent first reads make the same record, and the loser's duplicate is refused atomically),
 * and it cannot be deleted.
 */
import { StoreConflictError } from '../store/types.ts';
import type { ResourceRecord } from '../store/types-resources.ts';
import { derivedId, newId, type TfeDeps } from './deps.ts';
import { invalid, TfeError } from './errors.ts';
import { newResource } from './resource-records.ts';

export const PROJECT = 'projects';
export const DEFAULT_PROJECT_NAME = 'Default Project';

export interface ProjectAttributes {
  name: string;
  description: string;
  isDefault: boolean;
}
export type Project = ResourceRecord<ProjectAttributes>;

/** TFE: letters, numbers, spaces, "-" and "_", 3 to 40 characters, no leading or trailing space. */
const NAME = /^[A-Za-z0-9_-](?:[A-Za-z0-9 _-]{1,38})[A-Za-z0-9_-]$/;

export function checkProjectName(name: string): string {
  if (name.length < 3 || name.length > 40) throw invalid('name', 'Name must be between 3 and 40 characters');
  if (!NAME.test(name)) throw invalid('name', 'Name may contain only letters, numbers, spaces, "-" and "_", and may not start or end with a space');
  return name;
}

const nameKey = (organizationId: string, name: string) => `${organizationId}/${name.toLowerCase()}`;
const taken = () => new TfeError('taken', 'Name has already been taken', 'name');

/** The Default Project's id, derived from the organization: no lookup needed to name it. */
export const defaultProjectId = (organizationId: string): string => derivedId('prj', `default\0${organizationId}`);

/** The project a workspace belongs to: its own, or the Default Project (null or absent). */
export const projectOfWorkspace = (w: { organizationId: string; settings: { projectId?: string | null } }): string => w.settings.projectId ?? defaultProjectId(w.organizationId);

/**
 * The project id a workspace create or update names, checked: a project of the same
 * organization (422 otherwise, as TFE answers an unknown relationship). The Default Project is
 * stored as null, so it needs no record to exist yet.
 */
export async function projectForWorkspace(d: TfeDeps, organizationId: string, projectId: string): Promise<string | null> {
  if (projectId === defaultProjectId(organizationId)) return null;
  const p = await d.store.resources.get<ProjectAttributes>(PROJECT, projectId);
  if (!p || p.organizationId !== organizationId) throw invalid('/data/relationships/project', `project ${projectId} was not found in this organization`);
  return p.id;
}

export async function ensureDefaultProject(d: TfeDeps, organizationId: string): Promise<Project> {
  const id = defaultProjectId(organizationId);
  const existing = await d.store.resources.get<ProjectAttributes>(PROJECT, id);
  if (existing) return existing;
  const record: Project = newResource({ id, type: PROJECT, organizationId, uniqueKey: nameKey(organizationId, DEFAULT_PROJECT_NAME), at: d.clock.now(), attributes: { name: DEFAULT_PROJECT_NAME, description: '', isDefault: true } });
  try {
    await d.store.resources.create(record);
  } catch (e) {
    if (!(e instanceof StoreConflictError)) throw e;
  }
  return (await d.store.resources.get<ProjectAttributes>(PROJECT, id)) ?? record;
}

export async function createProject(d: TfeDeps, organizationId: string, a: { name: string; description?: string | null }): Promise<Project> {
  await ensureDefaultProject(d, organizationId);
  const name = checkProjectName(a.name);
  const record: Project = newResource({ id: newId(d.ids, 'prj'), type: PROJECT, organizationId, uniqueKey: nameKey(organizationId, name), at: d.clock.now(), attributes: { name, description: a.description ?? '', isDefault: false } });
  try {
    await d.store.resources.create(record);
  } catch (e) {
    if (e instanceof StoreConflictError) throw taken();
    throw e;
  }
  return record;
}

export async function updateProject(d: TfeDeps, p: Project, a: { name?: string; description?: string | null }): Promise<Project> {
  const next = { ...p.attributes };
  if (a.name !== undefined) next.name = checkProjectName(a.name);
  if (a.description !== undefined) next.description = a.description ?? '';
  try {
    const updated = await d.store.resources.update<ProjectAttributes>(PROJECT, p.id, { attributes: next, uniqueKey: nameKey(p.organizationId, next.name), updatedAt: d.clock.now() });
    if (!updated) throw new TfeError('not-found', 'not found');
    return updated;
  } catch (e) {
    if (e instanceof StoreConflictError) throw taken();
    throw e;
  }
}

/** How many workspaces of the organization belong to the project. */
export async function workspacesInProject(d: TfeDeps, p: Project): Promise<number> {
  let n = 0;
  for (let page = 1; ; page++) {
    const { items, total } = await d.store.workspaces.listByOrganization(p.organizationId, { number: page, size: 100 }, {});
    n += items.filter((w) => projectOfWorkspace(w) === p.id).length;
    if (page * 100 >= total) return n;
  }
}

export async function deleteProject(d: TfeDeps, p: Project): Promise<void> {
  if (p.attributes.isDefault) throw invalid('name', 'The default project cannot be deleted');
  // TFE: a project is deleted only when it is empty; its workspaces are moved first, never lost.
  const count = await workspacesInProject(d, p);
  if (count > 0) throw invalid('name', `Project still contains ${count} workspace${count === 1 ? '' : 's'}: move or delete them first`);
  await d.store.resources.delete(PROJECT, p.id);
}
