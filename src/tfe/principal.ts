/**
 * Who is calling (DESIGN T2-T7): a user through the browser session or a user token, a team
 * token, or an organization token. Built by the gateway's auth middleware from one store lookup;
 * every authorization decision (src/tfe/authorize.ts) starts from one of these.
 */
import type { OrganizationRecord, TeamRecord, TokenRecord, UserRecord } from '../store/types.ts';

export type Principal =
  | { kind: 'user'; via: 'session'; user: UserRecord }
  | { kind: 'user'; via: 'token'; user: UserRecord; token: TokenRecord }
  | { kind: 'team'; via: 'token'; token: TokenRecord; team: TeamRecord; organization: OrganizationRecord }
  | { kind: 'organization'; via: 'token'; token: TokenRecord; organization: OrganizationRecord };

export type UserPrincipal = Extract<Principal, { kind: 'user' }>;

/** The user behind the call, or undefined for team and organization tokens. */
export function principalUser(p: Principal): UserRecord | undefined {
  return p.kind === 'user' ? p.user : undefined;
}
