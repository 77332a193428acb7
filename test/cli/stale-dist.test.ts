/**
 * bin/samlgate.js and a dist/ older than src/: a developer who edited src/ and forgot to build
 * must not run yesterday's code without a word. Each case runs the real launcher in a temporary
 * package (its own bin/, a dist/cli.js and a src/cli.ts that only say which one ran), with the
 * mtimes set explicitly.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUILT = new Date('2025-01-15T09:00:00Z');
const EARLIER = new Date('2025-01-15T08:00:00Z');
const LATER = new Date('2025-01-15T10:00:00Z');
const STALE_NOTICE = 'samlgate: dist/ is older than src/: running src/ with tsx; run npm run build\n';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A package with the real launcher; `tsx`: node_modules links to ours, so tsx can be found. */
function fakePackage(o: { tsx: boolean; checkout?: boolean; dist?: boolean }): { root: string; run: () => { stdout: string; stderr: string; status: number | null } } {
  const root = mkdtempSync(path.join(tmpdir(), 'samlgate-stale-dist-'));
  dirs.push(root);
  mkdirSync(path.join(root, 'bin'));
  mkdirSync(path.join(root, 'src', 'idp'), { recursive: true });
  copyFileSync(path.join(ROOT, 'bin', 'samlgate.js'), path.join(root, 'bin', 'samlgate.js'));
  writeFileSync(path.join(root, 'package.json'), '{"type":"module"}\n');
  if (o.checkout !== false) writeFileSync(path.join(root, '.git'), 'gitdir: /nonexistent\n');
  if (o.tsx) symlinkSync(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  // The type annotation proves the TypeScript ran through tsx, not as plain JavaScript.
  writeFileSync(path.join(root, 'src', 'cli.ts'), "const ran: string = 'src';\nconsole.log(ran, process.argv.slice(2).join(' '));\n");
  writeFileSync(path.join(root, 'src', 'idp', 'app.ts'), 'export {};\n');
  for (const p of ['src/idp/app.ts', 'src/idp', 'src/cli.ts', 'src']) utimesSync(path.join(root, p), EARLIER, EARLIER);
  if (o.dist !== false) {
    mkdirSync(path.join(root, 'dist'));
    writeFileSync(path.join(root, 'dist', 'cli.js'), "console.log('dist', process.argv.slice(2).join(' '));\n");
    utimesSync(path.join(root, 'dist', 'cli.js'), BUILT, BUILT);
  }
  return {
    root,
    run: () => spawnSync(process.execPath, [path.join(root, 'bin', 'samlgate.js'), '--version'], { cwd: root, encoding: 'utf8' }),
  };
}

describe('bin/samlgate.js with a dist/ older than src/', () => {
  it('dist/ newer than every file under src/: runs dist/, says nothing', () => {
    const r = fakePackage({ tsx: true }).run();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'dist --version\n');
    assert.equal(r.stderr, '');
  });

  it('a file under src/ newer than dist/cli.js: runs src/ with tsx and says why in one stderr line', () => {
    const p = fakePackage({ tsx: true });
    utimesSync(path.join(p.root, 'src', 'idp', 'app.ts'), LATER, LATER);
    const r = p.run();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'src --version\n');
    assert.equal(r.stderr, STALE_NOTICE);
  });

  it('a file deleted from src/ after the build (only its directory is newer): runs src/ with tsx', () => {
    const p = fakePackage({ tsx: true });
    unlinkSync(path.join(p.root, 'src', 'idp', 'app.ts'));
    utimesSync(path.join(p.root, 'src', 'idp'), LATER, LATER);
    const r = p.run();
    assert.equal(r.stdout, 'src --version\n');
    assert.equal(r.stderr, STALE_NOTICE);
  });

  it('stale dist/ and no tsx installed: warns, then runs dist/', () => {
    const p = fakePackage({ tsx: false });
    utimesSync(path.join(p.root, 'src', 'cli.ts'), LATER, LATER);
    const r = p.run();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'dist --version\n');
    assert.equal(r.stderr, 'samlgate: dist/ is older than src/ and tsx is not installed: running the stale dist/; run npm run build\n');
  });

  it('an installed package (no .git at its root) is not checked: runs dist/', () => {
    const p = fakePackage({ tsx: true, checkout: false });
    utimesSync(path.join(p.root, 'src', 'cli.ts'), LATER, LATER);
    const r = p.run();
    assert.equal(r.stdout, 'dist --version\n');
    assert.equal(r.stderr, '');
  });

  it('no dist/ at all: runs src/ with tsx, as before, without a notice', () => {
    const r = fakePackage({ tsx: true, dist: false }).run();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'src --version\n');
    assert.equal(r.stderr, '');
  });
});
