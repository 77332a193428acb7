/**
 * Notification configurations (https://developer.hashicorp.com/terraform/enterprise/api-docs/notification-configurations):
 *   GET/POST /api/v2/workspaces/:id/notification-configurations
 *   GET/PATCH/DELETE /api/v2/notification-configurations/:id
 *   POST /api/v2/notification-configurations/:id/actions/verify
 * Records live in store.resources with the workspace's id, so they die with it. Reads need the
 * workspace readable; writes and verify need `can-update` (workspace:update), as TFE.
 */
import type { Request } from 'express';
import type { ApiRoutes } from '../http/route-table.ts';
import { z } from 'zod';
import type { ResourceRecord } from '../store/types-resources.ts';
import { applyNotificationInput, createNotification, deleteNotification, NOTIFICATION_TYPE, recordDelivery, updateNotification, type NotificationAttributes, type NotificationInput } from '../tfe/notification-configurations.ts';
import { invalid } from '../tfe/errors.ts';
import { membershipUserId } from '../tfe/memberships.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { deliver } from './notification-delivery.ts';
import { iso, paginationMeta, parseBody, readPage, sendDocument, sendNotFound } from './jsonapi.ts';
import { loadWorkspaceById, type WorkspaceScope } from './workspace-facts.ts';
import { principalOf } from './principal.ts';

type Nc = ResourceRecord<NotificationAttributes>;

const str = z.string({ error: 'must be a string' });
const attributes = z
  .object({
    name: str,
    'destination-type': str,
    enabled: z.boolean({ error: 'must be true or false' }),
    url: str.nullable(),
    token: str.nullable(),
    triggers: z.array(str, { error: 'must be an array of strings' }),
    'email-addresses': z.array(str, { error: 'must be an array of strings' }),
  })
  .partial();
const userRefs = z.object({ data: z.array(z.object({ id: str, type: z.literal('users', { error: 'must be "users"' }).optional() }), { error: 'must be an array of users' }) });
const body = z.object({
  data: z.object({
    type: z.literal(NOTIFICATION_TYPE, { error: `must be "${NOTIFICATION_TYPE}"` }).optional(),
    id: z.string().optional(),
    attributes: attributes.default({}),
    relationships: z.object({ users: userRefs.optional() }).passthrough().optional(),
  }),
});

function inputOf(parsed: z.output<typeof body>): NotificationInput {
  const a = parsed.data.attributes;
  return {
    name: a.name,
    destinationType: a['destination-type'],
    enabled: a.enabled,
    url: a.url,
    token: a.token,
    triggers: a.triggers,
    emailAddresses: a['email-addresses'],
    emailUserIds: parsed.data.relationships?.users?.data.map((u) => u.id),
  };
}

export function notificationResource(nc: Nc) {
  const a = nc.attributes;
  return {
    id: nc.id,
    type: NOTIFICATION_TYPE,
    attributes: {
      'created-at': iso(nc.createdAt),
      'updated-at': iso(nc.updatedAt),
      'delivery-responses': a.deliveryResponses,
      'destination-type': a.destinationType,
      enabled: a.enabled,
      name: a.name,
      // Write-only (TFE): the signing key is never returned.
      token: null,
      triggers: a.triggers,
      url: a.url,
      'email-addresses': a.emailAddresses,
    },
    relationships: {
      subscribable: { data: { id: nc.workspaceId, type: 'workspaces' } },
      users: { data: a.emailUserIds.map((id) => ({ id, type: 'users' })) },
    },
    links: { self: `/api/v2/notification-configurations/${nc.id}` },
  };
}

export function addNotificationConfigurationRoutes(router: ApiRoutes, ctx: GatewayContext): void {
  const load = async (req: Request): Promise<{ scope: WorkspaceScope; nc: Nc } | undefined> => {
    const nc = await ctx.store.resources.get<NotificationAttributes>(NOTIFICATION_TYPE, req.params.id as string);
    if (!nc || !nc.workspaceId) return undefined;
    const scope = await loadWorkspaceById(ctx, principalOf(req), nc.workspaceId);
    return scope ? { scope, nc } : undefined;
  };

  /** Email users must be people of the workspace's organization (TFE): members, invited ones included, or team members. */
  const checkUsers = async (scope: WorkspaceScope, ids: string[]) => {
    if (!ids.length) return;
    const memberships = (await ctx.store.orgMemberships.listByOrganization(scope.organization.id, { number: 1, size: 1_000_000 })).items;
    const known = new Set(memberships.map(membershipUserId));
    for (const id of ids) {
      if (known.has(id)) continue;
      const inTeam = (await ctx.store.teams.teamsOfUser(id)).some((t) => t.organizationId === scope.organization.id);
      if (!inTeam) throw invalid('users', `Users ${id} is not a member of the organization`);
    }
  };

  router.get('/workspaces/:id/notification-configurations', async (req, res) => {
    const scope = await loadWorkspaceById(ctx, principalOf(req), req.params.id);
    if (!scope) return sendNotFound(res);
    const page = readPage(req);
    const result = await ctx.store.resources.list<NotificationAttributes>(NOTIFICATION_TYPE, { workspaceId: scope.workspace.id }, page);
    sendDocument(res, 200, { data: result.items.map(notificationResource), meta: paginationMeta(page, result.total) });
  });

  router.post('/workspaces/:id/notification-configurations', async (req, res) => {
    const scope = await loadWorkspaceById(ctx, principalOf(req), req.params.id);
    if (!scope || !scope.may('workspace:update')) return sendNotFound(res);
    const attrs = applyNotificationInput(inputOf(parseBody(req, body)));
    await checkUsers(scope, attrs.emailUserIds);
    const record = await createNotification(ctx.tfe, scope.workspace, attrs);
    sendDocument(res, 201, { data: notificationResource(record) });
  });

  router.get('/notification-configurations/:id', async (req, res) => {
    const found = await load(req);
    if (!found) return sendNotFound(res);
    sendDocument(res, 200, { data: notificationResource(found.nc) });
  });

  router.patch('/notification-configurations/:id', async (req, res) => {
    const found = await load(req);
    if (!found || !found.scope.may('workspace:update')) return sendNotFound(res);
    // TFE replaces the email users with the ones the request names (none when it names none).
    const attrs = applyNotificationInput(inputOf(parseBody(req, body)), found.nc.attributes);
    await checkUsers(found.scope, attrs.emailUserIds);
    const updated = await updateNotification(ctx.tfe, found.nc, attrs);
    sendDocument(res, 200, { data: notificationResource(updated) });
  });

  router.delete('/notification-configurations/:id', async (req, res) => {
    const found = await load(req);
    if (!found || !found.scope.may('workspace:update')) return sendNotFound(res);
    await deleteNotification(ctx.tfe, found.nc);
    res.status(204).end();
  });

  router.post('/notification-configurations/:id/actions/verify', async (req, res) => {
    const found = await load(req);
    if (!found || !found.scope.may('workspace:update')) return sendNotFound(res);
    const { nc, scope } = found;
    let response;
    if (nc.attributes.url) {
      const payload = {
        payload_version: 1,
        notification_configuration_id: nc.id,
        run_url: null,
        run_id: null,
        run_message: null,
        run_created_at: null,
        run_created_by: null,
        workspace_id: scope.workspace.id,
        workspace_name: scope.workspace.name,
        organization_name: scope.organization.name,
        notifications: [{ message: `Verification of ${nc.attributes.name}`, trigger: 'verification', run_status: null, run_updated_at: null, run_updated_by: null }],
      };
      // No store work is held open while the (bounded) call runs; the result is written after.
      response = await deliver(nc.attributes.url, payload, nc.attributes.token, () => ctx.clock.now());
    } else {
      response = { url: '', body: 'not sent: email notifications are recorded, never mailed', code: 0, headers: {}, 'sent-at': new Date(ctx.clock.now()).toISOString(), successful: false };
    }
    const updated = await recordDelivery(ctx.tfe, nc, response);
    sendDocument(res, 200, { data: notificationResource(updated) });
  });
}
