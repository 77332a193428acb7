/**
 * GET /api/v2/account/details for team and organization tokens (DESIGN T6): TFE answers with a
 * synthetic service user whose `authenticated-resource` relationship names the team or the
 * organization. The id is derived from the owner so repeated calls agree.
 */
import type { OrganizationRecord, TeamRecord } from '../store/types.ts';
import { derivedId } from './deps.ts';

export interface ServiceUser {
  id: string;
  username: string;
  email: string;
  authenticatedResource: { id: string; type: 'teams' | 'organizations' };
}

export function teamServiceUser(team: TeamRecord, org: OrganizationRecord): ServiceUser {
  // TFE names these `api-team_<id>`; the organization name keeps them readable.
  return { id: derivedId('user', `team:${team.id}`), username: `api-team_${team.id}`, email: `api-team_${team.id}@${org.name}.invalid`, authenticatedResource: { id: team.id, type: 'teams' } };
}

export function organizationServiceUser(org: OrganizationRecord): ServiceUser {
  return { id: derivedId('user', `organization:${org.id}`), username: `api-org-${org.name}`, email: `api-org-${org.name}@${org.name}.invalid`, authenticatedResource: { id: org.name, type: 'organizations' } };
}
