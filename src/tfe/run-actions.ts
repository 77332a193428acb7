/**
 * A user action on a run (apply, discard, cancel, force-cancel): the pure decision of runs.ts,
 * then the store's compare-and-set on the status it was decided from, so an action racing the
 * scheduler (or another action) never applies to a state it was not decided for.
 */
import type { RunRecord } from '../store/types.ts';
import { TfeError } from './errors.ts';
import type { ActionResult } from './runs.ts';
import type { DomainDeps } from './workspaces.ts';

export async function actOnRun(d: DomainDeps, run: RunRecord, decide: (run: RunRecord, now: number) => ActionResult): Promise<RunRecord> {
  const decision = decide(run, d.clock.now());
  if (!decision.ok) throw new TfeError('transition-not-allowed', decision.detail);
  const updated = await d.store.runs.transition(run.id, decision.from, decision.patch);
  if (!updated) throw new TfeError('transition-not-allowed', 'the run changed state while this request was processed; read it again and retry');
  return updated;
}
