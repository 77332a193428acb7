/**
 * Moves simulated runs along (runs.ts decides each step; this only applies them). It ticks on
 * real time — a step every `stepMs` (default 100 ms), so a run plans in well under a second and
 * clients that poll, like go-tfe and Terraform, keep working on either clock — while every
 * timestamp it writes comes from samlgate's clock. The timer is unref'd (it never keeps the
 * process alive) and stop() ends it on shutdown. With stepMs null nothing ticks on its own:
 * tests call tick() to step deterministically.
 *
 * Correctness does not depend on a single scheduler: each step is a compare-and-set transition
 * in the store, and freeing the queue is the store's atomic promoteNext.
 */
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import { FINAL_RUN_STATUSES, type RunRecord, type Store } from '../store/types.ts';
import { afterPlan } from './policy-checks.ts';
import { nextStep } from './runs.ts';
import { changeSetFor } from './synthetic-plan.ts';
import { LATEST_TERRAFORM_VERSION } from './terraform-versions.ts';

export interface RunSchedulerOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** Real milliseconds between steps; null: only explicit tick() calls advance runs. */
  stepMs: number | null;
}

export class RunScheduler {
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly o: RunSchedulerOptions) {}

  start(): void {
    if (this.o.stepMs === null || this.timer || this.stopped) return;
    this.timer = setInterval(() => {
      void this.tick().catch((err) => this.o.logger.warn({ err }, 'run scheduler step failed'));
    }, this.o.stepMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One step for every active run. Overlapping calls share the step in progress. */
  tick(): Promise<void> {
    if (!this.ticking) {
      this.ticking = this.step().then(
        () => undefined,
      ).finally(() => {
        this.ticking = null;
      });
    }
    return this.ticking;
  }

  /** Steps until no run changes any more (tests: "let everything that can happen, happen"). */
  async settle(maxSteps = 50): Promise<void> {
    for (let i = 0; i < maxSteps; i++) if (!(await this.step())) return;
  }

  /** A run just reached a final status (by a step or a user action): let the next queued one start. */
  async released(workspaceId: string): Promise<void> {
    const promoted = await this.o.store.runs.promoteNext(workspaceId, this.o.clock.now());
    if (promoted) this.o.logger.debug({ runId: promoted.id }, 'run dequeued');
  }

  private async step(): Promise<boolean> {
    const { store } = this.o;
    const active = await store.runs.listActive();
    let changed = false;
    for (const run of active) if (await this.advance(run)) changed = true;
    return changed;
  }

  private async advance(run: RunRecord): Promise<boolean> {
    const { store, clock } = this.o;
    const [workspace, cv] = await Promise.all([store.workspaces.get(run.workspaceId), store.configurationVersions.get(run.configurationVersionId)]);
    if (!workspace) return false;
    const step = nextStep(run, {
      now: clock.now(),
      terraformVersion: workspace.settings.terraformVersion || LATEST_TERRAFORM_VERSION,
      change: changeSetFor(cv?.resourceAddresses ?? null, run.isDestroy),
    });
    // The plan-finished step passes through the policy check when policy sets apply (policy-checks.ts).
    const patch = step && (await afterPlan(store, run, step, clock.now()));
    if (!patch) {
      // A pending run whose queue is free (e.g. after a restart between steps) starts here.
      if (run.status === 'pending') return (await store.runs.promoteNext(run.workspaceId, clock.now())) !== undefined;
      return false;
    }
    const next = await store.runs.transition(run.id, run.status, patch);
    if (next && FINAL_RUN_STATUSES.has(next.status)) await this.released(next.workspaceId);
    return next !== undefined;
  }
}
