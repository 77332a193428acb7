/**
 * TFE's rate limit (30 requests per second per credential, `gateway.rateLimit`): the window runs
 * on monotonic real time, so `--clock manual` cannot freeze it, and every credential is counted
 * wherever it is used (the v2 API, the legacy v1 state API, browser sessions calling the API).
 * The tests move the gateway's monotonic time themselves, except one that checks the default.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { RATE_LIMIT_PER_SECOND } from '../../src/gateway/rate-limit.ts';
import { callWithToken, createHarness } from '../support/harness.ts';
import { createWorkspace, seedWorkspaceWorld } from '../support/workspaces.ts';

/** A monotonic clock the test moves. */
function realTime() {
  let t = 1_000_000;
  return { now: () => t, pass: (ms: number) => void (t += ms) };
}

describe('rate limit', () => {
  it('regression: with --clock manual a throttled token stayed 429 forever (the window ran on the dev clock); real time ends it, the dev clock does not', async () => {
    const time = realTime();
    const h = await createHarness({ 'gateway.rateLimit': true }, {}, { monotonicNow: time.now });
    assert.equal(h.config.clock, 'manual');
    const alice = await h.login('alice');
    const { secret } = await alice.createToken();
    for (let i = 0; i < RATE_LIMIT_PER_SECOND; i++) await callWithToken(h, secret).expect(200);
    await callWithToken(h, secret).expect(429);
    // Moving the dev clock is not a way around the limit ...
    h.advance('1h');
    await h.login('alice', alice.browser); // (the hour ended alice's session: S2 needs a live one)
    await callWithToken(h, secret).expect(429);
    // ... a second of real time is.
    time.pass(1000);
    await callWithToken(h, secret).expect(200);
  });

  it('by default the window is performance.now(): a throttled token recovers after a real second with the manual clock untouched', async () => {
    const h = await createHarness({ 'gateway.rateLimit': true });
    const alice = await h.login('alice');
    const { secret } = await alice.createToken();
    let status = 200;
    for (let i = 0; i <= RATE_LIMIT_PER_SECOND && status === 200; i++) status = (await callWithToken(h, secret)).status;
    assert.equal(status, 429);
    await new Promise((r) => setTimeout(r, 1100));
    await callWithToken(h, secret).expect(200);
  });

  it('regression: the v1 state API (X-Atlas-Token) was never rate limited; it shares the token\'s window with /api/v2', async () => {
    const time = realTime();
    const w = await seedWorkspaceWorld({ 'gateway.rateLimit': true }, { monotonicNow: time.now });
    await createWorkspace(w, 'v1-limited', w.tokens.owners);
    time.pass(1000); // the setup's own calls are in the past window
    const v1 = () => request(w.h.gateway.app).get(`/api/v1/terraform/state/${w.org.name}/v1-limited`).set('X-Atlas-Token', w.tokens.alice);
    for (let i = 0; i < RATE_LIMIT_PER_SECOND / 2; i++) await v1().expect(204);
    for (let i = 0; i < RATE_LIMIT_PER_SECOND / 2; i++) await callWithToken(w.h, w.tokens.alice).expect(200);
    const limited = await v1().expect(429);
    assert.equal(limited.body.errors[0].status, '429');
    assert.equal(limited.headers['retry-after'], '1');
    await callWithToken(w.h, w.tokens.alice).expect(429);
    await request(w.h.gateway.app).get(`/api/v1/terraform/state/${w.org.name}/v1-limited`).set('X-Atlas-Token', w.tokens.bob).expect(204);
    time.pass(1000);
    await v1().expect(204);
  });

  it('regression: API calls authenticated by the session cookie were never rate limited; each session is its own credential', async () => {
    const time = realTime();
    const h = await createHarness({ 'gateway.rateLimit': true }, {}, { monotonicNow: time.now });
    const alice = await h.login('alice');
    const { secret } = await alice.createToken();
    time.pass(1000);
    for (let i = 0; i < RATE_LIMIT_PER_SECOND; i++) await alice.browser.gw.get('/api/v2/account/details').expect(200);
    const limited = await alice.browser.gw.get('/api/v2/account/details').expect(429);
    assert.equal(limited.body.errors[0].status, '429');
    // A state-changing call is counted before its CSRF check: still 429.
    await alice.browser.gw.post(`/api/v2/users/${alice.userId}/authentication-tokens`).set('X-CSRF-Token', alice.csrf).set('Content-Type', 'application/vnd.api+json').send('{"data":{"attributes":{}}}').expect(429);
    // Another browser session and alice's token are other credentials.
    const again = await h.login('alice');
    await again.browser.gw.get('/api/v2/account/details').expect(200);
    await callWithToken(h, secret).expect(200);
    time.pass(1000);
    await alice.browser.gw.get('/api/v2/account/details').expect(200);
  });
});
