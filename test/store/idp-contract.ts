/** The IdP store's contract, run against memory (idp-memory.test.ts) and SQLite (idp-sqlite.test.ts). */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { IdpStore } from '../../src/store/idp-types.ts';

export function idpStoreContract(name: string, create: () => Promise<IdpStore>, reopen?: (store: IdpStore) => Promise<IdpStore>): void {
  describe(`IdP store contract: ${name}`, () => {
    let store: IdpStore;
    beforeEach(async () => {
      store = await create();
    });
    afterEach(async () => {
      await store.close();
    });

    for (const section of ['users', 'serviceProviders'] as const) {
      it(`${section}: put inserts or replaces, get/all return copies in key order, delete reports whether it removed`, async () => {
        const c = store[section];
        assert.deepEqual(await c.all(), []);
        await c.put('bob', { attributes: { IsServiceAccount: true } });
        await c.put('alice', { attributes: { MemberOf: ['a', 'b'] }, n: 1 });
        await c.put('bob', { attributes: { IsServiceAccount: false } });
        assert.deepEqual(await c.all(), [
          { key: 'alice', doc: { attributes: { MemberOf: ['a', 'b'] }, n: 1 } },
          { key: 'bob', doc: { attributes: { IsServiceAccount: false } } },
        ]);
        const doc = (await c.get('alice')) as { n: number };
        doc.n = 2;
        assert.deepEqual(await c.get('alice'), { attributes: { MemberOf: ['a', 'b'] }, n: 1 });
        assert.equal(await c.delete('alice'), true);
        assert.equal(await c.delete('alice'), false);
        assert.equal(await c.get('alice'), undefined);
      });
    }

    it('sessions: live() sees only unexpired ones; purgeExpired counts what it forgets', async () => {
      await store.sessions.put('s1', { username: 'alice' }, 1000);
      await store.sessions.put('s2', { username: 'bob' }, 2000);
      await store.sessions.put('s1', { username: 'alice', participants: ['gw'] }, 1500);
      assert.deepEqual(await store.sessions.live(1000), [
        { key: 's1', doc: { username: 'alice', participants: ['gw'] }, expiresAt: 1500 },
        { key: 's2', doc: { username: 'bob' }, expiresAt: 2000 },
      ]);
      assert.deepEqual((await store.sessions.live(1500)).map((s) => s.key), ['s2'], 'expiresAt is exclusive');
      assert.equal(await store.sessions.purgeExpired(1500), 1);
      assert.equal(await store.sessions.delete('s2'), true);
      assert.deepEqual(await store.sessions.live(0), []);
    });

    it('settings round-trip JSON values', async () => {
      assert.equal(await store.settings.get('clock-offset'), undefined);
      await store.settings.set('clock-offset', { offsetMs: 5 });
      assert.deepEqual(await store.settings.get('clock-offset'), { offsetMs: 5 });
    });

    if (reopen) {
      it('everything survives closing and reopening', async () => {
        await store.users.put('carol', { deleted: true });
        await store.serviceProviders.put('https://sp.example/metadata', { metadata: '<x/>' });
        await store.sessions.put('s9', { username: 'carol' }, Date.now() + 60_000);
        store = await reopen(store);
        assert.deepEqual(await store.users.get('carol'), { deleted: true });
        assert.deepEqual(await store.serviceProviders.get('https://sp.example/metadata'), { metadata: '<x/>' });
        assert.deepEqual((await store.sessions.live(Date.now())).map((s) => s.key), ['s9']);
      });
    }
  });
}
