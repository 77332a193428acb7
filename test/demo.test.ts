/** `samlgate demo` tells the whole story and checks every step (it fails if any step misbehaves). */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { it } from 'node:test';
import { runDemo } from '../src/demo/run.ts';

it('the demo shows the 401 on expiry, the service-account exemption and the next-login delay', async () => {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  const ok = await runDemo({ out, plain: true });
  assert.equal(ok, true, text);
  assert.match(text, /alice GET \/api\/v2\/account\/details -> 401 ✓/);
  assert.match(text, /bob {3}GET \/api\/v2\/account\/details -> 200 ✓\n\s+service account: the token outlives the session/);
  assert.match(text, /still flagged: the flag was synced at his last login/);
  assert.match(text, /bob {3}GET \/api\/v2\/account\/details -> 401 ✓/);
  assert.match(text, /same token, valid again/);
  // Chapter 6: team and organization tokens outlive every SSO session; permissions differ per token type.
  assert.match(text, /carol user token +GET \/api\/v2\/account\/details -> 401 ✓/);
  assert.match(text, /developers team token +GET \/api\/v2\/account\/details -> 200 ✓/);
  assert.match(text, /organization token +GET \/api\/v2\/account\/details -> 200 ✓/);
  assert.match(text, /organization token +can-update=true can-destroy=false/);
  assert.match(text, /developers team token +can-update=false/);
  // The workspaces chapter (T3): the organization token creates but cannot apply; the team token applies.
  assert.match(text, /org token  POST \/runs\/:id\/actions\/apply -> 404 ✓/);
  assert.match(text, /team token POST \/runs\/:id\/actions\/apply -> 202 ✓/);
  assert.match(text, /run is applied/);
  assert.match(text, /team token GET \/workspaces\/:id -> 200 ✓\n.*org token  GET \/workspaces\/:id -> 200 ✓/);
  assert.doesNotMatch(text, /✗/);
});
