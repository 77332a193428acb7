/**
 * The attribute-name rule (src/saml/attribute-name-rule.ts) through the real admin API, with the
 * real gateway logging the user in afterwards: every refused name is a 400 naming the name and
 * the rule, and nothing an admin can send breaks the user's next login.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { createMemoryIdpStore } from '../../src/store/idp-memory.ts';
import { attachIdpStore } from '../../src/idp/persistence.ts';
import { createLogger } from '../../src/log.ts';
import { Writable } from 'node:stream';
import { createHarness } from '../support/harness.ts';

const RULE = /an attribute name must be 1-256 characters of XML 1\.0 text without control characters, whitespace, <>&"', U\+FEFF, U\+FFFE\/U\+FFFF or unpaired surrogates, and may not be __proto__, constructor or prototype/;

async function refused(h: Awaited<ReturnType<typeof createHarness>>, name: string, shown: string, why: RegExp) {
  for (const res of [
    await request(h.idp.app).patch('/api/users/alice').send({ attributes: { [name]: 'x' } }),
    await request(h.idp.app).patch('/api/users/alice').send({ attributes: { [name]: null } }),
    await request(h.idp.app).post('/api/users').send({ username: 'newcomer', attributes: { [name]: 'x' } }),
  ]) {
    assert.equal(res.status, 400, JSON.stringify(name));
    const detail: string = res.body.errors[0].detail;
    assert.ok(detail.includes(`attribute name "${shown}" is refused`), `${JSON.stringify(name)}: ${detail}`);
    assert.match(detail, why);
    assert.match(detail, RULE);
  }
}

describe('IdP admin API: attribute names', () => {
  it('regression: names with U+FFFE/U+FFFF were accepted and broke the user\'s next login (E_XML); now 400, and the login works', async () => {
    const h = await createHarness();
    await refused(h, 'Team\uFFFE', 'Team\\u{FFFE}', /U\+FFFE at offset 4 is not an XML 1\.0 character \(a noncharacter\)/);
    await refused(h, '\uFFFFx', '\\u{FFFF}x', /U\+FFFF at offset 0 is not an XML 1\.0 character/);
    await h.login('alice');
  });

  it('regression: names with a lone surrogate were accepted (and reached the SP as another name, U+FFFD); a surrogate pair (one character) is fine', async () => {
    const h = await createHarness();
    await refused(h, 'a\uD800', 'a\\u{D800}', /U\+D800 at offset 1 is not an XML 1\.0 character \(half of a surrogate pair, alone\)/);
    await refused(h, '\uDC00b', '\\u{DC00}b', /U\+DC00 at offset 0/);
    await refused(h, 'x\uDC00\uD800', 'x\\u{DC00}\\u{D800}', /U\+DC00 at offset 1/);
    const ok = await request(h.idp.app).patch('/api/users/alice').send({ attributes: { 'Team\u{1F600}': 'x' } }).expect(200);
    assert.equal(ok.body.user.attributes['Team\u{1F600}'], 'x');
    await h.login('alice');
  });

  it('regression: __proto__ was silently dropped (200 without it); __proto__, constructor and prototype are refused in any case', async () => {
    const h = await createHarness();
    // A raw body: JSON.parse makes "__proto__" an own key, as any client's JSON would.
    for (const name of ['__proto__', 'constructor', 'prototype', 'Constructor', '__PROTO__']) {
      const res = await request(h.idp.app).patch('/api/users/alice').set('Content-Type', 'application/json').send(`{"attributes":{"${name}":"x"}}`);
      assert.equal(res.status, 400, name);
      assert.match(res.body.errors[0].detail, new RegExp(`attribute name "${name}" is refused: ${name} is reserved`));
      assert.match(res.body.errors[0].detail, RULE);
    }
    const user = (await request(h.idp.app).get('/api/users/alice').expect(200)).body.user;
    assert.deepEqual(Object.keys(user.attributes).sort(), ['MemberOf']);
    await h.login('alice');
  });

  it('empty and over-long names are refused; 256 characters (code points) are accepted', async () => {
    const h = await createHarness();
    await refused(h, '', '', /it is empty/);
    await refused(h, 'n'.repeat(257), `${'n'.repeat(64)}... (257 characters)`, /it is 257 characters long/);
    await request(h.idp.app).patch('/api/users/alice').send({ attributes: { ['n'.repeat(256)]: 'x' } }).expect(200);
    await request(h.idp.app).patch('/api/users/alice').send({ attributes: { ['\u{1F600}'.repeat(256)]: 'x' } }).expect(200);
    await h.login('alice');
  });

  it('control characters, whitespace and <>&"\' are refused with the name shown escaped', async () => {
    const h = await createHarness();
    await refused(h, 'Is\u0001Admin', 'Is\\u{1}Admin', /attribute names may not contain control characters, whitespace or <>&"' \(U\+0001 at offset 2\)/);
    await refused(h, 'C1\u0085', 'C1\\u{85}', /U\+0085 at offset 2/);
    await refused(h, 'a b', 'a b', /U\+0020 at offset 1/);
    await refused(h, 'a"b', 'a\\"b', /U\+0022 at offset 1/);
  });

  it('the same rule for per-SP NameFormats', async () => {
    const h = await createHarness();
    const sp = `/api/service-providers/${encodeURIComponent(h.config.gateway.entityId)}`;
    const res = await request(h.idp.app).patch(sp).send({ attributeNameFormats: { 'a\uFFFE': 'uri' } }).expect(400);
    assert.match(res.body.errors[0].detail, RULE);
    await request(h.idp.app).patch(sp).set('Content-Type', 'application/json').send('{"attributeNameFormats":{"__proto__":"uri"}}').expect(400);
  });

  it('a name saved before the rule was tightened is dropped at restore, with a warning, instead of breaking every login', async () => {
    const h = await createHarness();
    const store = createMemoryIdpStore();
    await store.users.put('alice', { username: 'alice', email: 'alice@example.com', displayName: 'Alice', password: 'alice', attributes: { MemberOf: ['developers'], 'bad\uFFFE': 'x' }, faults: [], nextFaults: null });
    const lines: string[] = [];
    const logger = createLogger('warn', new Writable({ write(c, _e, done) { lines.push(String(c)); done(); } }));
    await attachIdpStore(h.idp, store, h.clock, logger);
    const user = (await request(h.idp.app).get('/api/users/alice').expect(200)).body.user;
    assert.deepEqual(Object.keys(user.attributes), ['MemberOf']);
    assert.match(lines.join(''), /user alice: saved attribute name \\"bad\\\\u\{FFFE\}\\" is refused/);
    await h.login('alice');
  });
});
