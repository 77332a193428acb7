/** principalOf(req): the typed accessor that replaced `req.principal!` in the /api/v2 handlers. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Request } from 'express';
import { principalOf } from '../../src/api/principal.ts';
import type { Principal } from '../../src/tfe/principal.ts';

describe('principalOf', () => {
  it('returns the principal the auth middleware set', () => {
    const principal = { kind: 'organization', via: 'token' } as unknown as Principal;
    assert.equal(principalOf({ principal } as Request), principal);
  });

  it('a handler reached without the auth middleware fails with an internal error naming the route, not a TypeError', () => {
    assert.throws(() => principalOf({ method: 'GET', originalUrl: '/api/v2/things' } as Request), /^Error: internal: GET \/api\/v2\/things reached a handler without a principal/);
  });
});
