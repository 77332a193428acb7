/**
 * The CLI tests spawn the compiled dist/cli.js only when it was built from the src/ on disk:
 * a stale dist/ (an edit after the last build, a new file, a changed tsconfig) would test old
 * code and pass or fail for the wrong reason, so it falls back to src/cli.ts through tsx.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { distIsFresh } from '../support/samlgate-process.ts';

const roots: string[] = [];
after(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

const BUILT = new Date('2030-01-01T00:00:10Z');
const EARLIER = new Date('2030-01-01T00:00:00Z');
const LATER = new Date('2030-01-01T00:00:20Z');

/** A package root whose src/ was last edited before dist/ was built from it. */
function builtPackage(): { root: string; write: (rel: string, at: Date) => void } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'samlgate-dist-'));
  roots.push(root);
  const write = (rel: string, at: Date) => {
    const file = path.join(root, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '');
    utimesSync(file, at, at);
  };
  for (const f of ['tsconfig.json', 'tsconfig.build.json', 'src/cli.ts', 'src/store/db.ts']) write(f, EARLIER);
  for (const f of ['dist/cli.js', 'dist/store/db.js']) write(f, BUILT);
  return { root, write };
}

describe('the CLI tests run dist/ only when it is fresh', () => {
  it('dist/ built after the last edit of every source is used', () => {
    const { root, write } = builtPackage();
    write('src/types.d.ts', LATER);
    write('src/views/page.html', LATER);
    assert.equal(distIsFresh(root), true, 'declaration files and non-TypeScript files have no .js to compare');
  });

  it('no dist/ (a checkout nobody built): tsx', () => {
    const { root } = builtPackage();
    rmSync(path.join(root, 'dist'), { recursive: true });
    assert.equal(distIsFresh(root), false);
  });

  it('a source edited after the build (in a subdirectory too): tsx', () => {
    const { root, write } = builtPackage();
    write('src/store/db.ts', LATER);
    assert.equal(distIsFresh(root), false);
  });

  it('a source added after the build (no .js for it): tsx', () => {
    const { root, write } = builtPackage();
    write('src/store/new-table.ts', EARLIER);
    assert.equal(distIsFresh(root), false);
  });

  it('a tsconfig changed after the build: tsx', () => {
    for (const config of ['tsconfig.json', 'tsconfig.build.json']) {
      const { root, write } = builtPackage();
      write(config, LATER);
      assert.equal(distIsFresh(root), false, config);
    }
  });
});
