/**
 * Regressions found when probing the session layer (issue: durable, consistent state). Each test
 * is named after the bug. They run on the real gateway over real sockets where a request must be
 * held open mid-body.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import request from 'supertest';
import { createHarness, sessionCookie, type Harness } from '../support/harness.ts';

const servers: http.Server[] = [];
after(() => servers.forEach((s) => (s.closeAllConnections(), s.close())));

async function listen(h: Harness): Promise<number> {
  const server = http.createServer(h.gateway.app);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Starts a POST whose body is sent only when release() is called: a request held in flight. */
function heldPost(port: number, path: string, headers: Record<string, string>, body: string) {
  const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } });
  const response = new Promise<{ status: number; text: string; setCookie: string[] | undefined }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, text, setCookie: res.headers['set-cookie'] }));
    });
    req.on('error', reject);
  });
  req.write(body.slice(0, 5));
  req.flushHeaders();
  return {
    release() {
      req.end(body.slice(5));
      return response;
    },
  };
}

const tick = () => new Promise((r) => setTimeout(r, 100));

describe('a request in flight when the session ends cannot act or revive it', () => {
  it('regression: a held POST /app/settings/tokens created a token after logout and the cookie answered 200 again', async () => {
    const h = await createHarness();
    const port = await listen(h);
    const alice = await h.login('alice');
    const cookie = sessionCookie(alice.browser);
    const held = heldPost(port, '/app/settings/tokens', { cookie, 'content-type': 'application/x-www-form-urlencoded' }, `_csrf=${encodeURIComponent(alice.csrf)}&description=after-logout`);
    await tick(); // the session is loaded; the body is still on its way
    await alice.browser.gw.post('/logout').type('form').send({ _csrf: alice.csrf }).expect(303);
    const res = await held.release();
    assert.equal(res.status, 401);
    assert.match(res.text, /Your session ended .* nothing was changed/);
    assert.equal((await h.store.tokens.listByOwner('user', alice.userId, { number: 1, size: 10 })).total, 0, 'no token was created');
    // The held request's end did not write the session back: the old cookie is signed out.
    const again = await request(h.gateway.app).get('/api/v2/account/details').set('Cookie', cookie);
    assert.equal(again.status, 401);
    assert.equal((await h.store.sessions.listByUser(alice.userId)).length, 0);
  });

  it('regression: a request held across a suspension did not bring the suspended session back', async () => {
    const h = await createHarness();
    const port = await listen(h);
    const alice = await h.login('alice');
    const cookie = sessionCookie(alice.browser);
    const held = heldPost(port, '/app/settings/tokens', { cookie, 'content-type': 'application/x-www-form-urlencoded' }, `_csrf=${encodeURIComponent(alice.csrf)}&description=x`);
    await tick();
    assert.ok((await h.store.users.setSuspended(alice.userId, true)).ok);
    assert.equal((await held.release()).status, 401);
    await h.store.users.setSuspended(alice.userId, false);
    assert.equal((await request(h.gateway.app).get('/api/v2/account/details').set('Cookie', cookie)).status, 401, 'unsuspending does not revive the ended session');
    assert.equal((await h.store.tokens.listByOwner('user', alice.userId, { number: 1, size: 10 })).total, 0);
  });

  it('regression: the organization API Token form had its own CSRF check without the liveness check, so a held POST generated an organization token after logout', async () => {
    const h = await createHarness();
    const port = await listen(h);
    const carol = await h.login('carol');
    const cookie = sessionCookie(carol.browser);
    const held = heldPost(port, '/app/example-org/settings/authentication-token', { cookie, 'content-type': 'application/x-www-form-urlencoded' }, `_csrf=${encodeURIComponent(carol.csrf)}`);
    await tick();
    await carol.browser.gw.post('/logout').type('form').send({ _csrf: carol.csrf }).expect(303);
    const res = await held.release();
    assert.equal(res.status, 401);
    assert.match(res.text, /Your session ended .* nothing was changed/);
    const org = await h.store.organizations.getByName('example-org');
    assert.equal(await h.store.tokens.getSingular('organization', org!.id), undefined, 'no organization token was created');
  });

  it('a session-authenticated API write checks the session is still live when it acts', async () => {
    const h = await createHarness();
    const alice = await h.login('alice');
    // The session record vanishes (another request logged out) after this request loaded it.
    const destroy = h.store.sessions.destroy.bind(h.store.sessions);
    const get = h.store.sessions.get.bind(h.store.sessions);
    let loads = 0;
    h.store.sessions.get = async (sid) => {
      const r = await get(sid);
      if (++loads === 1) await destroy(sid);
      return r;
    };
    const res = await alice.browser.gw
      .post(`/api/v2/users/${alice.userId}/authentication-tokens`)
      .set('Content-Type', 'application/vnd.api+json')
      .set('X-CSRF-Token', alice.csrf)
      .send(JSON.stringify({ data: { type: 'authentication-tokens', attributes: { description: 'late' } } }));
    assert.equal(res.status, 401);
    assert.match(res.body.errors[0].detail, /the web session ended .* nothing was changed/);
    assert.equal((await h.store.tokens.listByOwner('user', alice.userId, { number: 1, size: 10 })).total, 0);
  });
});

describe('regression: any Authorization header on /session, /logout or the ACS gave a 500', () => {
  for (const header of ['Bearer abc', 'Basic dXNlcjpwYXNz', 'garbage']) {
    it(`Authorization: ${header}`, async () => {
      const h = await createHarness();
      const start = await request(h.gateway.app).get('/session').set('Authorization', header);
      assert.equal(start.status, 302);
      assert.match(start.headers.location!, /SAMLRequest=/);
      const logout = await request(h.gateway.app).post('/logout').set('Authorization', header).type('form').send({});
      assert.equal(logout.status, 303);
      const acs = await request(h.gateway.app).post('/users/saml/auth').set('Authorization', header).set('Cookie', 'samlgate_session=x').type('form').send({ SAMLResponse: 'bm90IHNhbWw=' });
      assert.equal(acs.status, 403, 'a SAML rejection, not a 500');
      assert.match(acs.text, /Sign-in failed/);
      const home = await request(h.gateway.app).get('/').set('Authorization', header);
      assert.equal(home.status, 200);
    });
  }
});
