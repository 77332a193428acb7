/**
 * SSH keys (https://developer.hashicorp.com/terraform/enterprise/api-docs/ssh-keys):
 *   GET/POST /api/v2/organizations/:org/ssh-keys     GET/PATCH/DELETE /api/v2/ssh-keys/:id
 *   PATCH /api/v2/workspaces/:id/relationships/ssh-key   (workspaces API: assign / unassign)
 * Every call, reads included, needs organization:manage-vcs-settings as in TFE
 * (`can-update-ssh-keys`). The private key goes in and never comes out (src/tfe/ssh-keys.ts).
 */
import type { Request, Response } from 'express';
import type { ApiRoutes } from '../http/route-table.ts';
import { z } from 'zod';
import { TfeError } from '../tfe/errors.ts';
import { assignSshKey, createSshKey, deleteSshKey, SSH_KEY_TYPE, updateSshKey, WORKSPACE_SSH_KEY_TYPE, type SshKey, type SshKeyAttributes } from '../tfe/ssh-keys.ts';
import type { ResourceRecord } from '../store/types-resources.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { iso, paginationLinks, paginationMeta, parseBody, readPage, sendDocument, sendNotFound } from './jsonapi.ts';
import { familyRoutes } from './resource-access.ts';
import { loadWorkspaceById } from './workspace-facts.ts';
import { workspaceResource } from './workspace-serializers.ts';
import { principalOf } from './principal.ts';

const ACTION = 'organization:manage-vcs-settings' as const;

// The value is typed `unknown` here so its checks (and messages) live in one place, the domain.
const attributes = z.object({ name: z.unknown(), value: z.unknown() }).partial();
const body = z.object({ data: z.object({ type: z.literal('ssh-keys', { error: 'must be "ssh-keys"' }).optional(), id: z.string().optional(), attributes: attributes.default({}) }) });
const assignBody = z.object({
  data: z.object({
    type: z.literal('workspaces', { error: 'must be "workspaces"' }).optional(),
    attributes: z.object({ id: z.string({ error: 'id must be an SSH key id or null' }).nullable() }, { error: 'attributes must be an object with id' }),
  }),
});

/** TFE names an organization by its name in relationships. */
export function sshKeyResource(k: ResourceRecord<SshKeyAttributes>, orgName: string) {
  return {
    id: k.id,
    type: SSH_KEY_TYPE,
    attributes: { name: k.attributes.name, 'created-at': iso(k.createdAt), 'updated-at': iso(k.updatedAt) },
    relationships: { organization: { data: { id: orgName, type: 'organizations' } } },
    links: { self: `/api/v2/ssh-keys/${k.id}` },
  };
}

export function addSshKeyRoutes(router: ApiRoutes, ctx: GatewayContext): void {
  const access = familyRoutes<SshKeyAttributes>(ctx, SSH_KEY_TYPE, ACTION);
  const load = (req: Request) => access.record(req);

  router.get('/organizations/:org/ssh-keys', async (req, res) => {
    const found = await access.organization(req);
    if (!found) return sendNotFound(res);
    const page = readPage(req);
    const result = await ctx.store.resources.list<SshKeyAttributes>(SSH_KEY_TYPE, { organizationId: found.org.id }, page);
    sendDocument(res, 200, {
      data: result.items.map((k) => sshKeyResource(k, found.org.name)),
      links: paginationLinks(`/api/v2/organizations/${encodeURIComponent(found.org.name)}/ssh-keys`, page, result.total),
      meta: paginationMeta(page, result.total),
    });
  });

  router.post('/organizations/:org/ssh-keys', async (req, res) => {
    const found = await access.organization(req);
    if (!found) return sendNotFound(res);
    const a = parseBody(req, body).data.attributes;
    const record = await createSshKey(ctx.tfe, found.org.id, { name: a.name, value: a.value });
    sendDocument(res, 201, { data: sshKeyResource(record, found.org.name) });
  });

  router.get('/ssh-keys/:id', async (req, res) => {
    const found = await load(req);
    if (!found) return sendNotFound(res);
    sendDocument(res, 200, { data: sshKeyResource(found.record, found.org.name) });
  });

  router.patch('/ssh-keys/:id', async (req, res) => {
    const found = await load(req);
    if (!found) return sendNotFound(res);
    const a = parseBody(req, body).data.attributes;
    const updated = await updateSshKey(ctx.tfe, found.record, a);
    sendDocument(res, 200, { data: sshKeyResource(updated, found.org.name) });
  });

  router.delete('/ssh-keys/:id', async (req, res) => {
    const found = await load(req);
    if (!found) return sendNotFound(res);
    await deleteSshKey(ctx.tfe, found.record);
    res.status(204).end();
  });

  router.patch('/workspaces/:id/relationships/ssh-key', async (req, res) => {
    const scope = await loadWorkspaceById(ctx, principalOf(req), req.params.id);
    // TFE: assigning a key is a workspace settings change (admin).
    if (!scope || !scope.may('workspace:update')) return sendNotFound(res);
    const keyId = parseBody(req, assignBody).data.attributes.id;
    let key: SshKey | null = null;
    if (keyId !== null) {
      // Only a key the caller could manage in this workspace's organization can be assigned.
      const found = await access.record(req, keyId);
      if (!found || found.record.organizationId !== scope.workspace.organizationId) {
        throw new TfeError('invalid', `SSH key ${keyId} was not found in organization ${scope.organization.name}`, 'id');
      }
      key = found.record;
    }
    const assigned = await assignSshKey(ctx.tfe, scope.workspace, key);
    sendWorkspaceWithKey(res, scope, assigned);
  });
}

/** The workspace document with its `ssh-key` relationship filled in. */
function sendWorkspaceWithKey(res: Response, scope: NonNullable<Awaited<ReturnType<typeof loadWorkspaceById>>>, keyId: string | null) {
  const data = workspaceResource(scope.workspace, scope.organization, { ...scope.facts, workspace: scope.workspace });
  (data.relationships as Record<string, unknown>)['ssh-key'] = { data: keyId === null ? null : { id: keyId, type: SSH_KEY_TYPE } };
  sendDocument(res, 200, { data });
}

/** A workspace resource with its `ssh-key` relationship filled in from the link record, if any. */
export async function withSshKey<R extends { id: string; relationships: object }>(ctx: GatewayContext, data: R): Promise<R> {
  const links = await ctx.store.resources.listAll(WORKSPACE_SSH_KEY_TYPE, { workspaceId: data.id });
  const keyId = links.at(-1)?.parentId ?? null;
  (data.relationships as Record<string, unknown>)['ssh-key'] = { data: keyId === null ? null : { id: keyId, type: SSH_KEY_TYPE } };
  return data;
}
