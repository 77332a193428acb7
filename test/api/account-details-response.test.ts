/**
 * GET /api/v2/account/details is the call automation makes before anything else; sendDocument
 * writes it without express's res.send (issue 15). The answer must stay exactly what it was:
 * these headers in this order (TFE's plus the security headers, nothing else), a Content-Length
 * that is the UTF-8 body's, and HEAD answering GET's headers with no body.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { callWithToken, createHarness } from '../support/harness.ts';

const HEADERS = ['x-content-type-options', 'x-frame-options', 'referrer-policy', 'content-security-policy', 'content-type', 'content-length', 'date', 'connection'];

describe('account/details response bytes', () => {
  it('200 and 401 carry exactly the security headers, the JSON:API type and the body length, in that order', async () => {
    const h = await createHarness();
    const bob = await h.login('bob');
    const { secret } = await bob.createToken();
    const ok = await callWithToken(h, secret).expect(200);
    const refused = await callWithToken(h, `${secret.slice(0, -1)}${secret.endsWith('a') ? 'b' : 'a'}`).expect(401);
    for (const res of [ok, refused]) {
      assert.deepEqual(Object.keys(res.headers), HEADERS);
      assert.equal(res.headers['content-type'], 'application/vnd.api+json; charset=utf-8');
      assert.equal(Number(res.headers['content-length']), Buffer.byteLength(res.text));
      assert.equal(res.text, JSON.stringify(res.body));
    }
    assert.equal(ok.body.data.attributes.username, 'bob');
  });

  it('HEAD answers the GET headers (same Content-Length) and no body', async () => {
    const h = await createHarness();
    const bob = await h.login('bob');
    const { secret } = await bob.createToken();
    const get = await callWithToken(h, secret).expect(200);
    const head = await request(h.gateway.app).head('/api/v2/account/details').set('Authorization', `Bearer ${secret}`).expect(200);
    assert.deepEqual(Object.keys(head.headers), HEADERS);
    assert.equal(head.headers['content-length'], get.headers['content-length']);
    assert.equal(head.text, undefined);
  });
});
