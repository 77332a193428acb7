/**
 * `samlgate validate FILE|- [--idp-metadata FILE|URL] [--idp-cert FILE] [--sp-entity-id ID]
 * [--acs-url URL] [--at ISO-8601] [--format text|json|junit]` - the pinned command line
 * (scripts depend on it). Exit 0: no error finding; 1: errors; 2: unusable input or options.
 * Registered on the main program by registerValidateCommand(), so cli.ts needs one line.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { DEV_CERTS_DIR, resolveConfig } from '../config.ts';
import { certificateFromPem, loadSigningCredentials, type Certificate } from '../saml/keys.ts';
import { decodeInput, UnusableInputError } from './input.ts';
import { formatReport, type Format } from './report.ts';
import { validate } from './validate.ts';

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
}

/** Runs the command and returns the exit code and output (testable without a process). */
/** `io.checks: false` skips the XSD check and the second opinions (tests of the input handling only). */
export async function runValidate(file: string, opts: ValidateCliOptions, io: { colour: boolean; now: number; checks?: boolean }): Promise<{ code: 0 | 1 | 2; stdout: string; stderr: string }> {
  try {
    if (opts.at !== undefined && (!UTC.test(opts.at) || Number.isNaN(Date.parse(opts.at)))) throw new UnusableInputError(`--at ${JSON.stringify(opts.at)} is not an ISO-8601 date and time such as 2026-03-02T10:00:00Z`);
    const input = decodeInput(readSource(file, 'input'));
    if (input.kind === 'other') {
      const root = /<\s*([\w.:-]+)/.exec(input.xml)?.[1] ?? '?';
      throw new UnusableInputError(`the input (${input.encoding}) is XML with root element ${root}; expected a samlp:Response or an md:EntityDescriptor`);
    }
    // Defaults are the gateway's own (its SP entity ID, ACS URL, timeouts and dev SP key).
    const config = resolveConfig({}, { logLevel: 'silent' });
    const sp = { entityId: opts.spEntityId ?? config.gateway.entityId, acsUrl: opts.acsUrl ?? config.gateway.acsUrl };
    let decryptionKeys: import('node:crypto').KeyObject[] = [];
    try {
      decryptionKeys = [loadSigningCredentials(path.join(DEV_CERTS_DIR, 'sp-signing.key'), path.join(DEV_CERTS_DIR, 'sp-signing.crt')).privateKey];
    } catch {
      decryptionKeys = [];
    }
    const report = await validate(input, {
      idpMetadata: opts.idpMetadata ? await readMetadata(opts.idpMetadata) : undefined,
      idpCertificates: opts.idpCert ? readCertificates(opts.idpCert) : [],
      sp,
      at: opts.at ? Date.parse(opts.at) : io.now,
      atGiven: opts.at !== undefined,
      skewMs: config.gateway.clockSkew,
      sessionTimeoutMs: Math.min(config.gateway.idleTimeout, config.gateway.sessionExpiration),
      apiTokenTimeoutMs: config.gateway.apiTokenTimeout,
      decryptionKeys,
      secondOpinions: io.checks ?? true,
      schema: io.checks ?? true,
    });
    return { code: report.ok ? 0 : 1, stdout: formatReport(report, opts.format, io.colour), stderr: '' };
  } catch (err) {
    if (err instanceof UnusableInputError) return { code: 2, stdout: '', stderr: `samlgate validate: ${err.message}\n` };
    throw err;
  }
}

export function registerValidateCommand(program: Command): Command {
  return program
    .command('validate')
    .description('check a captured SAML response or an IdP metadata document against what TFE (and the gateway) require; exit 0 clean, 1 errors, 2 unusable input')
    .argument('<file>', 'the response or metadata: XML, base64, URL-encoded POST body, SAML-tracer JSON export or HAR file; - for stdin')
    .option('--idp-metadata <file|url>', 'IdP metadata, to verify signatures and the issuer')
    .option('--idp-cert <file>', 'IdP signing certificate (PEM), to verify signatures')
    .option('--sp-entity-id <id>', 'expected audience (default: the gateway entity ID, http://localhost:8080/users/saml/metadata)')
    .option('--acs-url <url>', 'expected Destination/Recipient (default: the gateway ACS, http://localhost:8080/users/saml/auth)')
    .option('--at <iso-8601>', 'judge the response as of this time (e.g. its IssueInstant, for a capture made earlier)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'junit']).default('text'))
    .action(async (file: string, opts: ValidateCliOptions) => {
      const colour = opts.format === 'text' && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
      const result = await runValidate(file, opts, { colour, now: Date.now() });
      process.stdout.write(result.stdout);
      process.stderr.write(result.stderr);
      process.exitCode = result.code;
    });
}
