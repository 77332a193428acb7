/**
 * GET /api/v2/account/details for team and organization tokens (DESIGN T6): TFE answers with a
 * synthetic service user whose `authenticated-resource` relationship names the team or the
 * organization. The id is derived from the owner so repeated calls agree.
 */
import { createHash } from 'node:crypto';
import type { OrganizationRecord, TeamRecord } from '../store/types.ts';

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function derivedId(seed: string): string {
  const digest = createHash('sha256').update(seed).digest();
  let id = '';
  for (let i = 0; i < 16; i++) id += BASE62[digest[i]! % 62];
  return `user-${id}`;
}

export interface ServiceUser {
  id: string;
  username: string;
  email: string;
  authenticatedResource: { id: string; type: 'teams' | 'organizations' };
}

export function teamServiceUser(team: TeamRecord, org: OrganizationRecord): ServiceUser {
  // TFE names these `api-team_<id>`; the organization name keeps them readable.
  return { id: derivedId(`team:${team.id}`), username: `api-team_${team.id}`, email: `api-team_${team.id}@${org.name}.invalid`, authenticatedResource: { id: team.id, type: 'teams' } };
}

export function organizationServiceUser(org: OrganizationRecord): ServiceUser {
  return { id: derivedId(`organization:${org.id}`), username: `api-org-${org.name}`, email: `api-org-${org.name}@${org.name}.invalid`, authenticatedResource: { id: org.name, type: 'organizations' } };
}
