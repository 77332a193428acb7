/**
 * sendRedirect (src/http/redirect.ts) writes the answer express's res.redirect writes, without
 * its per-call work: held equal here over methods, statuses, Accept headers, URLs that need
 * encoding and a Vary header set before. The only route that uses it is GET /session, so a
 * difference would change what every login start answers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import express from 'express';
import request from 'supertest';
import { sendRedirect, type RedirectStatus } from '../../src/http/redirect.ts';

const URLS = [
  // The shape GET /session sends: already percent-encoded (encodeURIComponent), long.
  `http://127.0.0.1:8081/sso?SAMLRequest=${encodeURIComponent('fZJNb+IwEIb/Sp'.repeat(60) + '+/==')}&RelayState=Ab3dEf`,
  '/app/settings/tokens',
  // Needs encoding: a space, non-ASCII, characters HTML must escape, a stray % and a valid %41.
  "/a b/é?x=<script>&y='q'&z=\"1\"&p=100%&ok=%41",
  'https://idp.example.com/sso?a=1&b=2#frag',
];
const ACCEPTS = [undefined, '*/*', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'text/plain', 'text/html;q=0.5, text/plain', 'application/json', 'image/avif,image/webp,*/*'];
const STATUSES: RedirectStatus[] = [302, 303, 307];

function appFor(presetVary: boolean) {
  const app = express();
  app.set('etag', false);
  app.disable('x-powered-by');
  const prep = (res: express.Response) => {
    if (presetVary) res.setHeader('Vary', 'Origin');
  };
  app.all('/express', (req, res) => {
    prep(res);
    res.redirect(Number(req.query.status), String(req.query.to));
  });
  app.all('/ours', (req, res) => {
    prep(res);
    sendRedirect(req, res, Number(req.query.status) as RedirectStatus, String(req.query.to));
  });
  return app;
}

/** Everything but the per-response Date and connection headers. */
function answerOf(r: request.Response) {
  const { date: _d, connection: _c, 'keep-alive': _k, ...headers } = r.headers;
  return { status: r.status, headers, body: r.text ?? '' };
}

describe('sendRedirect writes what res.redirect writes', () => {
  for (const presetVary of [false, true]) {
    it(`same status, headers and body for every method, status, Accept header and URL${presetVary ? ' (a Vary header set before)' : ''}`, async () => {
      const app = appFor(presetVary);
      let compared = 0;
      for (const method of ['get', 'head'] as const) {
        for (const status of STATUSES) {
          for (const to of URLS) {
            for (const accept of ACCEPTS) {
              const query = { status: String(status), to };
              const send = (path: string) => {
                const r = request(app)[method](path).query(query).redirects(0);
                return accept === undefined ? r : r.set('Accept', accept);
              };
              const [theirs, ours] = [await send('/express'), await send('/ours')];
              assert.deepEqual(answerOf(ours), answerOf(theirs), `${method.toUpperCase()} ${status} ${to} Accept: ${accept}`);
              compared++;
            }
          }
        }
      }
      assert.equal(compared, 2 * STATUSES.length * URLS.length * ACCEPTS.length);
    });
  }

  it('answers the Accept cases it decides without the negotiator as text, the rest as negotiated', async () => {
    const app = appFor(false);
    const to = URLS[0]!;
    const plain = await request(app).get('/ours').query({ status: '302', to }).redirects(0);
    assert.equal(plain.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(plain.text, `Found. Redirecting to ${to}`);
    const browser = await request(app).get('/ours').query({ status: '302', to }).set('Accept', ACCEPTS[2]!).redirects(0);
    assert.equal(browser.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(browser.text, /^<!DOCTYPE html><head><title>Found<\/title><\/head><body><p>Found\. Redirecting to http:\/\/127\.0\.0\.1:8081\/sso\?SAMLRequest=.*&amp;RelayState=Ab3dEf<\/p><\/body>$/);
    const json = await request(app).get('/ours').query({ status: '302', to }).set('Accept', 'application/json').redirects(0);
    assert.equal(json.headers['content-type'], undefined);
    assert.equal(json.headers['content-length'], '0');
    assert.equal(json.headers.location, to);
    assert.equal(json.headers.vary, 'Accept');
  });
});
