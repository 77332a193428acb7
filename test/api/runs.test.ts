/**
 * Runs through HTTP: rule T3 case by case (each token type against each run action), the
 * simulated state machine on the manual clock, one run at a time per workspace with queueing,
 * the action conflicts (409), force-cancel's cool-off, and the scheduler moving runs on its own.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { FORCE_CANCEL_COOL_OFF_MS } from '../../src/tfe/runs.ts';
import { createWorkspace, grant, queue, runBody, seedWorkspaceWorld, uploadedCv, type Seeded } from '../support/workspaces.ts';

const NOT_FOUND = { errors: [{ status: '404', title: 'not found' }] };

async function status(w: Seeded, runId: string, secret = w.tokens.owners) {
  return (await w.api('get', `/api/v2/runs/${runId}`, secret).expect(200)).body.data.attributes.status as string;
}

/** A workspace the developers team has `access` on, with one uploaded configuration. */
async function devWorkspace(w: Seeded, name: string, access = 'write', attributes: Record<string, unknown> = {}) {
  const id = await createWorkspace(w, name, w.tokens.organization, attributes);
  await grant(w, w.developers.id, id, access);
  await uploadedCv(w, id, w.tokens.developers);
  return id;
}

describe('rule T3: who may start and steer runs', () => {
  it('the organization token creates the workspace but gets 404 on every run action; the team token does them all', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await createWorkspace(w, 'app', w.tokens.organization);
    await grant(w, w.developers.id, ws, 'write');
    const org = w.tokens.organization;
    const team = w.tokens.developers;

    // Configuration versions are work: refused to the organization token.
    const cvByOrg = await w.api('post', `/api/v2/workspaces/${ws}/configuration-versions`, org, { data: { attributes: {} } }).expect(404);
    assert.deepEqual(cvByOrg.body, NOT_FOUND);
    const cv = await uploadedCv(w, ws, team);

    const byOrg = await w.api('post', '/api/v2/runs', org, runBody(ws, cv)).expect(404);
    assert.deepEqual(byOrg.body, NOT_FOUND);
    const run = (await w.api('post', '/api/v2/runs', team, runBody(ws, cv)).expect(201)).body.data;
    await w.settle();
    assert.equal(await status(w, run.id), 'cost_estimated');

    // The organization token may read the run, but not steer it.
    await w.api('get', `/api/v2/runs/${run.id}`, org).expect(200);
    for (const action of ['apply', 'discard', 'cancel', 'force-cancel']) {
      const res = await w.api('post', `/api/v2/runs/${run.id}/actions/${action}`, org, {}).expect(404);
      assert.deepEqual(res.body, NOT_FOUND, action);
    }
    assert.equal(await status(w, run.id), 'cost_estimated', 'nothing the organization token sent changed the run');

    await w.api('post', `/api/v2/runs/${run.id}/actions/apply`, team, { comment: 'ship it' }).expect(202);
    await w.settle();
    assert.equal(await status(w, run.id), 'applied');
  });

  it('a team token acts with its team\'s access: plan may queue and cancel but not apply or discard; no access is 404 for everything', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await devWorkspace(w, 'planned', 'plan');
    const team = w.tokens.developers;
    const run = await queue(w, ws, team);
    await w.settle();
    const perms = (await w.api('get', `/api/v2/runs/${run.id}`, team).expect(200)).body.data.attributes.permissions;
    assert.deepEqual([perms['can-apply'], perms['can-discard'], perms['can-cancel']], [false, false, true]);
    await w.api('post', `/api/v2/runs/${run.id}/actions/apply`, team, {}).expect(404);
    await w.api('post', `/api/v2/runs/${run.id}/actions/discard`, team, {}).expect(404);
    await w.api('post', `/api/v2/runs/${run.id}/actions/cancel`, team, {}).expect(202);
    assert.equal(await status(w, run.id), 'canceled');
    // Asking for auto-apply is asking to apply.
    await w.api('post', '/api/v2/runs', team, runBody(ws, undefined, { 'auto-apply': true })).expect(404);

    // The developers team reads every workspace (read-workspaces) but may start nothing on one without team access.
    const other = await createWorkspace(w, 'other', w.tokens.organization);
    await uploadedCv(w, other, w.tokens.owners);
    const ownersRun = await queue(w, other, w.tokens.owners);
    await w.api('get', `/api/v2/workspaces/${other}`, team).expect(200);
    await w.api('post', '/api/v2/runs', team, runBody(other)).expect(404);
    await w.api('post', `/api/v2/runs/${ownersRun.id}/actions/cancel`, team, {}).expect(404);
    // A team without organization access and without team access sees nothing at all.
    const contractors = w.tokens.contractors;
    await w.api('get', `/api/v2/workspaces/${other}`, contractors).expect(404);
    await w.api('post', '/api/v2/runs', contractors, runBody(other)).expect(404);
    await w.api('get', `/api/v2/runs/${ownersRun.id}`, contractors).expect(404);
    await w.api('post', `/api/v2/runs/${ownersRun.id}/actions/cancel`, contractors, {}).expect(404);
  });

  it('the owners team token acts as an owner on a workspace without any team access', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await createWorkspace(w, 'owned', w.tokens.organization);
    await uploadedCv(w, ws, w.tokens.owners);
    const run = await queue(w, ws, w.tokens.owners);
    await w.settle();
    await w.api('post', `/api/v2/runs/${run.id}/actions/discard`, w.tokens.owners, {}).expect(202);
    assert.equal(await status(w, run.id), 'discarded');
  });

  it('user tokens: a developer by team access, an owner everywhere, and S2 still applies to them', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await devWorkspace(w, 'users');
    const run = await queue(w, ws, w.tokens.alice);
    await w.settle();
    await w.api('post', `/api/v2/runs/${run.id}/actions/apply`, w.tokens.carol, {}).expect(202);
    // alice's SSO session expires: her token is refused (401), the team token keeps working.
    w.h.advance('15d');
    await w.api('get', `/api/v2/runs/${run.id}`, w.tokens.alice).expect(401);
    await w.api('get', `/api/v2/runs/${run.id}`, w.tokens.developers).expect(200);
  });
});

describe('the run state machine (manual clock)', () => {
  it('walks pending -> ... -> applied one step per tick, each timestamp from samlgate\'s clock', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await devWorkspace(w, 'steps');
    const run = await queue(w, ws, w.tokens.developers, { message: 'stepwise' });
    assert.equal(run.attributes.status, 'plan_queued');
    assert.equal(run.attributes.message, 'stepwise');
    const tick = async () => {
      w.h.advance('1m');
      await w.h.gateway.context.runScheduler.tick();
      return status(w, run.id);
    };
    const seen = [await tick(), await tick(), await tick(), await tick(), await tick()];
    assert.deepEqual(seen, ['planning', 'planned', 'cost_estimating', 'cost_estimated', 'cost_estimated'], 'waits for confirmation');
    const planned = (await w.api('get', `/api/v2/runs/${run.id}`, w.tokens.developers)).body.data.attributes;
    assert.equal(planned.actions['is-confirmable'], true);
    assert.equal(planned['has-changes'], true);
    const t0 = Date.parse(planned['status-timestamps']['plan-queued-at']);
    assert.equal(Date.parse(planned['status-timestamps']['planning-at']) - t0, 60_000);
    assert.equal(Date.parse(planned['status-timestamps']['planned-at']) - t0, 120_000);

    await w.api('post', `/api/v2/runs/${run.id}/actions/apply`, w.tokens.developers, {}).expect(202);
    assert.equal(await status(w, run.id), 'confirmed');
    assert.deepEqual([await tick(), await tick(), await tick(), await tick()], ['apply_queued', 'applying', 'applied', 'applied']);
    const done = (await w.api('get', `/api/v2/runs/${run.id}`, w.tokens.developers)).body.data;
    assert.equal(Date.parse(done.attributes['status-timestamps']['applied-at']) - t0, 8 * 60_000);

    const ce = (await w.api('get', `/api/v2/cost-estimates/${done.relationships['cost-estimate'].data.id}`, w.tokens.developers).expect(200)).body.data.attributes;
    assert.equal(ce.status, 'finished');
    assert.equal(Date.parse(ce['status-timestamps']['finished-at']) - t0, 4 * 60_000);
    await w.api('get', '/api/v2/cost-estimates/ce-doesnotexist0000', w.tokens.developers).expect(404);
    await w.api('get', `/api/v2/cost-estimates/${done.relationships['cost-estimate'].data.id}`, w.tokens.contractors).expect(404);
    const plan = (await w.api('get', `/api/v2/plans/${done.relationships.plan.data.id}`, w.tokens.developers).expect(200)).body.data.attributes;
    assert.equal(plan.status, 'finished');
    assert.equal(plan['resource-additions'], 1);
    const apply = (await w.api('get', `/api/v2/applies/${done.relationships.apply.data.id}`, w.tokens.developers).expect(200)).body.data.attributes;
    assert.equal(apply.status, 'finished');
    assert.equal(apply['resource-additions'], 1);
  });

  it('a run is confirmable from planned on: applying during the cost estimate confirms it and cancels the estimate', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await devWorkspace(w, 'early');
    const run = await queue(w, ws, w.tokens.developers);
    const tick = () => w.h.gateway.context.runScheduler.tick();
    await tick();
    await tick();
    assert.equal(await status(w, run.id), 'planned');
    await tick();
    assert.equal(await status(w, run.id), 'cost_estimating');
    await w.api('post', `/api/v2/runs/${run.id}/actions/apply`, w.tokens.developers, {}).expect(202);
    assert.equal(await status(w, run.id), 'confirmed');
    const ceId = (await w.api('get', `/api/v2/runs/${run.id}`, w.tokens.developers)).body.data.relationships['cost-estimate'].data.id;
    assert.equal((await w.api('get', `/api/v2/cost-estimates/${ceId}`, w.tokens.developers)).body.data.attributes.status, 'canceled');
    await w.settle();
    assert.equal(await status(w, run.id), 'applied');
  });

  it('auto-apply applies without confirmation; a configuration without resources is planned_and_finished', async () => {
    const w = await seedWorkspaceWorld();
    const auto = await devWorkspace(w, 'auto', 'write', { 'auto-apply': true });
    const run = await queue(w, auto, w.tokens.developers);
    await w.settle();
    assert.equal(await status(w, run.id), 'applied');

    const empty = await createWorkspace(w, 'empty', w.tokens.organization);
    await uploadedCv(w, empty, w.tokens.owners, { 'main.tf': 'output "x" { value = 1 }\n' });
    const nothing = await queue(w, empty, w.tokens.owners);
    await w.settle();
    const attrs = (await w.api('get', `/api/v2/runs/${nothing.id}`, w.tokens.owners)).body.data.attributes;
    assert.equal(attrs.status, 'planned_and_finished');
    assert.equal(attrs['has-changes'], false);
  });

  it('one run at a time: a second run waits (pending, position 1) behind one waiting for confirmation and starts when it is discarded', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await devWorkspace(w, 'queue');
    const first = await queue(w, ws, w.tokens.developers);
    await w.settle();
    const second = await queue(w, ws, w.tokens.developers);
    assert.equal(second.attributes.status, 'pending');
    assert.equal(second.attributes['position-in-queue'], 1);
    await w.settle();
    assert.equal(await status(w, second.id), 'pending', 'still behind the run awaiting confirmation');
    // A plan-only run does not queue behind anything (TFE speculative plans).
    const speculative = await queue(w, ws, w.tokens.developers, { 'plan-only': true });
    await w.settle();
    assert.equal(await status(w, speculative.id), 'planned_and_finished');

    await w.api('post', `/api/v2/runs/${first.id}/actions/discard`, w.tokens.developers, {}).expect(202);
    assert.equal(await status(w, first.id), 'discarded');
    assert.equal(await status(w, second.id), 'plan_queued');
    await w.settle();
    assert.equal(await status(w, second.id), 'cost_estimated');
    const wsDoc = (await w.api('get', `/api/v2/workspaces/${ws}`, w.tokens.developers)).body.data;
    assert.equal(wsDoc.relationships['current-run'].data.id, second.id);
  });

  it('two runs queued at the same instant never both start', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await devWorkspace(w, 'race');
    const runs = await Promise.all([1, 2, 3].map(() => queue(w, ws, w.tokens.developers)));
    assert.deepEqual(runs.map((r) => r.attributes.status).sort(), ['pending', 'pending', 'plan_queued']);
  });

  it('apply, discard and cancel answer 409 when the run is not in a state that allows them', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await devWorkspace(w, 'conflicts');
    const run = await queue(w, ws, w.tokens.developers);
    const early = await w.api('post', `/api/v2/runs/${run.id}/actions/apply`, w.tokens.developers, {}).expect(409);
    assert.equal(early.body.errors[0].status, '409');
    assert.match(early.body.errors[0].detail, /plan_queued/);
    await w.settle();
    await w.api('post', `/api/v2/runs/${run.id}/actions/apply`, w.tokens.developers, {}).expect(202);
    await w.settle();
    await w.api('post', `/api/v2/runs/${run.id}/actions/apply`, w.tokens.developers, {}).expect(409);
    await w.api('post', `/api/v2/runs/${run.id}/actions/discard`, w.tokens.developers, {}).expect(409);
    await w.api('post', `/api/v2/runs/${run.id}/actions/cancel`, w.tokens.developers, {}).expect(409);
    await w.api('post', '/api/v2/runs/run-doesnotexist0000/actions/apply', w.tokens.developers, {}).expect(404);
  });

  it('cancel of a busy run takes effect at its next step; force-cancel only after the cool-off, then force_canceled', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await devWorkspace(w, 'cancel');
    const run = await queue(w, ws, w.tokens.carol);
    await w.h.gateway.context.runScheduler.tick();
    assert.equal(await status(w, run.id), 'planning');
    await w.api('post', `/api/v2/runs/${run.id}/actions/cancel`, w.tokens.carol, {}).expect(202);
    const requested = (await w.api('get', `/api/v2/runs/${run.id}`, w.tokens.carol)).body.data.attributes;
    assert.equal(requested.status, 'planning');
    assert.equal(Date.parse(requested['force-cancel-available-at']), w.h.clock.now() + FORCE_CANCEL_COOL_OFF_MS);
    assert.equal(requested.actions['is-force-cancelable'], false);
    const tooEarly = await w.api('post', `/api/v2/runs/${run.id}/actions/force-cancel`, w.tokens.carol, {}).expect(409);
    assert.match(tooEarly.body.errors[0].detail, /force-cancel is available from/);
    // Force-cancel is an admin action: the developers' write access does not include it.
    w.h.advance(FORCE_CANCEL_COOL_OFF_MS);
    await w.api('post', `/api/v2/runs/${run.id}/actions/force-cancel`, w.tokens.developers, {}).expect(404);
    await w.api('post', `/api/v2/runs/${run.id}/actions/force-cancel`, w.tokens.carol, {}).expect(202);
    assert.equal(await status(w, run.id), 'force_canceled');

    // A queued run stops at once.
    const second = await queue(w, ws, w.tokens.carol);
    await w.api('post', `/api/v2/runs/${second.id}/actions/cancel`, w.tokens.carol, {}).expect(202);
    assert.equal(await status(w, second.id), 'canceled');
  });

  it('lists a workspace\'s runs newest first, with pagination', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await devWorkspace(w, 'listing');
    const a = await queue(w, ws, w.tokens.developers);
    w.h.advance('1s');
    const b = await queue(w, ws, w.tokens.developers);
    const list = (await w.api('get', `/api/v2/workspaces/${ws}/runs?page[size]=1`, w.tokens.developers).expect(200)).body;
    assert.deepEqual(list.data.map((r: { id: string }) => r.id), [b.id]);
    assert.equal(list.meta.pagination['total-count'], 2);
    assert.equal(list.meta.pagination['next-page'], 2);
    const page2 = (await w.api('get', `/api/v2/workspaces/${ws}/runs?page[size]=1&page[number]=2`, w.tokens.developers).expect(200)).body;
    assert.deepEqual(page2.data.map((r: { id: string }) => r.id), [a.id]);
    const pending = (await w.api('get', `/api/v2/workspaces/${ws}/runs?filter[status]=pending`, w.tokens.developers).expect(200)).body;
    assert.deepEqual(pending.data.map((r: { id: string }) => r.id), [b.id]);
    const bogus = await w.api('get', `/api/v2/workspaces/${ws}/runs?filter[status]=bogus`, w.tokens.developers).expect(422);
    assert.equal(bogus.body.errors[0].source.parameter, 'filter[status]');
  });
});

describe('runs move on their own', () => {
  it("the gateway's own scheduler plans and applies a run within seconds of real time, on the manual clock, without anyone ticking it", async () => {
    const w = await seedWorkspaceWorld({}, { liveScheduler: true });
    try {
      const ws = await devWorkspace(w, 'live');
      const run = await queue(w, ws, w.tokens.developers);
      const deadline = Date.now() + 10_000;
      let s = run.attributes.status as string;
      while (s !== 'cost_estimated' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        s = await status(w, run.id);
      }
      assert.equal(s, 'cost_estimated');
      await w.api('post', `/api/v2/runs/${run.id}/actions/apply`, w.tokens.developers, {}).expect(202);
      while (s !== 'applied' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        s = await status(w, run.id);
      }
      assert.equal(s, 'applied');
    } finally {
      w.h.gateway.close();
    }
  });
});

describe('invalid run requests are 422 with a pointer', () => {
  const cases: Array<[string, (ws: string, pendingCv: string) => unknown, string]> = [
    ['no workspace relationship', () => ({ data: { type: 'runs', attributes: {}, relationships: {} } }), '/data/relationships/workspace'],
    ['is-destroy not a boolean', (ws) => runBody(ws, undefined, { 'is-destroy': 'yes' }), '/data/attributes/is-destroy'],
    ['target-addrs not a list', (ws) => runBody(ws, undefined, { 'target-addrs': 'null_resource.x' }), '/data/attributes/target-addrs'],
    ['wrong type', (ws) => ({ data: { ...runBody(ws).data, type: 'workspaces' } }), '/data/type'],
    ['unknown configuration version', (ws) => runBody(ws, 'cv-doesnotexist0000'), '/data/relationships/configuration-version/data/id'],
    ['configuration not uploaded yet', (ws, cv) => runBody(ws, cv), '/data/relationships/configuration-version/data/id'],
  ];
  // One world for the table: every case is refused, so none changes what the next one sees.
  let w: Seeded;
  let ws: string;
  let cv: string;
  before(async () => {
    w = await seedWorkspaceWorld();
    ws = await devWorkspace(w, 'bad');
    cv = (await w.api('post', `/api/v2/workspaces/${ws}/configuration-versions`, w.tokens.developers, {}).expect(201)).body.data.id;
  });
  for (const [name, body, pointer] of cases) {
    it(name, async () => {
      const res = await w.api('post', '/api/v2/runs', w.tokens.developers, body(ws, cv)).expect(422);
      assert.equal(res.body.errors[0].status, '422');
      assert.equal(res.body.errors[0].source.pointer, pointer, JSON.stringify(res.body));
    });
  }

  it('a destroy run on a workspace that forbids destroy plans', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await devWorkspace(w, 'keep', 'write', { 'allow-destroy-plan': false });
    const res = await w.api('post', '/api/v2/runs', w.tokens.developers, runBody(ws, undefined, { 'is-destroy': true })).expect(422);
    assert.equal(res.body.errors[0].source.pointer, '/data/attributes/is-destroy');
  });

  it('a workspace without any configuration version', async () => {
    const w = await seedWorkspaceWorld();
    const ws = await createWorkspace(w, 'bare', w.tokens.organization);
    const res = await w.api('post', '/api/v2/runs', w.tokens.owners, runBody(ws)).expect(422);
    assert.equal(res.body.errors[0].source.pointer, '/data/relationships/configuration-version');
  });
});
