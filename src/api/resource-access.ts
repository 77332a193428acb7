/**
 * The organization-scoped resources' one way into authorization: a resource record is reachable
 * only through organizationFor (access.ts + authorize.ts) with the family's action, so a record
 * of another organization, or one the caller may not manage, is the same 404 as an absent one (T7).
 */
import type { Request } from 'express';
import type { OrganizationRecord } from '../store/types.ts';
import type { ResourceRecord } from '../store/types-resources.ts';
import { organizationFor } from '../tfe/access.ts';
import type { Action } from '../tfe/authorize.ts';
import type { Principal } from '../tfe/principal.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { principalOf } from './principal.ts';

/** The record `id` of `type` with its organization, if the caller may take `action` there. */
export async function resourceFor<A>(ctx: GatewayContext, p: Principal, type: string, id: string, action: Action): Promise<{ record: ResourceRecord<A>; org: OrganizationRecord } | undefined> {
  const record = await ctx.store.resources.get<A>(type, id);
  if (!record) return undefined;
  const org = await ctx.store.organizations.get(record.organizationId);
  if (!org || !(await organizationFor(ctx, p, org.name, action))) return undefined;
  return { record, org };
}

/**
 * A family's route preludes under its one action: the organization named by `:org` (list,
 * create) and the record named by `:id` (read, update, delete); undefined means answer 404.
 */
export function familyRoutes<A>(ctx: GatewayContext, type: string, action: Action) {
  return {
    organization: (req: Request) => organizationFor(ctx, principalOf(req), req.params.org as string, action),
    record: (req: Request, id = req.params.id as string) => resourceFor<A>(ctx, principalOf(req), type, id, action),
  };
}
