/** Domain functions of src/tfe/ on the memory store: the embedded organization and the S1 limits. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.ts';
import { randomIds } from '../../src/ids.ts';
import { createMemoryStore } from '../../src/store/memory.ts';
import type { TfeDeps } from '../../src/tfe/deps.ts';
import { createOrganization, ensureEmbeddedOrganization, sessionLimitsFor } from '../../src/tfe/organizations.ts';
import { defaultSamlSettings, userAttributeNames } from '../../src/tfe/saml-settings.ts';
import { readUserAttributes } from '../../src/saml/attribute-policy.ts';
import type { SamlSettings } from '../../src/tfe/saml-settings.ts';
import { ATTRNAME_FORMAT } from '../../src/saml/constants.ts';
import type { SamlAttribute } from '../../src/saml/attributes.ts';

function deps(): TfeDeps {
  return { store: createMemoryStore(), clock: new ManualClock(), ids: randomIds, mintSecret: () => ({ secret: 's', hash: 'h' }) };
}
const embedded = { name: 'example-org', sessionTimeoutMinutes: 20, sessionRememberMinutes: 600 };

describe('ensureEmbeddedOrganization', () => {
  it('is idempotent, also when two start-ups race', async () => {
    const d = deps();
    await Promise.all([ensureEmbeddedOrganization(d, embedded), ensureEmbeddedOrganization(d, embedded)]);
    await ensureEmbeddedOrganization(d, embedded);
    const { items } = await d.store.organizations.list({ number: 1, size: 10 });
    assert.deepEqual(items.map((o) => o.name), ['example-org']);
    const teams = await d.store.teams.listByOrganization(items[0]!.id, { number: 1, size: 10 });
    assert.deepEqual(teams.items.map((t) => t.name), ['developers', 'owners']);
    assert.equal(items[0]!.sessionTimeoutMinutes, 20);
  });

  it('recreates a deleted developers team but keeps changed settings', async () => {
    const d = deps();
    const org = await ensureEmbeddedOrganization(d, embedded);
    await d.store.organizations.update(org.id, { sessionTimeoutMinutes: 5 });
    const dev = await d.store.teams.getByName(org.id, 'developers');
    await d.store.teams.delete(dev!.id);
    await ensureEmbeddedOrganization(d, embedded);
    assert.ok(await d.store.teams.getByName(org.id, 'developers'));
    assert.equal((await d.store.organizations.get(org.id))!.sessionTimeoutMinutes, 5);
  });
});

describe('sessionLimitsFor (rule S1 across organizations)', () => {
  const defaults = { idleTimeoutMs: 7 * 60_000, sessionExpirationMs: 70 * 60_000 };

  it('a user in no organization gets the configured defaults', async () => {
    assert.deepEqual(await sessionLimitsFor(deps(), 'user-nobody', defaults), defaults);
  });

  it('the strictest idle and the strictest expiration, each on its own', async () => {
    const d = deps();
    const user = { id: 'user-x', email: 'x@example.com' };
    await d.store.users.recordLogin({ email: user.email, username: 'x', isSiteAdmin: false, isServiceAccount: false, memberOf: [], loginFindings: [], now: 0, newUserId: user.id });
    await createOrganization(d, { name: 'a', email: 'a@x.test', sessionTimeoutMinutes: 10, sessionRememberMinutes: 1000 }, user);
    await createOrganization(d, { name: 'b', email: 'b@x.test', sessionTimeoutMinutes: 60, sessionRememberMinutes: 100 }, user);
    await createOrganization(d, { name: 'c', email: 'c@x.test', sessionTimeoutMinutes: 1, sessionRememberMinutes: 1 }, null);
    const ceiling = { idleTimeoutMs: 20160 * 60_000, sessionExpirationMs: 20160 * 60_000 };
    assert.deepEqual(await sessionLimitsFor(d, user.id, ceiling), { idleTimeoutMs: 10 * 60_000, sessionExpirationMs: 100 * 60_000 });
  });
});

describe('readUserAttributes (rule S5 with the admin attribute names)', () => {
  const readUserAttributesWith = (attrs: SamlAttribute[], s: SamlSettings) => readUserAttributes(attrs, userAttributeNames(s));
  const attr = (name: string, ...values: string[]): SamlAttribute => ({ name, nameFormat: ATTRNAME_FORMAT.basic, friendlyName: null, statement: 0, values: values.map((text) => ({ kind: 'text' as const, text })) });
  const settings = defaultSamlSettings({ apiTokenTimeoutMs: 1000, idpCert: null, ssoUrl: null, sloUrl: null, spCert: null });

  it('defaults: Username, MemberOf (comma-separated or several values), site-admins', () => {
    const r = readUserAttributesWith([attr('Username', 'al'), attr('MemberOf', 'a, b', 'site-admins')], settings);
    assert.deepEqual(r, { username: 'al', memberOf: ['a', 'b', 'site-admins'], siteAdmin: true, memberOfSent: true });
  });

  it('renamed attributes and role; a missing groups attribute is reported as not sent', () => {
    const s = { ...settings, 'attr-username': 'uid', 'attr-groups': 'groups', 'attr-site-admin': 'admin', 'site-admin-role': 'root' };
    assert.deepEqual(readUserAttributesWith([attr('uid', 'u'), attr('admin', 'TRUE')], s), { username: 'u', memberOf: [], siteAdmin: true, memberOfSent: false });
    assert.equal(readUserAttributesWith([attr('groups', 'site-admins')], s).siteAdmin, false);
    assert.equal(readUserAttributesWith([attr('groups', 'root')], s).siteAdmin, true);
  });

  it('regression: two MemberOf attributes are merged (as ruby-saml merges them), not read as the first only', () => {
    const r = readUserAttributesWith([attr('MemberOf', 'developers'), attr('MemberOf', 'site-admins')], settings);
    assert.deepEqual(r.memberOf, ['developers', 'site-admins']);
    assert.equal(r.siteAdmin, true);
  });
});

describe('sessionLimitsFor: the configured limits are the ceiling', () => {
  it('an organization cannot extend them, and sub-minute flags stay exact', async () => {
    const d = deps();
    const user = { id: 'user-y', email: 'y@example.com' };
    await d.store.users.recordLogin({ email: user.email, username: 'y', isSiteAdmin: false, isServiceAccount: false, memberOf: [], loginFindings: [], now: 0, newUserId: user.id });
    await createOrganization(d, { name: 'long', email: 'l@x.test', sessionTimeoutMinutes: 2, sessionRememberMinutes: 100000 }, user);
    assert.deepEqual(await sessionLimitsFor(d, user.id, { idleTimeoutMs: 90_000, sessionExpirationMs: 3_600_000 }), { idleTimeoutMs: 90_000, sessionExpirationMs: 3_600_000 });
  });
});
