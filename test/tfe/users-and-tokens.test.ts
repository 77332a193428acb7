/**
 * The token and user rules of src/tfe/ speak domain errors, not HTTP or SAML codes: the user
 * sync refuses with LoginRefused (the ACS maps it to E_USER in one place), and every token kind
 * is born through one record/expiry path (src/tfe/tokens.ts).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.ts';
import { randomIds } from '../../src/ids.ts';
import { createMemoryStore } from '../../src/store/memory.ts';
import { loginRefusalAsRejection } from '../../src/sp/acs.ts';
import { SamlRejection } from '../../src/saml/rejection.ts';
import type { TfeDeps } from '../../src/tfe/deps.ts';
import { TfeError } from '../../src/tfe/errors.ts';
import { hashTokenSecret, mintTokenSecret, TOKEN_SHAPE } from '../../src/tfe/token-secrets.ts';
import { createUserToken } from '../../src/tfe/tokens.ts';
import { LoginRefused, setSuspended, syncUserAtLogin } from '../../src/tfe/users.ts';
import { KeyedMutex } from '../../src/util/keyed-mutex.ts';

function deps(): TfeDeps {
  return { store: createMemoryStore(), clock: new ManualClock(), ids: randomIds, mintSecret: () => mintTokenSecret(randomIds) };
}
const facts = { nameId: 'alice@example.com', username: 'alice', memberOf: [], siteAdmin: false, isServiceAccount: false };

describe('user sync and user tokens in src/tfe', () => {
  it('a suspended user\'s login is refused with the domain error LoginRefused, which the ACS maps to E_USER', async () => {
    const d = deps();
    const u = { ...d, userLocks: new KeyedMutex() };
    const user = await syncUserAtLogin(u, facts);
    await setSuspended(u, user.id, true);
    const err = await syncUserAtLogin(u, facts).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof LoginRefused);
    assert.equal(err.reason, 'user-suspended');
    const rejection = loginRefusalAsRejection(err);
    assert.ok(rejection instanceof SamlRejection);
    assert.equal(rejection.code, 'E_USER');
    assert.equal(rejection.detail, err.message);
  });

  it('a username owned by another email is refused with LoginRefused username-taken', async () => {
    const u = { ...deps(), userLocks: new KeyedMutex() };
    await syncUserAtLogin(u, facts);
    const err = await syncUserAtLogin(u, { ...facts, nameId: 'mallory@example.com' }).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof LoginRefused);
    assert.equal(err.reason, 'username-taken');
  });

  it('errors other than LoginRefused pass the ACS mapping unchanged', () => {
    const other = new Error('disk full');
    assert.equal(loginRefusalAsRejection(other), other);
  });

  it('createUserToken stores only the hash of a TFE-shaped secret, minted by the user', async () => {
    const d = deps();
    const { token, secret } = await createUserToken(d, 'user-1', { description: 'ci', expiredAt: null });
    assert.match(secret, TOKEN_SHAPE);
    assert.equal(token.secretHash, hashTokenSecret(secret));
    assert.deepEqual([token.kind, token.ownerId, token.createdById, token.singular], ['user', 'user-1', 'user-1', false]);
    assert.equal((await d.store.tokens.get(token.id))?.secretHash, token.secretHash);
  });

  it('createUserToken refuses an expiry that is not in the future (TfeError invalid, expired-at), as team and organization tokens do', async () => {
    const d = deps();
    await assert.rejects(createUserToken(d, 'user-1', { description: null, expiredAt: d.clock.now() }), (e: unknown) => e instanceof TfeError && e.code === 'invalid' && e.field === 'expired-at');
  });
});

describe('hashTokenSecret', () => {
  it('is the SHA-256 hex digest of the UTF-8 secret, so hashes stored by earlier versions still match', () => {
    for (const secret of ['abcdefghijklmn.atlasv1.' + 'x'.repeat(67), 'non-ascii ü ✓']) {
      assert.equal(hashTokenSecret(secret), createHash('sha256').update(Buffer.from(secret, 'utf8')).digest('hex'));
    }
    assert.equal(hashTokenSecret(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
