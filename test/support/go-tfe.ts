/**
 * HashiCorp's official TFE client, go-tfe, as Debian ships it (golang-github-hashicorp-go-tfe-dev:
 * the sources with their integration tests under /usr/share/gocode). We never vendor or commit
 * go-tfe: the test binary is compiled from the installed package at test time, offline, in GOPATH
 * mode (every dependency is another Debian golang-*-dev package under the same tree), and cached
 * under the OS temp directory keyed by the package and Go versions, so only the first run pays
 * the ~25 s compile.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const GO_TFE_IMPORT_PATH = 'github.com/hashicorp/go-tfe';
export const DEBIAN_GOPATH = '/usr/share/gocode';
export const GO_TFE_SOURCE_DIR = path.join(DEBIAN_GOPATH, 'src', GO_TFE_IMPORT_PATH);
/** What a machine needs for these tests; .ci/run installs exactly these when missing. */
export const REQUIRED_DEBIAN_PACKAGES = ['golang-go', 'golang-github-hashicorp-go-tfe-dev'];

export class GoTfeUnavailable extends Error {
  readonly code = 'ERR_GO_TFE_UNAVAILABLE';
}

export interface GoTfeBinary {
  path: string;
  /** Debian package version, e.g. 0.11.1+git20201207.19dc0b8-3. */
  packageVersion: string;
  goVersion: string;
  /** Test function names the binary contains (`-test.list`). */
  tests: string[];
}

async function packageVersion(): Promise<string> {
  try {
    const { stdout } = await run('dpkg-query', ['-W', '-f=${Version}', 'golang-github-hashicorp-go-tfe-dev']);
    if (stdout.trim()) return stdout.trim();
  } catch {
    /* fall through to the clear error below */
  }
  throw new GoTfeUnavailable(`golang-github-hashicorp-go-tfe-dev is not installed: run .ci/run, or apt-get install ${REQUIRED_DEBIAN_PACKAGES.join(' ')}`);
}

async function goVersion(): Promise<string> {
  try {
    const { stdout } = await run('go', ['env', 'GOVERSION'], { env: goEnv(os.tmpdir()) });
    return stdout.trim();
  } catch (err) {
    throw new GoTfeUnavailable(`the Go toolchain is not usable (${(err as Error).message.split('\n')[0]}): apt-get install golang-go`);
  }
}

/** GOPATH mode, offline: Debian's tree is the only source of packages; caches stay in our temp dir. */
function goEnv(cacheRoot: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: cacheRoot,
    GOPATH: `${path.join(cacheRoot, 'gopath')}:${DEBIAN_GOPATH}`,
    GO111MODULE: 'off',
    GOPROXY: 'off',
    GOFLAGS: '',
    GOCACHE: path.join(cacheRoot, 'gocache'),
    GOTOOLCHAIN: 'local',
    CGO_ENABLED: '0',
  };
}

let memo: Promise<GoTfeBinary> | undefined;

/** The compiled go-tfe test binary (built once per package/Go version, then reused). */
export function goTfeBinary(): Promise<GoTfeBinary> {
  memo ??= build();
  return memo;
}

async function build(): Promise<GoTfeBinary> {
  if (!existsSync(GO_TFE_SOURCE_DIR)) {
    throw new GoTfeUnavailable(`${GO_TFE_SOURCE_DIR} is missing: apt-get install ${REQUIRED_DEBIAN_PACKAGES.join(' ')} (.ci/run does)`);
  }
  const version = await packageVersion();
  const go = await goVersion();
  const cacheRoot = path.join(os.tmpdir(), 'samlgate-go-tfe', `${version}-${go}`.replace(/[^A-Za-z0-9._+-]/g, '_'));
  const binary = path.join(cacheRoot, 'go-tfe.test');
  if (!existsSync(binary)) {
    await mkdir(cacheRoot, { recursive: true });
    // Build under a private name and rename: concurrent runs (several worktrees) never see a
    // half-written binary, and the last rename wins with an identical file.
    const partial = `${binary}.${process.pid}.partial`;
    try {
      await run('go', ['test', '-c', '-o', partial, GO_TFE_IMPORT_PATH], { cwd: cacheRoot, env: goEnv(cacheRoot), maxBuffer: 16 << 20 });
    } catch (err) {
      await rm(partial, { force: true });
      const e = err as { stderr?: string; message: string };
      throw new GoTfeUnavailable(`compiling go-tfe's tests failed (a missing golang-*-dev dependency?):\n${e.stderr || e.message}`);
    }
    await rename(partial, binary);
  }
  const { stdout } = await run(binary, ['-test.list', '.*'], { env: { PATH: process.env.PATH } });
  const tests = stdout.split('\n').filter((l) => /^Test/.test(l));
  return { path: binary, packageVersion: version, goVersion: go, tests };
}
