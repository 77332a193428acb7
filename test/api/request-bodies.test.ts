/**
 * /api/v2 request bodies that are JSON but not a JSON:API document. body-parser's strict mode
 * called `null`, `1` and `"x"` "not valid JSON", which sends the caller hunting for a syntax error
 * that is not there; they are valid JSON that is not an object, and the answer says so.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createWorkspace, seedWorkspaceWorld } from '../support/workspaces.ts';

describe('/api/v2 request bodies', () => {
  it('JSON that is not an object (null, 1, "x", true, []) is a 422 saying it is valid JSON but not an object, and nothing is created', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await createWorkspace(w, 'bodies', w.tokens.owners);
    for (const [body, kind] of [
      [null, 'null'],
      [1, 'a number'],
      ['x', 'a string'],
      [true, 'a boolean'],
      [[], 'an array'],
    ] as const) {
      for (const path of [`/api/v2/organizations/${w.org.name}/workspaces`, `/api/v2/workspaces/${ws}/configuration-versions`]) {
        const res = await w.api('post', path, w.tokens.owners, body).expect(422);
        const error = res.body.errors[0];
        assert.equal(error.status, '422');
        assert.equal(error.detail, `the request body is valid JSON but not an object (it is ${kind}): send a JSON:API document, an object such as {"data": {"type": "...", "attributes": {...}}}`);
        assert.doesNotMatch(error.detail, /not valid JSON/);
        assert.deepEqual(error.source, { pointer: '' });
      }
    }
    // `null` must not read as an empty document (every attribute of a configuration version has a default).
    const list = (await w.api('get', `/api/v2/workspaces/${ws}/configuration-versions`, w.tokens.owners).expect(200)).body;
    assert.equal(list.meta.pagination['total-count'], 0);
  });

  it('a body that is not JSON at all is still a 400 "not valid JSON"; an object is parsed as before', async () => {
    const w = await seedWorkspaceWorld();
    for (const raw of ['{"data":', 'nul', "'x'", '   ']) {
      const res = await w.api('post', `/api/v2/organizations/${w.org.name}/workspaces`, w.tokens.owners).set('Content-Type', 'application/vnd.api+json').send(raw).expect(400);
      assert.equal(res.body.errors[0].detail, 'the request body is not valid JSON');
    }
    await createWorkspace(w, 'still-fine', w.tokens.owners);
  });
});
