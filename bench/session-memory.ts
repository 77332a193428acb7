/**
 * session-memory: bytes of heap per live web session. One real login through the in-process
 * harness (IdP -> ACS -> express-session -> GatewaySessionStore) captures the exact session data
 * the gateway stores after a login; then N = 10,000 sessions with that shape (each its own sid,
 * user id, CSRF token, NameID and times) are written through GatewaySessionStore.set into a fresh
 * memory store, and the heap delta after full GCs is divided by N.
 *
 * Needs --expose-gc (bench/run.ts passes it; standalone: node --expose-gc --import tsx bench/session-memory.ts).
 */
import { randomBytes } from 'node:crypto';
import { ManualClock } from '../src/clock.ts';
import { randomIds } from '../src/ids.ts';
import { GatewaySessionStore } from '../src/gateway/session-store.ts';
import { createMemoryStore } from '../src/store/memory.ts';
import { createHarness } from '../test/support/harness.ts';
import { fmt, isMain, log, median, meets, parseOptions, report, targetText, type BenchOptions, type BenchResult } from './lib.ts';

const TARGET = { op: '<=' as const, value: 1024 };

function fullGc() {
  for (let i = 0; i < 4; i++) globalThis.gc!();
}

export async function run(o: BenchOptions): Promise<BenchResult[]> {
  if (typeof globalThis.gc !== 'function') throw new Error('session-memory needs node --expose-gc');
  const n = 10_000;
  const repeats = o.quick ? 2 : 4;

  // 1. The real thing once: what a logged-in session record holds.
  const h = await createHarness();
  const who = await h.login('alice');
  const [real] = await h.store.sessions.listByUser(who.userId);
  if (!real) throw new Error('the harness login left no session record');
  const template = JSON.parse(real.data) as Record<string, any>;
  log(`session-memory: a real login stores ${Buffer.byteLength(real.data)} bytes of session JSON: ${real.data}`);

  const samples: number[] = [];
  const policy = h.gateway.context.policy;
  const stores: unknown[] = []; // every measured store stays alive to the end
  // One round: N logins' worth of session writes into a fresh store. Every per-session value
  // (sid, user id, CSRF token, NameID, SessionIndex) is made inside the loop, as a login makes
  // them, so whatever the store keeps of them is counted; garbage is collected before reading.
  const round = async () => {
    const clock = new ManualClock();
    const store = createMemoryStore();
    stores.push(store);
    const sessions = new GatewaySessionStore(store, clock, policy);
    const set = (sid: string, data: any) => new Promise<void>((resolve, reject) => sessions.set(sid, data, (err) => (err ? reject(err) : resolve())));
    fullGc();
    const before = process.memoryUsage().heapUsed;
    let lastSid = '';
    for (let i = 0; i < n; i++) {
      const now = clock.now() + i;
      const userId = `user-${randomIds.random(16)}`;
      lastSid = randomBytes(24).toString('base64url'); // express-session's uid-safe(24)
      await set(lastSid, {
        ...template,
        csrfToken: randomIds.random(32),
        login: { ...template.login, userId, loginAt: now, lastSeenAt: now, nameId: `${userId}@example.com`, sessionIndex: `_${randomBytes(20).toString('hex')}` },
      });
    }
    fullGc();
    const after = process.memoryUsage().heapUsed;
    if ((await store.sessions.listByUser(JSON.parse((await store.sessions.get(lastSid))!.data).login.userId)).length !== 1) throw new Error('sessions missing');
    return (after - before) / n;
  };
  await round(); // warm-up: code, inline caches and heap pages settle (not recorded)
  for (let rep = 0; rep < repeats; rep++) {
    samples.push(await round());
    log(`  session-memory round ${rep + 1}/${repeats}: ${fmt(samples.at(-1)!)} bytes/session`);
  }
  if (stores.length !== repeats + 1) throw new Error('unreachable');
  const perSession = median(samples);
  return [
    {
      name: 'session-memory',
      line: `session-memory: ${fmt(perSession)} bytes per live web session (N=${n.toLocaleString('en')}, heap delta after GC; ${targetText(TARGET, ' bytes')})`,
      value: perSession,
      unit: 'bytes',
      target: TARGET,
      pass: meets(perSession, TARGET),
      notes: [
        `absolute by nature (bytes), median of ${repeats} repeat(s); session data shape captured from a real harness login (${Buffer.byteLength(real.data)} bytes of JSON); one distinct user per session (the per-user index Set and the user id string are counted; the user record is not)`,
      ],
    },
  ];
}

if (isMain(import.meta.url)) {
  for (const r of await run(parseOptions())) report(r);
  process.exit(0);
}
