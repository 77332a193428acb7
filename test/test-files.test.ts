/**
 * `npm test` runs the files scripts/test-files.mjs prints, slowest first: the order must never
 * drop or repeat a file, and its list of slow files must name files that exist (a renamed slow
 * file would silently fall back to alphabetical order and end the run late).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
// @ts-expect-error: a plain .mjs script without type declarations
import { SLOWEST, testFiles } from '../scripts/test-files.mjs';

describe('npm test file order (scripts/test-files.mjs)', () => {
  it('prints every test/**/*.test.ts exactly once', () => {
    const printed: string[] = testFiles();
    assert.equal(new Set(printed).size, printed.length, 'a file printed twice runs twice');
    // What the script before it ran: `find test -name '*.test.ts'`.
    const found = spawnSync('find', ['test', '-name', '*.test.ts'], { encoding: 'utf8' }).stdout.trim().split('\n');
    assert.deepEqual([...printed].sort(), found.sort());
  });

  it('starts with the slow files, in the measured order, and each of them exists', () => {
    for (const f of SLOWEST as string[]) assert.ok(existsSync(f), `${f} is in SLOWEST but does not exist: update scripts/test-files.mjs`);
    assert.deepEqual(testFiles().slice(0, SLOWEST.length), SLOWEST);
  });
});
