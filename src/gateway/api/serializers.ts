/** Store records -> TFE-shaped JSON:API resource objects. One function per resource type. */
import type { TokenRecord, UserRecord } from '../../store/types.ts';
import { iso } from './jsonapi.ts';

export function userResource(user: UserRecord) {
  return {
    id: user.id,
    type: 'users',
    attributes: {
      username: user.username,
      email: user.email,
      'is-service-account': user.isServiceAccount,
      'is-site-admin': user.isSiteAdmin,
      'is-suspended': user.isSuspended,
      'is-sso-login': true,
      'avatar-url': null,
      'two-factor': { enabled: false, verified: false },
      'unconfirmed-email': null,
      permissions: {
        'can-create-organizations': user.isSiteAdmin,
        'can-change-email': false,
        'can-change-username': false,
        'can-manage-user-tokens': true,
      },
    },
    relationships: {
      'authentication-tokens': { links: { related: `/api/v2/users/${user.id}/authentication-tokens` } },
    },
    links: { self: `/api/v2/users/${user.id}` },
    // samlgate extension (rule F2): the flag is a snapshot of the last login's assertion.
    meta: {
      'service-account-synced-at': iso(user.serviceAccountSyncedAt),
      'last-login-at': iso(user.lastLoginAt),
      'member-of': user.memberOf,
    },
  };
}

/** `secret` is passed only by the create handler: the one time the token is shown (rule T5). */
export function tokenResource(token: TokenRecord, secret: string | null = null) {
  return {
    id: token.id,
    type: 'authentication-tokens',
    attributes: {
      'created-at': iso(token.createdAt),
      'last-used-at': iso(token.lastUsedAt),
      description: token.description,
      token: secret,
      'expired-at': iso(token.expiredAt),
    },
    relationships: {
      'created-by': { data: token.createdById ? { id: token.createdById, type: 'users' } : null },
    },
  };
}
