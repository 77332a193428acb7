/**
 * The run scheduler never keeps the process alive (its timer is unref'd) and stops on close():
 * a process that starts a gateway's scheduler and never stops it still exits on its own, and a
 * stopped scheduler moves nothing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '../../src/clock.ts';
import { silentLogger } from '../../src/log.ts';
import { createMemoryStore } from '../../src/store/memory.ts';
import { RunScheduler } from '../../src/tfe/run-scheduler.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

it('a running scheduler does not keep the process alive', () => {
  const script = `
    import { RunScheduler } from './src/tfe/run-scheduler.ts';
    import { createMemoryStore } from './src/store/memory.ts';
    import { ManualClock } from './src/clock.ts';
    import { silentLogger } from './src/log.ts';
    new RunScheduler({ store: createMemoryStore(), clock: new ManualClock(), logger: silentLogger, stepMs: 5 }).start();
    console.log('started');`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.signal, null, 'the process had to be killed: the scheduler kept it alive');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /started/);
});

it('stop() ends the ticking: a queued run stays where it was', async () => {
  const store = createMemoryStore();
  const scheduler = new RunScheduler({ store, clock: new ManualClock(), logger: silentLogger, stepMs: 5 });
  scheduler.start();
  scheduler.stop();
  const ticks: number[] = [];
  const spy = store.runs.listActive.bind(store.runs);
  store.runs.listActive = async () => (ticks.push(1), spy());
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(ticks.length, 0);
  scheduler.start();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(ticks.length, 0, 'a stopped scheduler does not start again');
});
