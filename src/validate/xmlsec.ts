/**
 * The xmlsec1 second opinion: does libxmlsec verify each signature with the IdP's key?
 *
 * Speed (a folder of captures): starting xmlsec1 costs ~45 ms (OpenSSL, libxml2, libxslt), the
 * verification itself ~1 ms, and a report asks twice (Response and Assertion). So the requests
 * made in one turn of the event loop (the reports of a batch) share invocations: xmlsec1 takes
 * several files and verifies them in order, printing an `OK` / `SignedInfo ...` / `Manifests ...`
 * block per file, and stops at the first file that fails.
 *
 * Verdicts and outputs are those of a run on the document alone (the single-file report must
 * not change): each document keeps its own temporary directory and file name, an OK block is
 * exactly what a lone run prints, and a run stops at a failing document, so its output is the
 * tail of the run - checked by its last line naming that document's file; anything else (output
 * on stdout, a kill on timeout, an unexpected shape) sends the documents to lone runs.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import type { Certificate } from '../saml/keys.ts';

export type SignedElement = 'Response' | 'Assertion';

export interface XmlsecOpinion {
  available: boolean;
  /** One verdict per signature present. */
  verdicts: { element: SignedElement; ok: boolean; output: string }[];
}

const NS_OF = { Response: 'urn:oasis:names:tc:SAML:2.0:protocol', Assertion: 'urn:oasis:names:tc:SAML:2.0:assertion' } as const;
const TIMEOUT_MS = 10_000;
/** A shared run may take longer than a lone one: this much more per document. */
const TIMEOUT_PER_DOC_MS = 200;
/** Bounds one invocation's command line. */
const MAX_DOCS_PER_RUN = 64;

/** A finished xmlsec1 run: its exit status (null when it could not run or was killed) and output. */
interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** A few xmlsec1 processes at a time, so that a batch overlaps them with its other work without forking dozens at once. */
const MAX_RUNNING = Math.max(2, availableParallelism());
let running = 0;
const waiting: (() => void)[] = [];

async function runXmlsec(args: string[], timeout: number): Promise<Run> {
  if (running >= MAX_RUNNING) await new Promise<void>((go) => waiting.push(go));
  running++;
  try {
    return await new Promise<Run>((resolve) => {
      execFile(process.env.XMLSEC1 ?? 'xmlsec1', args, { encoding: 'utf8', timeout }, (err, stdout, stderr) => {
        // err.code: the exit status, or a string (ENOENT...) when xmlsec1 did not run; killed on timeout: null.
        const code = err?.code;
        resolve({ status: err ? (typeof code === 'number' ? code : null) : 0, stdout: stdout ?? '', stderr: stderr ?? '' });
      });
    });
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** Whether xmlsec1 runs at all: asked once per binary and process, not once per report. */
const installed = new Map<string, Promise<boolean>>();
function xmlsecInstalled(): Promise<boolean> {
  const bin = process.env.XMLSEC1 ?? 'xmlsec1';
  let probe = installed.get(bin);
  if (!probe) {
    probe = runXmlsec(['--version'], TIMEOUT_MS).then((r) => r.status === 0);
    installed.set(bin, probe);
  }
  return probe;
}

const verifyArgs = (element: SignedElement, certFile: string) => {
  const ns = NS_OF[element];
  return [
    '--verify', '--enabled-key-data', 'rsa', '--pubkey-cert-pem', certFile,
    '--id-attr:ID', `${ns}:${element}`,
    '--node-xpath', `(//*[local-name()='${element}' and namespace-uri()='${ns}'])[1]/*[local-name()='Signature' and namespace-uri()='http://www.w3.org/2000/09/xmldsig#']`,
  ];
};

/** What a report shows of a run: its last three lines. */
const tail = (text: string) => text.trim().split('\n').slice(-3).join(' | ');

interface Job {
  doc: string;
  certFiles: string[];
  certs: readonly Certificate[];
  signed: readonly SignedElement[];
  results: Map<SignedElement, { ok: boolean; output: string }>;
}

/** The lone run of one document: exactly what a report made alone does. */
async function verifyAlone(job: Job, element: SignedElement, cert: number): Promise<void> {
  const r = await runXmlsec([...verifyArgs(element, job.certFiles[cert]!), job.doc], TIMEOUT_MS);
  job.results.set(element, { ok: r.status === 0, output: tail(`${r.stdout}${r.stderr}`) });
}

const OK_BLOCK = [/^OK$/, /^SignedInfo References /, /^Manifests References /] as const;

/** `jobs` share `element` and the certificate at index `cert`: as few invocations as their outcomes allow. */
async function verifyShared(jobs: Job[], element: SignedElement, cert: number): Promise<void> {
  let rest = jobs;
  while (rest.length > 0) {
    if (rest.length === 1) return verifyAlone(rest[0]!, element, cert);
    const now = rest.slice(0, MAX_DOCS_PER_RUN);
    const r = await runXmlsec([...verifyArgs(element, now[0]!.certFiles[cert]!), ...now.map((j) => j.doc)], TIMEOUT_MS + TIMEOUT_PER_DOC_MS * now.length);
    const lines = r.stderr.replace(/\n$/, '').split('\n');
    // Documents verified in order: each OK block ends one document's output.
    let done = 0;
    let start = 0;
    for (let i = 0; i + 2 < lines.length && done < now.length; i++) {
      if (OK_BLOCK.every((re, k) => re.test(lines[i + k]!))) {
        now[done++]!.results.set(element, { ok: true, output: lines.slice(i, i + 3).join(' | ') });
        i += 2;
        start = i + 1;
      }
    }
    const remainder = lines.slice(start);
    const failed = now[done];
    if (r.stdout !== '' || r.status === null) {
      // Not a shape this reading knows: lone runs for everything not yet verified.
      await Promise.all(now.slice(done).map((j) => verifyAlone(j, element, cert)));
    } else if (failed && r.status !== 0 && remainder.length >= 3 && remainder.at(-1) === `Error: failed to verify file "${failed.doc}"`) {
      failed.results.set(element, { ok: false, output: tail(remainder.join('\n')) });
      done++;
    } else if (done < now.length) {
      await Promise.all(now.slice(done).map((j) => verifyAlone(j, element, cert)));
    }
    rest = [...now.slice(done).filter((j) => !j.results.has(element)), ...rest.slice(now.length)];
  }
}

async function verifyAll(jobs: Job[]): Promise<void> {
  for (const element of ['Response', 'Assertion'] as const) {
    let pending = jobs.filter((j) => j.signed.includes(element));
    for (let cert = 0; pending.length > 0; cert++) {
      const tryNow = pending.filter((j) => j.certs.length > cert);
      // A lone run keeps the verdict of its last certificate; so does this.
      for (const j of tryNow) j.results.delete(element);
      const byCert = new Map<string, Job[]>();
      for (const j of tryNow) byCert.set(j.certs[cert]!.pem, [...(byCert.get(j.certs[cert]!.pem) ?? []), j]);
      await Promise.all([...byCert.values()].map((group) => verifyShared(group, element, cert)));
      pending = tryNow.filter((j) => !j.results.get(element)!.ok);
    }
  }
}

interface Request {
  job: Job;
  resolve: () => void;
  reject: (e: Error) => void;
}
let queued: Request[] = [];

function flush(): void {
  const requests = queued;
  queued = [];
  verifyAll(requests.map((q) => q.job)).then(
    () => requests.forEach((q) => q.resolve()),
    (err: Error) => requests.forEach((q) => q.reject(err)),
  );
}

export async function xmlsecOpinion(xml: string, certificates: readonly Certificate[], signed: readonly SignedElement[]): Promise<XmlsecOpinion> {
  if (!(await xmlsecInstalled())) return { available: false, verdicts: [] };
  const dir = mkdtempSync(path.join(tmpdir(), 'samlgate-validate-'));
  try {
    const doc = path.join(dir, 'doc.xml');
    writeFileSync(doc, xml);
    const certFiles = certificates.map((cert, i) => {
      const file = path.join(dir, `cert-${i}.pem`);
      writeFileSync(file, cert.pem);
      return file;
    });
    const job: Job = { doc, certFiles, certs: certificates, signed, results: new Map() };
    await new Promise<void>((resolve, reject) => {
      if (queued.length === 0) setImmediate(flush);
      queued.push({ job, resolve, reject });
    });
    return { available: true, verdicts: signed.map((element) => ({ element, ...(job.results.get(element) ?? { ok: false, output: '' }) })) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
