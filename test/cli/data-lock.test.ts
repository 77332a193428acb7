/**
 * The data-directory lock with real samlgate processes: the kernel holds it for the process and
 * drops it when the process dies, so neither a zombie nor a PID in a leftover lock file can block
 * a restart, while a second live samlgate on the directory is still refused clearly.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { PACKAGE_ROOT } from '../../src/config.ts';
import { loginThroughGateway, metaCsrfToken, SamlBrowser } from '../../src/client/saml-browser.ts';
import { CLI_ARGS, freePorts, runSamlgate, startSamlgate, type Ports, type SamlgateProcess } from '../support/samlgate-process.ts';

const ARGS = ['--log-level', 'warn'];
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const dirs: string[] = [];
const cleanups: (() => void)[] = [];
after(() => {
  for (const c of cleanups) c();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tmp = (name: string) => {
  const d = mkdtempSync(path.join(os.tmpdir(), `samlgate-${name}-`));
  dirs.push(d);
  return d;
};
const stop = (p: SamlgateProcess) => cleanups.push(() => p.child.kill('SIGKILL'));

/** Signs alice in through the gateway and creates a user token: state that must outlive the process. */
async function createToken(gw: string): Promise<string> {
  const b = new SamlBrowser();
  const page = await loginThroughGateway(b, gw, 'alice', 'alice');
  const csrf = metaCsrfToken(page.body)!;
  const headers = { accept: 'application/vnd.api+json' };
  const id = JSON.parse((await b.request('GET', `${gw}/api/v2/account/details`, { headers })).body).data.id as string;
  const created = await b.request('POST', `${gw}/api/v2/users/${id}/authentication-tokens`, {
    json: { data: { type: 'authentication-tokens', attributes: { description: 'before the kill' } } },
    headers: { ...headers, 'x-csrf-token': csrf },
  });
  assert.equal(created.status, 201, created.body);
  return JSON.parse(created.body).data.attributes.token as string;
}

async function usernameFor(gw: string, token: string): Promise<string> {
  const res = await fetch(`${gw}/api/v2/account/details`, { headers: { accept: 'application/vnd.api+json', authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()).data.attributes.username;
}

/**
 * Starts samlgate in its own process group (setsid) as the child of a parent that never reaps
 * (`exec sleep`), like a container whose PID 1 does not wait for orphans: once killed, samlgate
 * stays a zombie with its PID for as long as that parent lives.
 */
function startUnderNonReapingParent(dir: string, ports: Ports): Promise<{ pid: number; parent: ChildProcess }> {
  const args = [...CLI_ARGS, 'start', '--idp-port', String(ports.idp), '--gateway-port', String(ports.gateway), '--data', dir, ...ARGS];
  const parent = spawn('sh', ['-c', 'setsid "$0" "$@" & echo "samlgate-pid $!"; exec sleep 600', process.execPath, ...args], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  cleanups.push(() => parent.kill('SIGKILL'));
  let out = '';
  parent.stdout!.on('data', (d) => (out += d));
  parent.stderr!.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`samlgate did not start within 30 s:\n${out}`)), 30_000);
    const onData = () => {
      const pid = /samlgate-pid (\d+)/.exec(out)?.[1];
      if (pid && /samlgate ready in \d+ ms/.test(out)) {
        clearTimeout(timer);
        parent.stdout!.off('data', onData);
        resolve({ pid: Number(pid), parent });
      }
    };
    parent.stdout!.on('data', onData);
  });
}

/** The process state letter from /proc/PID/stat (`Z` for a zombie), or null once the PID is gone. */
function processState(pid: number): string | null {
  try {
    return /^\d+ \(.*\) (\S)/s.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1] ?? null;
  } catch {
    return null;
  }
}

describe('the data-directory lock is held by the kernel, not by a PID', () => {
  it('restart at once after SIGKILL of the whole process group starts', async () => {
    const dir = tmp('lock-zombie');
    const ports = await freePorts();
    const first = await startUnderNonReapingParent(dir, ports);
    const token = await createToken(`http://localhost:${ports.gateway}`);
    process.kill(-first.pid, 'SIGKILL');
    // At once: no waiting for the killed process to go away (it never does: nobody reaps it).
    const second = await startSamlgate(dir, ports, ARGS);
    stop(second);
    assert.equal(processState(first.pid), 'Z', 'the killed samlgate is still a zombie with its PID: the old PID lock refused this start');
    assert.equal(await usernameFor(second.gw, token), 'alice', 'the token created before the kill still works');
    assert.equal(readFileSync(path.join(dir, 'gateway.lock'), 'utf8').split('\n')[0], String(second.child.pid), 'the holder note names the new process');
  });

  it('a lock file naming PID 1 does not block a start', async () => {
    const dir = tmp('lock-pid1');
    // The PID lock files of earlier versions: just a PID, here one that is always alive.
    writeFileSync(path.join(dir, 'gateway.lock'), '1\n');
    writeFileSync(path.join(dir, 'idp.lock'), '1\n');
    const p = await startSamlgate(dir, await freePorts(), ARGS);
    stop(p);
    assert.equal((await fetch(`${p.gw}/users/saml/metadata`)).status, 200);
    for (const f of ['gateway.lock', 'idp.lock']) assert.equal(readFileSync(path.join(dir, f), 'utf8').split('\n')[0], String(p.child.pid), f);
  });

  it('two live processes are still refused clearly', async () => {
    const dir = tmp('lock-two');
    const ports = await freePorts();
    const first = await startSamlgate(dir, ports, ARGS);
    stop(first);
    const token = await createToken(first.gw);
    const other = await freePorts();
    const second = await runSamlgate(['start', '--idp-port', String(other.idp), '--gateway-port', String(other.gateway), '--data', dir, ...ARGS]);
    assert.equal(second.code, 1, second.stderr);
    assert.match(
      second.stderr,
      new RegExp(`^samlgate: the data directory ${escape(dir)} is in use by another samlgate process \\(PID ${first.child.pid}, started at \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z, holding the gateway database\\); stop it or use another --data\\n$`),
    );
    assert.doesNotMatch(second.stderr, /\n\s+at /, 'no stack trace');
    // The refused process touched nothing: the first keeps its lock, its note and its data.
    assert.equal(readFileSync(path.join(dir, 'gateway.lock'), 'utf8').split('\n')[0], String(first.child.pid));
    assert.equal(await usernameFor(first.gw, token), 'alice');
    const alone = await runSamlgate(['idp', '--idp-port', String(other.idp), '--data', dir, ...ARGS]);
    assert.equal(alone.code, 1, alone.stderr);
    assert.match(alone.stderr, new RegExp(`\\(PID ${first.child.pid}, started at \\S+, holding the IdP database\\)`), 'the IdP half is locked as well');
    first.child.kill('SIGKILL');
    await first.exited;
    const again = await startSamlgate(dir, ports, ARGS);
    stop(again);
    assert.equal(await usernameFor(again.gw, token), 'alice', 'the data written by the first process is intact');
  });
});
