/**
 * In-process CPU profiling through node:inspector, so a benchmark can profile only its measured
 * phase (not a fill or a warm-up). The profile is written on SIGTERM/disconnect/exit request.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';

let session: Session | undefined;

/** `meta`: written beside the profile as NAME.meta.json (e.g. the request count, for per-request costs). */
export async function startProfile(dir: string, name: string, meta?: () => Record<string, unknown>): Promise<void> {
  session = new Session();
  session.connect();
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  const stop = async () => {
    const s = session;
    session = undefined;
    if (!s) return;
    const { profile } = await s.post('Profiler.stop');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${name}-${process.pid}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    if (meta) writeFileSync(file.replace(/\.cpuprofile$/, '.meta.json'), JSON.stringify(meta()));
    process.stderr.write(`  cpu profile written to ${file}\n`);
  };
  const exitAfter = () => void stop().finally(() => process.exit(0));
  process.once('SIGTERM', exitAfter);
  process.once('disconnect', exitAfter);
}

/** For in-process benchmarks: profile `fn` and write the profile. */
export async function profileCall<T>(dir: string, name: string, fn: () => Promise<T>): Promise<T> {
  const s = new Session();
  s.connect();
  await s.post('Profiler.setSamplingInterval', { interval: 500 });
  await s.post('Profiler.enable');
  await s.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await s.post('Profiler.stop');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${name}-${process.pid}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    process.stderr.write(`  cpu profile written to ${file}\n`);
    s.disconnect();
  }
}
