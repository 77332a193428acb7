/**
 * The module graph of src/ has no import cycle. A cycle makes evaluation order depend on which
 * module is imported first (a `const` read before its module ran is a TDZ ReferenceError under
 * ESM), and it usually means a rule or a type has no single home. Type-only imports count too:
 * they are erased at run time, but a type that two modules need from each other belongs in a
 * third.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = path.join(ROOT, 'src');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(full);
    return e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [full] : [];
  });
}

// Top-level statements start in column 0 in this code base; `[^;]*?` lets a clause span lines
// (and hold comments) up to the statement's end.
const FROM = /^(?:import|export)\s[^;]*?\sfrom\s*['"]([^'"]+)['"]/gm;
const BARE = /^import\s*['"]([^'"]+)['"]/gm;
const STATEMENT = /^import\b/gm;

/** Relative specifiers of the static imports and re-exports of `source`, type-only ones included. */
function staticImports(source: string): string[] {
  const specifiers = [...source.matchAll(FROM), ...source.matchAll(BARE)].map((m) => m[1]!);
  const statements = [...source.matchAll(STATEMENT)].length;
  const imports = [...source.matchAll(FROM)].filter((m) => m[0].startsWith('import')).length + [...source.matchAll(BARE)].length;
  // An import the regexes cannot read would silently drop an edge: fail loudly instead.
  assert.equal(imports, statements, 'every `import` statement at the start of a line was read');
  return specifiers.filter((s) => s.startsWith('./') || s.startsWith('../'));
}

function resolve(from: string, specifier: string): string {
  const base = path.resolve(path.dirname(from), specifier);
  const found = [base, `${base}.ts`, path.join(base, 'index.ts')].find((p) => existsSync(p) && p.endsWith('.ts'));
  assert.ok(found, `${path.relative(ROOT, from)} imports ${specifier}, which is no .ts file`);
  return found;
}

function moduleGraph(files: readonly string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    let imports: string[];
    try {
      imports = staticImports(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new Error(`${path.relative(ROOT, file)}: ${(err as Error).message}`);
    }
    graph.set(file, [...new Set(imports.map((s) => resolve(file, s)))].sort());
  }
  return graph;
}

/** Strongly connected components with a cycle (Tarjan), each as one concrete cycle `a -> b -> a`. */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];

  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) components.push(component);
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);

  // Within a component every module reaches every other: the shortest way back to the first one.
  return components.map((component) => {
    const members = new Set(component);
    const start = [...component].sort()[0]!;
    const previous = new Map<string, string>();
    const queue = [start];
    while (queue.length) {
      const v = queue.shift()!;
      for (const w of graph.get(v) ?? []) {
        if (!members.has(w)) continue;
        if (w === start) {
          const cycle = [start];
          for (let u = v; u !== start; u = previous.get(u)!) cycle.splice(1, 0, u);
          return [...cycle, start];
        }
        if (!previous.has(w)) {
          previous.set(w, v);
          queue.push(w);
        }
      }
    }
    return [start, start];
  });
}

describe('module structure', () => {
  it('src/ has no import cycle (static imports and re-exports, type-only ones included)', () => {
    const graph = moduleGraph(tsFiles(SRC));
    assert.ok(graph.size > 50, `found only ${graph.size} modules under src/`);
    const found = cycles(graph).map((c) => c.map((f) => path.relative(ROOT, f)).join(' -> '));
    assert.deepEqual(found, [], `import cycles:\n  ${found.join('\n  ')}`);
  });

  it('the cycle finder reports a cycle as a path, and reads multi-line and type-only imports', () => {
    const a = staticImports(`import type {\n  X, // why\n  Y,\n} from './b.ts';\nimport './side.ts';\nexport * from '../c.ts';\nexport const v = 1;\nimport fs from 'node:fs';\n`);
    assert.deepEqual(a.sort(), ['../c.ts', './b.ts', './side.ts']);
    assert.deepEqual(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]])), [['a', 'b', 'c', 'a']]);
    assert.deepEqual(cycles(new Map([['a', ['b']], ['b', []]])), []);
  });
});
