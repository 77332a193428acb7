/**
 * Top frames of a V8 .cpuprofile (from `node --cpu-prof`): self time per function and the
 * inclusive time of the functions named on the command line. Used to explain a missed target.
 *
 *   node --import tsx bench/profile-summary.ts FILE.cpuprofile [--top 25] [--under functionName]
 *   node --import tsx bench/profile-summary.ts FILE.cpuprofile --phases   # us per request by prelude phase
 *
 * --under keeps only samples with that function on the stack (e.g. verifyLoginResponse, when the
 * profile also holds the baseline's samples); percentages are then of those samples.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isMain } from './lib.ts';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
  children?: number[];
}

export function summarize(file: string, top = 25, under?: string): string {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const isUnder = (n: Node) => {
    if (!under) return true;
    for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) if (byId.get(id)!.callFrame.functionName === under) return true;
    return false;
  };
  const kept = prof.nodes.filter(isUnder);
  const total = kept.reduce((a, n) => a + n.hitCount, 0);
  const idle = kept.filter((n) => n.callFrame.functionName === '(idle)').reduce((a, n) => a + n.hitCount, 0);
  const busy = total - idle;
  const label = (n: Node) => {
    const url = n.callFrame.url.replace(/^file:\/\//, '').replace(/.*node_modules\//, 'nm/').replace(/.*\/work\/main\//, '');
    return `${n.callFrame.functionName || '(anonymous)'} ${url}${url ? `:${n.callFrame.lineNumber + 1}` : ''}`;
  };
  const self = new Map<string, number>();
  for (const n of kept) self.set(label(n), (self.get(label(n)) ?? 0) + n.hitCount);
  // Inclusive time per label (counted once per sample path).
  const incl = new Map<string, number>();
  for (const n of kept) {
    if (!n.hitCount) continue;
    const seen = new Set<string>();
    for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) {
      const l = label(byId.get(id)!);
      if (!seen.has(l)) {
        seen.add(l);
        incl.set(l, (incl.get(l) ?? 0) + n.hitCount);
      }
    }
  }
  const pct = (x: number) => `${((100 * x) / busy).toFixed(1).padStart(5)}%`;
  const lines = [`${file}: ${busy} busy samples${under ? ` under ${under}` : ''} (${idle} idle)`, 'self time (% of busy):'];
  for (const [l, v] of [...self].filter(([l]) => !l.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(v)}  ${l}`);
  lines.push('inclusive time (% of busy):');
  for (const [l, v] of [...incl].filter(([l]) => !/^\((root|program|idle)\)/.test(l)).sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(v)}  ${l}`);
  return lines.join('\n');
}

/**
 * The request prelude's phases, for `--phases`: each busy sample goes to the first frame, from the
 * leaf up, that belongs to a phase (so a setHeader call counts for the middleware that made it);
 * socket writes and GC are their own phases wherever they happen.
 */
const PHASES: ReadonlyArray<readonly [phase: string, test: (fn: string, url: string) => boolean]> = [
  ['Host check', (_f, u) => u.endsWith('/http/host-check.ts')],
  ['security headers', (_f, u) => u.endsWith('/http/security-headers.ts')],
  ['asset paths (passed)', (_f, u) => u.endsWith('/http/assets.ts')],
  ['start-up gate + /api/v2 prelude (app.ts)', (_f, u) => u.endsWith('/gateway/app.ts') || u.endsWith('/gateway/api-prelude.ts')],
  ['principal lookup (hash, SQLite, policy)', (f, u) => (f === 'get' && u === '') || /\/gateway\/(auth|tokens|token-policy|rate-limit)\.ts$/.test(u) || u.includes('/src/store/')],
  ['route handler + JSON serialisation + res.send', (_f, u) => /\/gateway\/api\/(jsonapi|serializers|account)\.ts$/.test(u) || u.includes('/src/tfe/') || u.endsWith('express/lib/response.js')],
  ['express routers (layer walk, path match)', (_f, u) => u.includes('node_modules/router/') || u.includes('node_modules/path-to-regexp/') || u.includes('node_modules/parseurl/')],
  ['express app entry (req/res prototypes)', (_f, u) => u.includes('node_modules/express/')],
  ['connection cap', (_f, u) => u.endsWith('/http/connection-cap.ts')],
  ['baseline route handler + res.send', (_f, u) => u.endsWith('/bench/account-details.ts')],
];

/** Microseconds of busy CPU per request by phase; `requests` from the profile's .meta.json. */
export function phases(file: string, requests: number): string {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const phaseOf = new Map<number, string | null>();
  const classify = (leaf: number): string | null => {
    const cached = phaseOf.get(leaf);
    if (cached !== undefined) return cached;
    let phase: string | null = null;
    const stack: Node[] = [];
    for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) stack.push(byId.get(id)!);
    const fn0 = stack[0]!.callFrame.functionName;
    if (fn0 === '(idle)') phase = null;
    else if (fn0 === '(garbage collector)') phase = 'garbage collector';
    else if (stack.some((n) => n.callFrame.functionName === 'writev' || n.callFrame.functionName === 'writeUtf8String' || n.callFrame.functionName === 'writeBuffer')) phase = 'socket write (syscall)';
    else {
      for (const n of stack) {
        const url = n.callFrame.url.replace(/^file:\/\//, '');
        const hit = PHASES.find(([, test]) => test(n.callFrame.functionName, url));
        if (hit) {
          phase = hit[0];
          break;
        }
      }
      phase ??= fn0 === '(program)' ? 'V8/native (program)' : 'node HTTP (parse, headers, finish, timers)';
    }
    phaseOf.set(leaf, phase);
    return phase;
  };
  const us = new Map<string, number>();
  for (let i = 0; i < prof.samples.length; i++) {
    const phase = classify(prof.samples[i]!);
    // timeDeltas[i] is the time since the previous sample: the time this sample stands for.
    if (phase) us.set(phase, (us.get(phase) ?? 0) + (prof.timeDeltas[i + 1] ?? prof.timeDeltas[i] ?? 0));
  }
  const total = [...us.values()].reduce((a, b) => a + b, 0);
  const lines = [`${file}: ${requests} requests, ${(total / requests).toFixed(1)} us busy CPU per request`, '| phase | us/request | share |', '|---|---|---|'];
  for (const [p, v] of [...us].sort((a, b) => b[1] - a[1])) lines.push(`| ${p} | ${(v / requests).toFixed(1)} | ${((100 * v) / total).toFixed(0)}% |`);
  lines.push(`| **total** | **${(total / requests).toFixed(1)}** | |`);
  return lines.join('\n');
}

if (isMain(import.meta.url)) {
  const args = process.argv.slice(2);
  const t = args.indexOf('--top');
  const top = t >= 0 ? Number(args[t + 1]) : 25;
  const u = args.indexOf('--under');
  const under = u >= 0 ? args[u + 1] : undefined;
  for (const f of args.filter((a) => a.endsWith('.cpuprofile'))) {
    const meta = f.replace(/\.cpuprofile$/, '.meta.json');
    if (args.includes('--phases')) {
      if (!existsSync(meta)) throw new Error(`--phases needs the request count in ${meta} (written by bench/account-details.ts under BENCH_CPU_PROF)`);
      console.log(phases(f, (JSON.parse(readFileSync(meta, 'utf8')) as { requests: number }).requests));
    } else console.log(summarize(f, top, under));
  }
}
