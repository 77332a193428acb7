/**
 * SSH keys (https://developer.hashicorp.com/terraform/enterprise/api-docs/ssh-keys):
 *   GET/POST /api/v2/organizations/:org/ssh-keys     GET/PATCH/DELETE /api/v2/ssh-keys/:id
 *   PATCH /api/v2/workspaces/:id/relationships/ssh-key   (workspaces API: assign / unassign)
 * Every call, reads included, needs organization:manage-vcs-settings as in TFE
 * (`can-update-ssh-keys`). The private key goes in and never comes out (src/tfe/ssh-keys.ts).
 */
import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { organizationFor } from '../tfe/access.ts';
import { newId } from '../tfe/deps.ts';
import { TfeError } from '../tfe/errors.ts';
import { SSH_KEY_TYPE, sshKeyFingerprint, validateSshKeyName, WORKSPACE_SSH_KEY_TYPE, type SshKeyAttributes } from '../tfe/ssh-keys.ts';
import type { ResourceRecord } from '../store/types-resources.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { iso, paginationLinks, paginationMeta, parseBody, readPage, sendDocument, sendNotFound } from './jsonapi.ts';
import { resourceFor } from './resource-access.ts';
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

export function addSshKeyRoutes(router: Router, ctx: GatewayContext): void {
  const load = (req: Request) => resourceFor<SshKeyAttributes>(ctx, principalOf(req), SSH_KEY_TYPE, req.params.id as string, ACTION);

  router.get('/organizations/:org/ssh-keys', async (req, res) => {
    const found = await organizationFor(ctx, principalOf(req), req.params.org, ACTION);
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
    const found = await organizationFor(ctx, principalOf(req), req.params.org, ACTION);
    if (!found) return sendNotFound(res);
    const a = parseBody(req, body).data.attributes;
    const now = ctx.clock.now();
    const record: ResourceRecord<SshKeyAttributes> = {
      id: newId(ctx.ids, 'sshkey'),
      type: SSH_KEY_TYPE,
      organizationId: found.org.id,
      workspaceId: null,
      parentId: null,
      uniqueKey: null,
      createdAt: now,
      updatedAt: now,
      attributes: { name: validateSshKeyName(a.name), fingerprint: sshKeyFingerprint(a.value) },
    };
    await ctx.store.resources.create(record);
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
    const next: SshKeyAttributes = { ...found.record.attributes };
    if (a.name !== undefined) next.name = validateSshKeyName(a.name);
    if (a.value !== undefined) next.fingerprint = sshKeyFingerprint(a.value);
    const updated = await ctx.store.resources.update<SshKeyAttributes>(SSH_KEY_TYPE, found.record.id, { attributes: next, updatedAt: ctx.clock.now() });
    if (!updated) return sendNotFound(res);
    sendDocument(res, 200, { data: sshKeyResource(updated, found.org.name) });
  });

  router.delete('/ssh-keys/:id', async (req, res) => {
    const found = await load(req);
    if (!found) return sendNotFound(res);
    // The workspaces' links to it have parentId = the key and go with it.
    await ctx.store.resources.delete(SSH_KEY_TYPE, found.record.id);
    res.status(204).end();
  });

  router.patch('/workspaces/:id/relationships/ssh-key', async (req, res) => {
    const scope = await loadWorkspaceById(ctx, principalOf(req), req.params.id);
    // TFE: assigning a key is a workspace settings change (admin).
    if (!scope || !scope.may('workspace:update')) return sendNotFound(res);
    const keyId = parseBody(req, assignBody).data.attributes.id;
    const links = await ctx.store.resources.listAll(WORKSPACE_SSH_KEY_TYPE, { workspaceId: scope.workspace.id });
    let assigned: string | null = null;
    if (keyId !== null) {
      // Only a key the caller could manage in this workspace's organization can be assigned.
      const key = await resourceFor<SshKeyAttributes>(ctx, principalOf(req), SSH_KEY_TYPE, keyId, ACTION);
      if (!key || key.record.organizationId !== scope.workspace.organizationId) {
        throw new TfeError('invalid', `SSH key ${keyId} was not found in organization ${scope.organization.name}`, 'id');
      }
      const now = ctx.clock.now();
      await ctx.store.resources.create({ id: newId(ctx.ids, 'wsshkey'), type: WORKSPACE_SSH_KEY_TYPE, organizationId: scope.workspace.organizationId, workspaceId: scope.workspace.id, parentId: keyId, uniqueKey: null, createdAt: now, updatedAt: now, attributes: {} });
      assigned = keyId;
    }
    for (const l of links) await ctx.store.resources.delete(WORKSPACE_SSH_KEY_TYPE, l.id);
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
