/**
 * XML Schema validation against the OASIS SAML 2.0 schemas (bundled in schemas/: protocol,
 * assertion, metadata, and the W3C xmldsig, xenc and xml schemas they import), with xmllint-wasm:
 * libxml2 compiled to WebAssembly, so no native xmllint is needed. This is the validator's XSD
 * check (SP-SECURITY 10.2 step 3) - the ACS's own schema-ish rules live in the verify core.
 *
 * Speed (a folder of captures): xmllint-wasm's validateXML() starts a Worker, reads and compiles
 * the 780 kB WebAssembly module and parses the schemas on every call (~200 ms, more on a busy
 * machine). Here one long-lived worker keeps the compiled module; each run still gets a fresh
 * instance, because xmllint's main() runs once per instance (libxml2's global state is not
 * reset). And the requests made in one turn of the event loop go to ONE run as several files
 * (`xmllint --schema S a.xml b.xml ...`), so the schemas are parsed once for all of them.
 *
 * Results are those of a run on the document alone, byte for byte (the single-file report must
 * not change): xmllint reports each file separately, so a file's lines are cut out of the run's
 * stderr and read by the library's own error parser. A file whose outcome a shared run cannot
 * tell (no "validates" / "fails to validate" line: a parse error) and every file of a run that
 * failed as a whole (out of memory, a crashed worker) are run again alone.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const SCHEMA_DIR = fileURLToPath(new URL('../../schemas/', import.meta.url));
const FILES = ['saml-schema-protocol-2.0.xsd', 'saml-schema-assertion-2.0.xsd', 'saml-schema-metadata-2.0.xsd', 'xenc-schema.xsd', 'xmldsig-core-schema.xsd', 'xml.xsd'] as const;
const ENTRY = { protocol: 'saml-schema-protocol-2.0.xsd', metadata: 'saml-schema-metadata-2.0.xsd' } as const;

/** xmllint-wasm's defaults (16 MiB initial, 32 MiB maximum), so one document behaves as it did with validateXML(). */
const MEMORY_PAGES = { initial: 256, maximum: 512 };
/** Bounds on one shared run: a large batch is split (the inputs live in the worker's memory file system). */
const MAX_DOCS_PER_RUN = 64;
const MAX_BYTES_PER_RUN = 8 * 1024 * 1024;

export type SchemaKind = keyof typeof ENTRY;

export interface SchemaResult {
  valid: boolean;
  errors: string[];
}

let loaded: { fileName: string; contents: string }[] | null = null;
function schemas() {
  loaded ??= FILES.map((fileName) => ({ fileName, contents: readFileSync(SCHEMA_DIR + fileName, 'utf8') }));
  return loaded;
}

/**
 * The worker: compiles xmllint.wasm once, then runs xmllint's main() on a fresh instance per
 * message with that message's files. Requiring xmllint-node.js also installs the library's own
 * message handler; it ignores messages without its key. Plain CommonJS (an eval'd worker), so
 * it runs the same from src/ under tsx and from dist/.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Module = require(workerData.script);
const compiled = new WebAssembly.Module(require('node:fs').readFileSync(workerData.wasm));
parentPort.on('message', (m) => {
  if (!m || m.samlgateXsd !== true) return;
  let stderr = '';
  let answered = false;
  const answer = (exitCode, text) => {
    if (answered) return;
    answered = true;
    parentPort.postMessage({ samlgateXsd: true, id: m.id, exitCode, stderr: text });
  };
  const run = Module({
    inputFiles: m.files.concat(workerData.schemas),
    arguments: m.args,
    print() {},
    printErr(text) { stderr += text + '\\n'; },
    onExit(code) { answer(code, stderr); },
    onAbort(reason) { answer(-1, 'WASM Abort: ' + reason); },
    wasmMemory: new WebAssembly.Memory(workerData.memory),
    instantiateWasm(imports, done) {
      WebAssembly.instantiate(compiled, imports).then((instance) => done(instance, compiled), (err) => answer(-1, 'WASM instantiation failed: ' + err));
      return {};
    },
  });
  if (run && typeof run.catch === 'function') run.catch((err) => answer(-1, String(err)));
});
`;

interface RunResult {
  exitCode: number;
  stderr: string;
}

class RunFailed extends Error {
  constructor(message: string, readonly exitCode?: number) {
    super(message);
  }
}

/** One worker for the process, one run at a time; unref'd while idle so it never holds the process open. */
class XmllintWorker {
  private worker: Worker | null = null;
  private waiting = new Map<number, { resolve: (r: RunResult) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private tail: Promise<unknown> = Promise.resolve();

  private start(): Worker {
    const require = createRequire(import.meta.url);
    const script = require.resolve('xmllint-wasm/xmllint-node.js');
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      // No tsx or test-runner flags in the worker: it runs plain JavaScript.
      execArgv: [],
      workerData: { script, wasm: script.replace(/xmllint-node\.js$/, 'xmllint.wasm'), schemas: schemas(), memory: MEMORY_PAGES },
    });
    worker.unref();
    worker.on('message', (m: { samlgateXsd?: boolean; id: number } & RunResult) => {
      if (m?.samlgateXsd !== true) return;
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (this.waiting.size === 0) worker.unref();
      w?.resolve({ exitCode: m.exitCode, stderr: m.stderr });
    });
    const fail = (err: Error) => {
      if (this.worker === worker) this.worker = null;
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    worker.on('error', (err) => fail(new RunFailed(`the xmllint worker failed: ${err.message}`)));
    worker.on('exit', (code) => fail(new RunFailed(`the xmllint worker stopped (exit code ${code})`)));
    return worker;
  }

  run(files: { fileName: string; contents: string }[], args: string[]): Promise<RunResult> {
    const next = this.tail.then(
      () =>
        new Promise<RunResult>((resolve, reject) => {
          let worker: Worker;
          try {
            worker = this.worker ??= this.start();
          } catch (err) {
            reject(new RunFailed(`the xmllint worker could not start: ${(err as Error).message}`));
            return;
          }
          const id = this.nextId++;
          this.waiting.set(id, { resolve, reject });
          worker.ref();
          worker.postMessage({ samlgateXsd: true, id, files, args });
        }),
    );
    this.tail = next.catch(() => undefined);
    return next;
  }
}

const worker = new XmllintWorker();

/** xmllint-wasm's exit-code reading: 0 valid, 3 or 4 invalid, anything else a failed run. */
function verdictOf(exitCode: number): boolean | null {
  if (exitCode === 0) return true;
  if (exitCode === 3 || exitCode === 4) return false;
  return null;
}

/**
 * xmllint-wasm's parseErrors(), kept exactly (its quirks included: the last two lines are
 * dropped, a line with two colons is read as FILE:LINE:MESSAGE), then the validator's wording.
 */
function errorsOf(stderr: string): string[] {
  return stderr
    .split('\n')
    .slice(0, -2)
    .map((line) => {
      const [fileName, lineNumber, ...rest] = line.split(':');
      return fileName && lineNumber && rest.length ? { raw: line, message: rest.join(':').trim(), line: parseInt(lineNumber) } : { raw: line, message: line, line: null };
    })
    .filter((e) => !(e.line === null && e.raw.trim().endsWith(' validates')))
    .map((e) => `${e.line !== null ? `line ${e.line}: ` : ''}${e.message.replace(/^Schemas validity error : /, '')}`);
}

const argsFor = (which: SchemaKind, names: string[]) => ['--schema', ENTRY[which], '--noout', ...names];

/** The document alone, as xmllint-wasm's validateXML() would run it. */
async function runAlone(xml: string, which: SchemaKind): Promise<SchemaResult> {
  const r = await worker.run([{ fileName: 'document.xml', contents: xml }], argsFor(which, ['document.xml']));
  const valid = verdictOf(r.exitCode);
  if (valid === null) throw new RunFailed(r.stderr, r.exitCode);
  return { valid, errors: valid ? [] : errorsOf(r.stderr) };
}

/** Several documents in one run; each result as if run alone. */
async function runShared(docs: string[], which: SchemaKind): Promise<Promise<SchemaResult>[]> {
  if (docs.length === 1) return [runAlone(docs[0]!, which)];
  // A per-run nonce in the names: a document's own text (quoted in parser errors) cannot pose as another file's line.
  const tag = `d${randomBytes(6).toString('hex')}`;
  const names = docs.map((_, i) => `${tag}-${i}.xml`);
  let r: RunResult;
  try {
    r = await worker.run(docs.map((contents, i) => ({ fileName: names[i]!, contents })), argsFor(which, names));
  } catch {
    return docs.map((xml) => runAlone(xml, which));
  }
  if (verdictOf(r.exitCode) === null) return docs.map((xml) => runAlone(xml, which));
  const owner = new RegExp(`^(${tag}-\\d+\\.xml)[: ]`);
  const preamble: string[] = [];
  const lines = new Map<string, string[]>(names.map((n) => [n, []]));
  let current: string[] = preamble;
  for (const line of r.stderr.split('\n').slice(0, -1)) {
    const name = owner.exec(line)?.[1];
    if (name !== undefined && lines.has(name)) current = lines.get(name)!;
    current.push(line);
  }
  return docs.map((xml, i) => {
    const mine = lines.get(names[i]!)!;
    if (mine.includes(`${names[i]} validates`)) return Promise.resolve({ valid: true, errors: [] });
    if (mine.includes(`${names[i]} fails to validate`)) return Promise.resolve({ valid: false, errors: errorsOf([...preamble, ...mine].join('\n') + '\n') });
    return runAlone(xml, which);
  });
}

interface Request {
  xml: string;
  which: SchemaKind;
  resolve: (r: SchemaResult) => void;
  reject: (e: Error) => void;
}

let queued: Request[] = [];

/** Sends what was asked in this turn of the event loop, one shared run per schema and chunk. */
function flush(): void {
  const requests = queued;
  queued = [];
  for (const which of Object.keys(ENTRY) as SchemaKind[]) {
    const byXml = new Map<string, Request[]>();
    for (const q of requests) if (q.which === which) byXml.set(q.xml, [...(byXml.get(q.xml) ?? []), q]);
    const docs = [...byXml.keys()];
    for (let from = 0; from < docs.length; ) {
      let to = from;
      let bytes = 0;
      while (to < docs.length && to - from < MAX_DOCS_PER_RUN && (to === from || bytes + docs[to]!.length <= MAX_BYTES_PER_RUN)) bytes += docs[to++]!.length;
      const chunk = docs.slice(from, to);
      from = to;
      runShared(chunk, which).then(
        (results) =>
          results.forEach((result, i) =>
            result.then(
              (value) => byXml.get(chunk[i]!)!.forEach((q) => q.resolve(value)),
              (err: Error) => byXml.get(chunk[i]!)!.forEach((q) => q.reject(err)),
            ),
          ),
        (err: Error) => chunk.forEach((xml) => byXml.get(xml)!.forEach((q) => q.reject(err))),
      );
    }
  }
}

/**
 * `which` picks the entry schema: a protocol message or a metadata document. Calls made in the
 * same turn of the event loop (the reports of a batch) share one xmllint run.
 */
export function validateAgainstXsd(xml: string, which: SchemaKind): Promise<SchemaResult> {
  return new Promise((resolve, reject) => {
    if (queued.length === 0) setImmediate(flush);
    queued.push({ xml, which, resolve, reject });
  });
}
