/**
 * `npm test` runs what scripts/test-files.mjs prints: a few files alone and the rest in bundles
 * (generated modules that import several test files into one process). The plan must never drop
 * or repeat a file, the isolated files must exist (a renamed one would silently lose its own
 * process), and a bundle must import exactly the files the plan gave it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
// @ts-expect-error: a plain .mjs script without type declarations
import { BUNDLE_DIR, GROUPS, ISOLATED, START_FIRST, WEIGHTS, plan, testFiles, writeBundles } from '../scripts/test-files.mjs';

type Unit = { name: string; files: string[]; weight: number };

describe('npm test units (scripts/test-files.mjs)', () => {
  it('runs every test/**/*.test.ts exactly once, alone or in one bundle', () => {
    const planned = (plan() as Unit[]).flatMap((u) => u.files);
    assert.equal(new Set(planned).size, planned.length, 'a file planned twice runs twice');
    // What the script before it ran: `find test -name '*.test.ts'`.
    const found = spawnSync('find', ['test', '-name', '*.test.ts'], { encoding: 'utf8' }).stdout.trim().split('\n');
    assert.deepEqual([...planned].sort(), found.sort());
    assert.deepEqual([...(testFiles() as string[])].sort(), found.sort());
  });

  it('keeps each isolated file in a process of its own, and each of them exists', () => {
    const units = plan() as Unit[];
    for (const f of Object.keys(ISOLATED)) {
      assert.ok(existsSync(f), `${f} is in ISOLATED but does not exist: update scripts/test-files.mjs`);
      assert.ok(units.some((u) => u.name === f && u.files.length === 1), `${f} runs alone`);
    }
  });

  it('puts the files of each GROUPS folder into one bundle of their own', () => {
    const units = plan() as Unit[];
    for (const prefix of Object.keys(GROUPS as Record<string, string>)) {
      const members = (testFiles() as string[]).filter((f) => f.startsWith(prefix) && !(f in ISOLATED));
      assert.ok(members.length > 0, `${prefix} in GROUPS holds test files`);
      const holders = units.filter((u) => u.files.some((f) => f.startsWith(prefix)));
      assert.equal(holders.length, 1, `${prefix} files are in one unit`);
      assert.deepEqual(holders[0]!.files, members, `that unit holds only ${prefix} files`);
    }
  });

  it('starts the START_FIRST units first, then the rest heaviest first, and only weighs files that exist', () => {
    const units = plan() as Unit[];
    const first = START_FIRST as string[];
    assert.deepEqual(units.slice(0, first.length).map((u) => u.name), first);
    const weights = units.slice(first.length).map((u) => u.weight);
    assert.deepEqual(weights, [...weights].sort((a, b) => b - a));
    for (const f of Object.keys(WEIGHTS as Record<string, number>)) assert.ok(existsSync(f), `scripts/test-weights.json names ${f}, which does not exist: re-measure (docs/testing.md)`);
  });

  it('writes each bundle as imports of exactly its planned files, and removes stale bundles', () => {
    // A folder of its own: rewriting test/.bundles here could race the bundles of this very run.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'samlgate-bundles-'));
    writeFileSync(path.join(dir, 'bundle-99.test.mjs'), "import '../api/gone.test.ts';\n");
    const units = plan() as Unit[];
    assert.deepEqual(writeBundles(units, dir), units.map((u) => u.name));
    const bundles = units.filter((u) => u.name.startsWith(`${BUNDLE_DIR}/`));
    assert.ok(bundles.length >= 2, 'the shared files are spread over bundles');
    for (const u of bundles) {
      const imported = [...readFileSync(path.join(dir, path.basename(u.name)), 'utf8').matchAll(/^import '\.\.\/(.+)';$/gm)].map((m) => `test/${m[1]}`);
      assert.deepEqual(imported, u.files, `${u.name} imports what the plan says`);
    }
    assert.deepEqual(readdirSync(dir).sort(), bundles.map((u) => path.basename(u.name)).sort(), 'no bundle of an earlier plan is left to run twice');
  });
});
