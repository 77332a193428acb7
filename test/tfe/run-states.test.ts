/**
 * The run state machine (src/tfe/run-states.ts), table first: every status × every action, as
 * TFE's Runs API documents them (is-confirmable, is-discardable, is-cancelable), and the action
 * functions and the scheduler's steps obey the same table.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunRecord } from '../../src/store/types.ts';
import { FINAL_RUN_STATUSES, RUN_ACTIONS, RUN_STATES, RUN_STATUSES, runStateAllows, type RunAction, type RunStatus } from '../../src/tfe/run-states.ts';
import { cancelRun, confirmRun, discardRun, forceCancelRun, nextStep } from '../../src/tfe/runs.ts';

const Y = true;
const _ = false;
// Written out by hand, not derived from the module: a change of the table must change this too.
//                                         apply discard cancel force-cancel
const EXPECTED: Record<RunStatus, [boolean, boolean, boolean, boolean]> = {
  pending: /*             */ [_, Y, Y, Y],
  plan_queued: /*         */ [_, _, Y, Y],
  planning: /*            */ [_, _, Y, Y],
  planned: /*             */ [Y, Y, Y, Y],
  cost_estimating: /*     */ [Y, Y, Y, Y],
  cost_estimated: /*      */ [Y, Y, Y, Y],
  policy_checked: /*      */ [Y, Y, Y, Y],
  policy_override: /*     */ [_, Y, Y, Y],
  confirmed: /*           */ [_, _, Y, Y],
  apply_queued: /*        */ [_, _, Y, Y],
  applying: /*            */ [_, _, Y, Y],
  applied: /*             */ [_, _, _, _],
  planned_and_finished: /**/ [_, _, _, _],
  discarded: /*           */ [_, _, _, _],
  canceled: /*            */ [_, _, _, _],
  force_canceled: /*      */ [_, _, _, _],
  errored: /*             */ [_, _, _, _],
};

const NOW = 1_700_000_000_000;
const phase = (id: string) => ({ id, status: 'pending' as const, statusTimestamps: {}, resourceAdditions: 0, resourceChanges: 0, resourceDestructions: 0, log: '' });
const runIn = (status: RunStatus, extra: Partial<RunRecord> = {}): RunRecord => ({
  id: 'run-x', workspaceId: 'ws-x', configurationVersionId: 'cv-x', status, statusTimestamps: {}, message: '', source: 'tfe-api',
  isDestroy: false, refresh: true, refreshOnly: false, planOnly: false, autoApply: false, targetAddrs: null, replaceAddrs: null,
  hasChanges: true, createdAt: NOW, createdBy: null, canceledAt: null, forceCancelAvailableAt: null, plan: phase('plan-x'), apply: phase('apply-x'),
  ...extra,
});
const DO: Record<RunAction, (run: RunRecord) => { ok: boolean }> = {
  apply: (r) => confirmRun(r, NOW),
  discard: (r) => discardRun(r, NOW),
  cancel: (r) => cancelRun(r, NOW),
  // Past the cool-off, so only the table decides.
  'force-cancel': (r) => forceCancelRun({ ...r, canceledAt: NOW - 1, forceCancelAvailableAt: NOW - 1 }, NOW),
};

describe('run states: one table decides every action and move', () => {
  it('the table has a row for every status and the matrix covers the table', () => {
    assert.deepEqual([...RUN_STATUSES].sort(), Object.keys(EXPECTED).sort());
  });

  for (const status of RUN_STATUSES) {
    RUN_ACTIONS.forEach((action, i) => {
      const allowed = EXPECTED[status][i]!;
      it(`${status} × ${action}: ${allowed ? 'allowed' : 'refused'} by the table and by the action`, () => {
        assert.equal(runStateAllows(status, action), allowed);
        assert.equal(DO[action](runIn(status)).ok, allowed);
      });
    });
  }

  it('every move names a status of the table, and final statuses have no move and no action', () => {
    for (const status of RUN_STATUSES) {
      const r = RUN_STATES[status];
      for (const to of r.next) assert.ok(RUN_STATUSES.includes(to as RunStatus), `${status} -> ${to}`);
      assert.equal(FINAL_RUN_STATUSES.has(status), r.next.length === 0, status);
      if (FINAL_RUN_STATUSES.has(status)) assert.equal(r.actions.length, 0, status);
    }
  });

  it("an allowed action's patch moves the run only to a status the table allows from where it was", () => {
    for (const status of RUN_STATUSES) {
      for (const action of RUN_ACTIONS) {
        const d = DO[action](runIn(status)) as { ok: boolean; patch?: { status?: RunStatus } };
        if (d.ok && d.patch?.status) assert.ok(runStateAllows(status, d.patch.status), `${status} --${action}--> ${d.patch.status}`);
      }
    }
  });

  it("the scheduler's every step (with and without changes, plan-only, auto-apply, a pending cancel) is a move the table allows", () => {
    const variants: Partial<RunRecord>[] = [{}, { planOnly: true }, { autoApply: true }, { canceledAt: NOW }];
    for (const status of RUN_STATUSES) {
      for (const v of variants) {
        for (const additions of [0, 1]) {
          const p = nextStep(runIn(status, v), { now: NOW, terraformVersion: '1.9.0', change: { additions, destructions: 0, addresses: additions ? ['null_resource.a'] : [] } });
          if (p?.status) assert.ok(runStateAllows(status, p.status), `${status} -> ${p.status}`);
        }
      }
    }
  });

  it('an unknown status allows nothing (a record from a newer version is left alone, not advanced)', () => {
    assert.equal(runStateAllows('policy_checking' as RunStatus, 'cancel'), false);
    assert.equal(runStateAllows('__proto__' as RunStatus, 'planned'), false);
  });
});
