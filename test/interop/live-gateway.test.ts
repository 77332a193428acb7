/**
 * The interop harness's gateway: the recording proxy passes requests through unchanged,
 * attributes them to the lane whose token they carry, and never records a token secret (the
 * failure report is written to disk and read by people).
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { redactSecrets, startLiveGateway, type LiveGateway } from '../support/live-gateway.ts';

let gw: LiveGateway;
before(async () => {
  gw = await startLiveGateway();
});
after(async () => {
  await gw?.close();
});

it('blanks TFE token secrets and JSON "token" values', () => {
  const secret = `${'a'.repeat(14)}.atlasv1.${'B'.repeat(67)}`;
  assert.equal(redactSecrets(`{"token":"${secret}","x":1}`), '{"token":"[secret]","x":1}');
  assert.equal(redactSecrets(`Bearer ${secret}`), 'Bearer [secret]');
  assert.equal(redactSecrets('{"token":null}'), '{"token":null}');
});

it('records each request with its lane and activity, passes answers through, and keeps no secret', async () => {
  const { secret } = await gw.userToken('carol', 'recorder test');
  gw.assignLane(secret, 'lane-x');
  gw.setActivity('lane-x', 'TestSomething/sub');
  const auth = { authorization: `Bearer ${secret}`, 'content-type': 'application/vnd.api+json' };
  const me = await fetch(`${gw.url}/api/v2/account/details`, { headers: auth });
  assert.equal(me.status, 200);
  assert.equal((await me.json()).data.attributes.username, 'carol');
  const created = await fetch(`${gw.url}/api/v2/organizations/example-org/authentication-token`, { method: 'POST', headers: auth });
  assert.equal(created.status, 201);
  const orgSecret = (await created.json()).data.attributes.token as string;
  assert.match(orgSecret, /\.atlasv1\./);

  const mine = gw.requests.filter((r) => r.lane === 'lane-x');
  assert.deepEqual(mine.map((r) => [r.method, r.path, r.status, r.during]), [
    ['GET', '/api/v2/account/details', 200, 'TestSomething/sub'],
    ['POST', '/api/v2/organizations/example-org/authentication-token', 201, 'TestSomething/sub'],
  ]);
  const everything = JSON.stringify(gw.requests);
  assert.ok(!everything.includes(secret), 'the user token secret is not recorded');
  assert.ok(!everything.includes(orgSecret), 'the organization token secret is not recorded');
  assert.match(mine[1]!.responseBody, /"token":"\[secret\]"/);
});
