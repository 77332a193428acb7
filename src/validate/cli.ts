/**
 * `samlgate validate FILE|- [--idp-metadata FILE|URL] [--idp-cert FILE] [--sp-entity-id ID]
 * [--acs-url URL] [--at ISO-8601] [--format text|json|junit]` - the pinned command line
 * (scripts depend on it). Exit 0: no error finding; 1: errors; 2: unusable input or options.
 * Added since, without changing that: several FILEs (one report each, exit status the worst),
 * --expect service-account|user, --fail-on error|warning and --relax-nameformat.
 * Registered on the main program by registerValidateCommand(), so cli.ts needs one line.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEV_CERTS_DIR, resolveConfig } from '../config.ts';
import { certificateFromPem, loadSigningCredentials, type Certificate } from '../saml/keys.ts';
import { decodeInput, UnusableInputError, type DecodedInput } from './input.ts';
import { EXPECTATIONS, type Expectation } from './intent.ts';
import { formatBatchEnd, formatBatchEntry, formatReport, type BatchEntry, type Format } from './report.ts';
import { validate, type FailOn, type ValidateOptions } from './validate.ts';

const UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function readSource(file: string, what: string): string {
  try {
    return file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  } catch (err) {
    throw new UnusableInputError(`cannot read ${what} ${file === '-' ? 'from stdin' : file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

async function readMetadata(source: string): Promise<string> {
  if (/^https?:\/\//i.test(source)) {
    let res: Response;
    try {
      res = await fetch(source, { signal: AbortSignal.timeout(15_000), headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml' } });
    } catch (err) {
      throw new UnusableInputError(`cannot fetch the IdP metadata from ${source}: ${(err as Error).message}`);
    }
    if (!res.ok) throw new UnusableInputError(`fetching the IdP metadata from ${source} answered HTTP ${res.status}`);
    return await res.text();
  }
  const decoded = decodeInput(readSource(source, 'IdP metadata'));
  if (decoded.kind !== 'metadata') throw new UnusableInputError(`--idp-metadata ${source} is not a metadata document (its root is not md:EntityDescriptor)`);
  return decoded.xml;
}

function readCertificates(file: string): Certificate[] {
  const text = readSource(file, 'IdP certificate');
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  try {
    if (blocks) return blocks.map((b) => certificateFromPem(b));
    return [certificateFromPem(`-----BEGIN CERTIFICATE-----\n${text.trim()}\n-----END CERTIFICATE-----`)];
  } catch (err) {
    throw new UnusableInputError(`--idp-cert ${file} is not a PEM (or base64 DER) X.509 certificate: ${(err as Error).message}`);
  }
}

export interface ValidateCliOptions {
  idpMetadata?: string;
  idpCert?: string;
  spEntityId?: string;
  acsUrl?: string;
  at?: string;
  format: Format;
  expect?: Expectation;
  failOn?: FailOn;
  relaxNameFormat?: boolean;
}

export interface ValidateIo {
  colour: boolean;
  now: number;
  /** false skips the XSD check and the second opinions (tests of the input handling only). */
  checks?: boolean;
  /** false skips only the second opinions (samlify, xmlsec1); default: as `checks`. */
  secondOpinions?: boolean;
  /** Another XSD check (the benchmark's one-run-per-document baseline). */
  xsd?: ValidateOptions['xsd'];
  /** Called after each file of a batch (the CLI draws its progress line from it). */
  progress?: (done: number, total: number) => void;
  /** Streams the output as each report is ready; the returned strings are then empty. */
  write?: (stdout: string, stderr: string) => void;
}

export interface ValidateResult {
  code: 0 | 1 | 2;
  stdout: string;
  stderr: string;
}

/**
 * How many files are judged at once. Their XSD checks go to xmllint in one run (xsd.ts batches
 * the requests of one turn of the event loop), which is what makes a folder fast; the window
 * bounds the documents held in memory.
 */
const WINDOW = 32;

const worst = (a: 0 | 1 | 2, b: 0 | 1 | 2): 0 | 1 | 2 => (a > b ? a : b);

function readInput(file: string): DecodedInput {
  const input = decodeInput(readSource(file, 'input'));
  if (input.kind === 'other') {
    const root = /<\s*([\w.:-]+)/.exec(input.xml)?.[1] ?? '?';
    throw new UnusableInputError(`the input (${input.encoding}) is XML with root element ${root}; expected a samlp:Response or an md:EntityDescriptor`);
  }
  return input;
}

/** What every file of the run is judged with: read once (the metadata may be a URL). */
async function sharedOptions(opts: ValidateCliOptions, io: ValidateIo): Promise<ValidateOptions> {
  // Defaults are the gateway's own (its SP entity ID, ACS URL, timeouts and dev SP key).
  const config = resolveConfig({}, { logLevel: 'silent' });
  const sp = { entityId: opts.spEntityId ?? config.gateway.entityId, acsUrl: opts.acsUrl ?? config.gateway.acsUrl };
  let decryptionKeys: import('node:crypto').KeyObject[] = [];
  try {
    decryptionKeys = [loadSigningCredentials(path.join(DEV_CERTS_DIR, 'sp-signing.key'), path.join(DEV_CERTS_DIR, 'sp-signing.crt')).privateKey];
  } catch {
    decryptionKeys = [];
  }
  return {
    idpMetadata: opts.idpMetadata ? await readMetadata(opts.idpMetadata) : undefined,
    idpCertificates: opts.idpCert ? readCertificates(opts.idpCert) : [],
    sp,
    at: opts.at ? Date.parse(opts.at) : io.now,
    atGiven: opts.at !== undefined,
    skewMs: config.gateway.clockSkew,
    sessionTimeoutMs: Math.min(config.gateway.idleTimeout, config.gateway.sessionExpiration),
    apiTokenTimeoutMs: config.gateway.apiTokenTimeout,
    decryptionKeys,
    secondOpinions: io.secondOpinions ?? io.checks ?? true,
    schema: io.checks ?? true,
    ...(opts.expect ? { expect: opts.expect } : {}),
    ...(opts.failOn ? { failOn: opts.failOn } : {}),
    ...(opts.relaxNameFormat ? { relaxNameFormat: true } : {}),
    ...(io.xsd ? { xsd: io.xsd } : {}),
  };
}

function checkOptions(files: readonly string[], opts: ValidateCliOptions): void {
  if (files.length === 0) throw new UnusableInputError('no input: give one or more files, or - for stdin');
  if (files.filter((f) => f === '-').length > 1) throw new UnusableInputError('- (stdin) can be given only once');
  if (opts.at !== undefined && (!UTC.test(opts.at) || Number.isNaN(Date.parse(opts.at)))) throw new UnusableInputError(`--at ${JSON.stringify(opts.at)} is not an ISO-8601 date and time such as 2026-03-02T10:00:00Z`);
  if (opts.expect !== undefined && !EXPECTATIONS.includes(opts.expect)) throw new UnusableInputError(`--expect ${JSON.stringify(opts.expect)}: choose service-account or user`);
  if (opts.failOn !== undefined && opts.failOn !== 'error' && opts.failOn !== 'warning') throw new UnusableInputError(`--fail-on ${JSON.stringify(opts.failOn)}: choose error or warning`);
}

/** Runs the command for one file and returns the exit code and output (testable without a process). */
export async function runValidate(file: string, opts: ValidateCliOptions, io: ValidateIo): Promise<ValidateResult> {
  return runValidateFiles([file], opts, io);
}

/**
 * Several files: one report each, in the order given, exit status the worst (2 > 1 > 0). A file
 * that cannot be read or decoded is reported as such and the others are still checked; a bad
 * option (--at, --idp-metadata, --idp-cert) stops the run before any report. One file gives
 * exactly the single-file output.
 */
export async function runValidateFiles(files: readonly string[], opts: ValidateCliOptions, io: ValidateIo): Promise<ValidateResult> {
  let stdout = '';
  let stderr = '';
  const emit = (out: string, err: string) => {
    if (io.write) io.write(out, err);
    else {
      stdout += out;
      stderr += err;
    }
  };
  const batch = files.length > 1;
  let shared: Promise<ValidateOptions> | null = null;
  let code: 0 | 1 | 2 = 0;
  const counts = { passed: 0, failed: 0, unusable: 0 };
  try {
    checkOptions(files, opts);
    // A batch reads its trust material first, so that a bad option stops it before any report;
    // one file keeps the order of the single-file command (its own input errors come first).
    if (batch) shared = sharedOptions(opts, io);
    await shared;
    for (let from = 0; from < files.length; from += WINDOW) {
      const window = files.slice(from, from + WINDOW).map((file) => {
        try {
          return { file, input: readInput(file) };
        } catch (err) {
          if (err instanceof UnusableInputError) return { file, error: err.message };
          throw err;
        }
      });
      let reports: Awaited<ReturnType<typeof validate>>[] = [];
      const inputs = window.flatMap((w) => (w.input ? [w.input] : []));
      if (inputs.length) {
        shared ??= sharedOptions(opts, io);
        const o = await shared;
        // Started together so that their XSD checks share one xmllint run (xsd.ts).
        reports = await Promise.all(inputs.map((input) => validate(input, o)));
      }
      let next = 0;
      for (const [k, w] of window.entries()) {
        const entry: BatchEntry = w.input ? { file: w.file, report: reports[next++]! } : { file: w.file, error: w.error! };
        const fileCode: 0 | 1 | 2 = 'error' in entry ? 2 : entry.report.ok ? 0 : 1;
        code = worst(code, fileCode);
        counts[fileCode === 2 ? 'unusable' : fileCode === 1 ? 'failed' : 'passed']++;
        if (!batch) {
          if ('error' in entry) emit('', `samlgate validate: ${entry.error}\n`);
          else emit(formatReport(entry.report, opts.format, io.colour), '');
        } else {
          emit(formatBatchEntry(entry, opts.format, io.colour, { first: from + k === 0, exitCode: fileCode }), 'error' in entry ? `samlgate validate: ${w.file}: ${entry.error}\n` : '');
        }
        io.progress?.(from + k + 1, files.length);
      }
    }
    if (batch) emit(formatBatchEnd(opts.format, files.length, counts), '');
    return { code, stdout, stderr };
  } catch (err) {
    if (err instanceof UnusableInputError) {
      // A bad option or unreadable trust material: nothing was judged.
      emit('', `samlgate validate: ${err.message}\n`);
      return { code: 2, stdout, stderr };
    }
    throw err;
  }
}
