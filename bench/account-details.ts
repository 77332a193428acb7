/**
 * account-details: token-authenticated `GET /api/v2/account/details` on the real gateway
 * (createGateway + memory store holding 1,000,000 tokens) versus a bare express 5 app returning
 * the same JSON body. Each server runs in its own child process (so the gateway's large heap
 * cannot slow the baseline's GC); autocannon runs here, 10 connections, in alternating rounds.
 *
 * Two variants: a flagged service account (no session lookup) and an unflagged user with a live
 * web session record (one sessions.listByUser per request, rule S2).
 *
 *   node --import tsx bench/account-details.ts [--quick]
 *   (internal) node --import tsx bench/account-details.ts --serve subject|baseline
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startProfile } from './profile.ts';
import { fmt, interleave, isMain, log, median, meets, parseOptions, report, targetText, type BenchOptions, type BenchResult } from './lib.ts';

const SELF = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(SELF), '..');
const PATH = '/api/v2/account/details';
const READY = '@@READY@@';
const TARGET = { op: '>=' as const, value: 0.9 };
const TOKEN_COUNT = Number(process.env.BENCH_TOKENS ?? 1_000_000);

// ---------------------------------------------------------------------------------------------
// Server children

async function serveSubject(): Promise<void> {
  const { SystemClock } = await import('../src/clock.ts');
  const { resolveConfig } = await import('../src/config.ts');
  const { randomIds } = await import('../src/ids.ts');
  const { silentLogger } = await import('../src/log.ts');
  const { createGateway } = await import('../src/gateway/app.ts');
  const { generateTokenSecret, hashTokenSecret } = await import('../src/gateway/tokens.ts');
  const { loadSigningCredentials } = await import('../src/saml/keys.ts');
  const { builtInIdpTrust } = await import('../src/server.ts');
  const { createMemoryStore } = await import('../src/store/memory.ts');
  const { randomBytes } = await import('node:crypto');

  const config = resolveConfig({}, { logLevel: 'silent' });
  const clock = new SystemClock();
  const store = createMemoryStore();
  const gateway = createGateway({
    config,
    clock,
    ids: randomIds,
    store,
    logger: silentLogger,
    idp: await builtInIdpTrust(config),
    sp: loadSigningCredentials(config.gateway.spKey, config.gateway.spCert),
  });
  const now = clock.now();
  const mkUser = async (username: string, isServiceAccount: boolean) => {
    const r = await store.users.recordLogin({
      newUserId: `user-${randomIds.random(16)}`,
      username,
      email: `${username}@example.com`,
      isSiteAdmin: false,
      isServiceAccount,
      memberOf: ['developers'],
      loginFindings: [],
      now,
    });
    if (!r.ok) throw new Error(`cannot create ${username}: ${r.reason}`);
    return r.user;
  };
  const flagged = await mkUser('bench-bot', true);
  const unflagged = await mkUser('bench-alice', false);
  // The unflagged user's live web session, as GatewaySessionStore would store it after a login.
  const login = { userId: unflagged.id, loginAt: now, lastSeenAt: now, samlNotOnOrAfter: null, sessionIndex: '_s1', nameId: unflagged.email };
  await store.sessions.set({
    sid: randomIds.random(32),
    userId: unflagged.id,
    expiresAt: now + 14 * 24 * 3_600_000,
    data: JSON.stringify({ cookie: { originalMaxAge: null, expires: null, httpOnly: true, path: '/', sameSite: 'lax', secure: false }, login, csrfToken: randomIds.random(43) }),
  });

  const tokenRecord = (ownerId: string, secretHash: string) => ({
    id: `at-${randomIds.random(16)}`,
    kind: 'user' as const,
    ownerId,
    description: null,
    secretHash,
    createdAt: now,
    lastUsedAt: null,
    expiredAt: null,
    createdById: ownerId,
    singular: false,
  });
  const flaggedSecret = generateTokenSecret(randomIds);
  const unflaggedSecret = generateTokenSecret(randomIds);

  // Fill: TOKEN_COUNT tokens, owned by 50,000 synthetic user ids (not in the user store: they are
  // never called). Secrets are random 14-char prefixes + counters, hashed like real ones.
  const t0 = performance.now();
  const prefix = randomIds.random(14);
  const body = randomIds.random(60);
  const owners = Array.from({ length: 50_000 }, () => `user-${randomIds.random(16)}`);
  const ids = randomBytes(4).toString('hex');
  for (let i = 0; i < TOKEN_COUNT; i++) {
    if (i === TOKEN_COUNT >> 1) {
      await store.tokens.create(tokenRecord(flagged.id, hashTokenSecret(flaggedSecret)));
      await store.tokens.create(tokenRecord(unflagged.id, hashTokenSecret(unflaggedSecret)));
    }
    const secret = `${prefix}.atlasv1.${body}${String(i).padStart(7, '0')}`;
    const owner = owners[i % owners.length]!;
    await store.tokens.create({
      id: `at-${ids}${i.toString(36).padStart(8, '0')}`,
      kind: 'user',
      ownerId: owner,
      description: null,
      secretHash: hashTokenSecret(secret),
      createdAt: now,
      lastUsedAt: null,
      expiredAt: null,
      createdById: owner,
      singular: false,
    });
    if ((i + 1) % 100_000 === 0) log(`  account-details: filling token store ${i + 1}/${TOKEN_COUNT} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  if (TOKEN_COUNT < 2) {
    await store.tokens.create(tokenRecord(flagged.id, hashTokenSecret(flaggedSecret)));
    await store.tokens.create(tokenRecord(unflagged.id, hashTokenSecret(unflaggedSecret)));
  }
  const count = await store.tokens.count();
  globalThis.gc?.();
  const heapMb = process.memoryUsage().heapUsed / 1048576;
  // BENCH_CPU_PROF=DIR: CPU profile of the serving phase only (after the fill), written when the
  // driver stops this process; read it with bench/profile-summary.ts.
  if (process.env.BENCH_CPU_PROF) await startProfile(process.env.BENCH_CPU_PROF, 'account-details-subject');
  const server = http.createServer(gateway.app);
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const port = (server.address() as AddressInfo).port;
    process.stdout.write(`${READY}${JSON.stringify({ port, flaggedSecret, unflaggedSecret, count, heapMb, fillSeconds: (performance.now() - t0) / 1000 })}\n`);
  });
  process.on('disconnect', () => process.exit(0));
}

async function serveBaseline(): Promise<void> {
  const express = (await import('express')).default;
  const bodies = JSON.parse(process.env.BENCH_BODIES ?? '{}') as Record<string, string>;
  // A bare express 5 app: defaults only (etag on, x-powered-by on), one route per body. Each
  // request serialises the same document (as any route returning JSON does), no auth, no middleware.
  const app = express();
  for (const [route, body] of Object.entries(bodies)) {
    const doc = JSON.parse(body);
    app.get(route, (_req, res) => {
      res.type('application/vnd.api+json').send(JSON.stringify(doc));
    });
  }
  if (process.env.BENCH_CPU_PROF) await startProfile(process.env.BENCH_CPU_PROF, 'account-details-baseline');
  const server = http.createServer(app);
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${READY}${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
  });
  process.on('disconnect', () => process.exit(0));
}

// ---------------------------------------------------------------------------------------------
// Driver

function startChild(role: 'subject' | 'baseline', env: Record<string, string> = {}): Promise<{ child: ChildProcess; info: Record<string, any> }> {
  const flags = ['--import', 'tsx', ...(role === 'subject' ? ['--max-old-space-size=6144', '--expose-gc'] : []), SELF, '--serve', role];
  const child = spawn(process.execPath, flags, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit', 'ipc'], env: { ...process.env, ...env } });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${role} server did not start within 180 s`)), 180_000);
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (line) => {
      if (line.startsWith(READY)) {
        clearTimeout(timer);
        resolve({ child, info: JSON.parse(line.slice(READY.length)) });
      } else process.stderr.write(`  [${role}] ${line}\n`);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${role} server exited with code ${code} before it was ready`));
    });
  });
}

async function fetchBody(port: number, secret: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}${PATH}`, { headers: { authorization: `Bearer ${secret}` }, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`gateway answered ${res.status} to the benchmark token: ${text.slice(0, 300)}`);
  return text;
}

interface CannonRun {
  rps: number;
  non2xx: number;
  errors: number;
}

async function cannon(url: string, secret: string, seconds: number, connections = 10): Promise<CannonRun> {
  const result = await autocannon({
    url,
    connections,
    pipelining: 1,
    duration: seconds,
    timeout: 10,
    headers: { authorization: `Bearer ${secret}`, accept: 'application/vnd.api+json' },
  });
  return { rps: result.requests.total / (result.duration || seconds), non2xx: result.non2xx, errors: result.errors + result.timeouts };
}

export async function run(o: BenchOptions): Promise<BenchResult[]> {
  const rounds = o.quick ? 3 : 5;
  const seconds = o.quick ? 2 : 4;
  const t0 = performance.now();
  log(`account-details: starting the gateway with ${TOKEN_COUNT.toLocaleString('en')} tokens in the memory store...`);
  const subject = await startChild('subject');
  const children: ChildProcess[] = [subject.child];
  try {
    const s = subject.info;
    log(`account-details: store holds ${s.count.toLocaleString('en')} tokens (filled in ${fmt(s.fillSeconds, 1)} s, heap ${fmt(s.heapMb)} MB)`);
    const variants = [
      { key: 'flagged', label: 'service account (flagged, no session lookup)', secret: s.flaggedSecret as string, route: PATH },
      { key: 'unflagged', label: 'unflagged user with a live web session', secret: s.unflaggedSecret as string, route: `${PATH}-unflagged` },
    ];
    const bodies: Record<string, string> = {};
    for (const v of variants) bodies[v.route] = await fetchBody(s.port, v.secret);
    const baseline = await startChild('baseline', { BENCH_BODIES: JSON.stringify(bodies) });
    children.push(baseline.child);

    const results: BenchResult[] = [];
    for (const v of variants) {
      const subjUrl = `http://127.0.0.1:${s.port}${PATH}`;
      const baseUrl = `http://127.0.0.1:${baseline.info.port}${v.route}`;
      // Warm-up (JIT, connection pools), not recorded.
      await cannon(baseUrl, v.secret, 1);
      await cannon(subjUrl, v.secret, 1);
      let bad = 0;
      const samples = await interleave(
        rounds,
        async () => {
          const r = await cannon(baseUrl, v.secret, seconds);
          bad += r.non2xx + r.errors;
          return r.rps;
        },
        async () => {
          const r = await cannon(subjUrl, v.secret, seconds);
          bad += r.non2xx + r.errors;
          return r.rps;
        },
        (r, b, sv) => log(`  account-details[${v.key}] round ${r + 1}/${rounds}: express ${fmt(b)} req/s, gateway ${fmt(sv)} req/s (${fmt(sv / b, 2)})`),
      );
      const b = median(samples.baseline);
      const sv = median(samples.subject);
      const ratio = sv / b;
      const name = `account-details (${v.key})`;
      const notes = [
        `${v.label}; ${s.count.toLocaleString('en')} tokens in the store; medians of ${rounds} alternating ${seconds} s rounds, 10 connections`,
        `same request (incl. Authorization header) and same ${Buffer.byteLength(bodies[v.route]!)}-byte JSON document, serialised per request on both sides; baseline is express() with defaults and one route`,
      ];
      if (bad > 0) notes.push(`${bad} non-2xx responses or errors during the run: the numbers are not valid`);
      results.push({
        name,
        line: `${name}: ${fmt(sv)} req/s vs bare express ${fmt(b)} req/s -> ratio ${fmt(ratio, 2)} (${targetText(TARGET)})`,
        value: ratio,
        unit: 'ratio',
        target: TARGET,
        pass: bad === 0 && meets(ratio, TARGET),
        notes,
      });
    }
    log(`account-details: done in ${fmt((performance.now() - t0) / 1000, 1)} s`);
    return results;
  } finally {
    for (const c of children) c.kill('SIGTERM');
  }
}

if (isMain(import.meta.url)) {
  const i = process.argv.indexOf('--serve');
  if (i >= 0) {
    const role = process.argv[i + 1];
    await (role === 'subject' ? serveSubject() : serveBaseline());
  } else {
    for (const r of await run(parseOptions())) report(r);
    process.exit(0);
  }
}
