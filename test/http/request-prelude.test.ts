/**
 * The gateway's request prelude is one layer built at start-up (src/http/request-prelude.ts) and
 * /api/v2 is mounted right after it. These pin what the separate layers did, so the fold cannot
 * change an answer: a refused Host learns nothing (no headers, no asset, no API), every answer
 * carries the security headers, assets are served before start-up work finishes, and an
 * anonymous GET /session costs no store write, request by request, on the SQLite store.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import request from 'supertest';
import { CONTENT_SECURITY_POLICY } from '../../src/http/security-headers.ts';
import { STYLESHEET_PATH } from '../../src/http/assets.ts';
import { createSqliteStore } from '../../src/store/sqlite/index.ts';
import { createHarness } from '../support/harness.ts';

describe('the folded request prelude answers as the separate layers did', () => {
  it('a refused Host gets the 421 alone: no security headers, no asset, no API answer', async () => {
    const h = await createHarness();
    for (const p of ['/api/v2/account/details', STYLESHEET_PATH, '/session', '/.well-known/terraform.json']) {
      const res = await request(h.gateway.app).get(p).set('Host', 'rebind.evil.example').expect(421);
      assert.equal(res.headers['content-security-policy'], undefined, p);
      assert.equal(res.headers['x-frame-options'], undefined, p);
      assert.match(res.text, /refused Host "rebind\.evil\.example"/);
    }
  });

  it('API answers, assets, pages and 404s all carry the security headers', async () => {
    const h = await createHarness();
    for (const [p, status] of [['/api/v2/ping', 204], ['/api/v2/account/details', 401], ['/api/v2/no-such-route', 401], [STYLESHEET_PATH, 200], ['/no-such-page', 404], ['/api/v1/terraform/state/o/w', 401]] as const) {
      const res = await request(h.gateway.app).get(p);
      assert.equal(res.status, status, p);
      assert.equal(res.headers['content-security-policy'], CONTENT_SECURITY_POLICY, p);
      assert.equal(res.headers['x-content-type-options'], 'nosniff', p);
      assert.equal(res.headers['x-frame-options'], 'DENY', p);
      assert.equal(res.headers['referrer-policy'], 'same-origin', p);
    }
  });

  it('an /api/v2 path is answered by the API (a JSON:API 401 without a token), never by a route mounted after it', async () => {
    const h = await createHarness();
    const res = await request(h.gateway.app).get('/api/v2/oauth/token').expect(401);
    assert.match(res.headers['content-type'] ?? '', /application\/vnd\.api\+json/);
    // And the routes that moved below /api/v2 still answer.
    await request(h.gateway.app).get('/.well-known/terraform.json').expect(200);
    await request(h.gateway.app).get('/api/terraform/motd').expect(200);
  });

  it('an anonymous GET /session changes no SQLite row, request after request', async () => {
    const sqlite = createSqliteStore(path.join(mkdtempSync(path.join(os.tmpdir(), 'samlgate-prelude-')), 'gateway.db'));
    const h = await createHarness({}, {}, { store: sqlite });
    try {
      await request(h.gateway.app).get('/api/v2/ping').expect(204); // start-up writes are done
      const changes = () => sqlite.db.prepare<[], { n: number }>('SELECT total_changes() AS n').get()!.n;
      for (let i = 0; i < 20; i++) {
        const before = changes();
        await request(h.gateway.app).get(i % 2 ? '/session?return_to=%2Fapp' : '/session').expect(302);
        assert.equal(changes(), before, `request ${i + 1} changed ${changes() - before} row(s)`);
      }
    } finally {
      await sqlite.close();
    }
  });
});
