/**
 * `samlgate start` as a real child process, for crash and restart tests: fixed ports across
 * restarts (entity IDs and ACS URLs derive from them), one data directory, kill -9 or a signal,
 * and the output collected for assertions. Also the command line every CLI test spawns.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../src/config.ts';
import { freePort } from '../../src/util/free-port.ts';

/** Whether dist/ was compiled from the src/ on disk now: every .ts file under src/ has its .js in
 * dist/ at least as new as itself, and no tsconfig changed since dist/cli.js was written. `npm test`
 * builds dist/ first; a single test file run by hand after an edit gets a stale dist/, which
 * must never be what it tests. */
export function distIsFresh(root = PACKAGE_ROOT): boolean {
  const [src, dist] = [path.join(root, 'src'), path.join(root, 'dist')];
  const mtime = (file: string) => {
    try {
      return statSync(file).mtimeMs;
    } catch {
      return undefined;
    }
  };
  const cli = mtime(path.join(dist, 'cli.js'));
  if (cli === undefined) return false;
  for (const config of ['tsconfig.json', 'tsconfig.build.json']) if ((mtime(path.join(root, config)) ?? 0) > cli) return false;
  for (const file of readdirSync(src, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.ts') || file.endsWith('.d.ts')) continue;
    const compiled = mtime(path.join(dist, file.replace(/\.ts$/, '.js')));
    if (compiled === undefined || compiled < statSync(path.join(src, file)).mtimeMs) return false;
  }
  return true;
}

/**
 * `node <CLI_ARGS> <command> ...` runs the samlgate CLI: the compiled dist/cli.js when it is
 * fresh (half of tsx's start-up CPU, which a CLI test pays per process: docs/testing.md), else
 * src/cli.ts through tsx, so a test never runs code other than the source it is checked against.
 * SAMLGATE_TEST_CLI=tsx forces the source (to compare, or for stack traces into src/).
 */
export const CLI_ARGS: readonly string[] = process.env.SAMLGATE_TEST_CLI !== 'tsx' && distIsFresh()
  ? [path.join(PACKAGE_ROOT, 'dist', 'cli.js')]
  : ['--import', 'tsx', path.join(PACKAGE_ROOT, 'src', 'cli.ts')];

export interface SamlgateProcess {
  child: ChildProcess;
  gw: string;
  idp: string;
  /** stdout + stderr so far. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface Ports {
  idp: number;
  gateway: number;
}

export async function freePorts(): Promise<Ports> {
  return { idp: await freePort(), gateway: await freePort() };
}

/** Starts samlgate and resolves once it printed its ready line (rejects with its output if it exits first). */
export function startSamlgate(dataDir: string, ports: Ports, extra: string[] = []): Promise<SamlgateProcess> {
  const args = [...CLI_ARGS, 'start', '--idp-port', String(ports.idp), '--gateway-port', String(ports.gateway), '--data', dataDir, ...extra];
  const child = spawn(process.execPath, args, { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`samlgate did not start within 30 s:\n${out}`))), 30_000);
    const onData = () => {
      if (/samlgate ready in \d+ ms/.test(out)) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve({ child, gw: `http://localhost:${ports.gateway}`, idp: `http://localhost:${ports.idp}`, output: () => out, exited });
      }
    };
    child.stdout!.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`samlgate exited (${code ?? signal}) before it was ready:\n${out}`));
    });
  });
}

/** kill -9: no shutdown code runs, exactly like a crash or an OOM kill. */
export async function crash(p: SamlgateProcess): Promise<void> {
  p.child.kill('SIGKILL');
  await p.exited;
}

/** Runs `samlgate <args>` to completion (for start-up refusals). */
export function runSamlgate(args: string[], timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [...CLI_ARGS, ...args], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
