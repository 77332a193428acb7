/**
 * Top frames of a V8 .cpuprofile (from `node --cpu-prof`): self time per function and the
 * inclusive time of the functions named on the command line. Used to explain a missed target.
 *
 *   node --import tsx bench/profile-summary.ts FILE.cpuprofile [--top 25] [--under functionName]
 *
 * --under keeps only samples with that function on the stack (e.g. verifyLoginResponse, when the
 * profile also holds the baseline's samples); percentages are then of those samples.
 */
import { readFileSync } from 'node:fs';
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

if (isMain(import.meta.url)) {
  const args = process.argv.slice(2);
  const t = args.indexOf('--top');
  const top = t >= 0 ? Number(args[t + 1]) : 25;
  const u = args.indexOf('--under');
  const under = u >= 0 ? args[u + 1] : undefined;
  for (const f of args.filter((a) => a.endsWith('.cpuprofile'))) console.log(summarize(f, top, under));
}
