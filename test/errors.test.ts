/**
 * The one error base (src/errors.ts): every error class src exports is a SamlgateError with a
 * stable code and a kind, the CLI's exit code is the kind, and the HTTP status is one table on
 * the code. The classes are found by reading src, not listed by hand, so a new error class that
 * skips the base (or has no sample here, with its kind) fails this file.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { HTTP_ERROR_STATUS, httpErrorOf, isHttpMappedError } from '../src/api/tfe-errors.ts';
import { ApiInputError } from '../src/api/jsonapi.ts';
import { CertificateGenerationError } from '../src/certs.ts';
import { BrowserError } from '../src/client/saml-browser.ts';
import { ClockBackwardsError } from '../src/clock.ts';
import { ConfigError } from '../src/config.ts';
import { DurationError } from '../src/duration.ts';
import { exitCodeOf, SamlgateError, type ErrorKind } from '../src/errors.ts';
import { IssuanceError } from '../src/idp/issue.ts';
import { KeyError } from '../src/saml/keys.ts';
import { MetadataError } from '../src/saml/metadata.ts';
import { SamlError, SamlRejection } from '../src/saml/rejection.ts';
import { StartupError } from '../src/server.ts';
import { DataDirError, DataLockedError } from '../src/store/data-dir.ts';
import { StoreOpenError } from '../src/store/open.ts';
import { DatabaseOpenError } from '../src/store/sqlite/database.ts';
import { StoreConflictError, StoreUnavailableError } from '../src/store/types.ts';
import { TFE_ERROR_CODES, TfeError } from '../src/tfe/errors.ts';
import { SlugError } from '../src/tfe/slug.ts';
import { LoginRefused } from '../src/tfe/users.ts';
import { TlsSetupError } from '../src/tls.ts';
import { UnusableInputError } from '../src/validate/input.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SRC = path.join(ROOT, 'src');

/** One sample of each error class, with the code and kind it must carry (docs/architecture.md, "Errors"). */
const SAMPLES: Array<{ error: SamlgateError; code: string; kind: ErrorKind }> = [
  { error: new ConfigError('config: gateway.port must be a number'), code: 'ERR_CONFIG', kind: 'usage' },
  { error: new DataDirError('--data x: not a directory'), code: 'ERR_DATA_DIR', kind: 'usage' },
  { error: new DurationError('"soon" is not a duration'), code: 'ERR_DURATION', kind: 'usage' },
  { error: new ClockBackwardsError(2_000, 1_000), code: 'ERR_CLOCK_BACKWARDS', kind: 'usage' },
  { error: new ApiInputError([{ status: '422', title: 'invalid attribute', detail: 'name: required' }]), code: 'ERR_API_INPUT', kind: 'usage' },
  { error: new TfeError('taken', 'name has already been taken', 'name'), code: 'taken', kind: 'usage' },
  { error: new SlugError('the upload is not a tar.gz'), code: 'ERR_SLUG', kind: 'usage' },
  { error: new StoreConflictError('team developers already exists'), code: 'ERR_STORE_CONFLICT', kind: 'usage' },
  { error: new IssuanceError('the SP has no encryption certificate'), code: 'ERR_ISSUANCE', kind: 'usage' },
  { error: new UnusableInputError('expected a SAML Response'), code: 'ERR_UNUSABLE_INPUT', kind: 'usage' },
  { error: new SamlError('ERR_UNUSABLE_INPUT', 'no input'), code: 'ERR_UNUSABLE_INPUT', kind: 'usage' },
  { error: new SamlError('ERR_METADATA', 'no IDPSSODescriptor'), code: 'ERR_METADATA', kind: 'runtime' },
  { error: new SamlRejection('E_SIGNATURE', 'not signed by the trusted key'), code: 'E_SIGNATURE', kind: 'runtime' },
  { error: new MetadataError('no IDPSSODescriptor'), code: 'ERR_METADATA', kind: 'runtime' },
  { error: new KeyError('not a PEM private key'), code: 'ERR_KEY', kind: 'runtime' },
  { error: new StartupError('gateway cannot listen on 127.0.0.1:8080: the port is in use'), code: 'ERR_STARTUP', kind: 'runtime' },
  { error: new TlsSetupError('cannot read the TLS key'), code: 'ERR_TLS', kind: 'runtime' },
  { error: new CertificateGenerationError('cannot write the dev TLS certificates'), code: 'ERR_CERTS', kind: 'runtime' },
  { error: new StoreOpenError('gateway.db has a newer schema'), code: 'ERR_STORE_OPEN', kind: 'runtime' },
  { error: new DatabaseOpenError('not a samlgate database'), code: 'ERR_DATABASE_OPEN', kind: 'runtime' },
  { error: new DataLockedError('the database is in use by samlgate (pid 42)', 42, '/tmp/x/gateway.lock.db'), code: 'ERR_DATA_LOCKED', kind: 'runtime' },
  { error: new StoreUnavailableError('the disk is full', 'SQLITE_FULL'), code: 'ERR_STORE_UNAVAILABLE', kind: 'runtime' },
  { error: new BrowserError('too many redirects'), code: 'ERR_BROWSER', kind: 'runtime' },
  { error: new LoginRefused('user-suspended', 'user alice is suspended'), code: 'ERR_LOGIN_REFUSED', kind: 'runtime' },
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every error class src exports: read from the modules that declare an exported subclass. */
async function exportedErrorClasses(): Promise<Map<string, Function>> {
  const found = new Map<string, Function>();
  for (const file of sourceFiles(SRC)) {
    if (!/^export (abstract )?class \w+ extends /m.test(readFileSync(file, 'utf8'))) continue;
    const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(module)) {
      if (typeof value === 'function' && value.prototype instanceof Error && value !== SamlgateError) found.set(`${path.relative(ROOT, file)}:${name}`, value);
    }
  }
  return found;
}

describe('one error base (src/errors.ts)', () => {
  it('every error class exported by src extends SamlgateError, and each has a sample here with its code and kind', async () => {
    const classes = await exportedErrorClasses();
    assert.ok(classes.size >= 20, `found only ${classes.size} error classes: is the scan of src broken?`);
    const notBased = [...classes].filter(([, c]) => !(c.prototype instanceof SamlgateError)).map(([where]) => where);
    assert.deepEqual(notBased, [], 'these error classes do not extend SamlgateError');
    const sampled = new Set(SAMPLES.map((s) => s.error.constructor));
    const unsampled = [...classes].filter(([, c]) => !sampled.has(c)).map(([where]) => where);
    assert.deepEqual(unsampled, [], 'add a sample (code and kind) to SAMPLES for each of these');
  });

  it('every error carries its stable code, a kind, and its class name as name', () => {
    for (const { error, code, kind } of SAMPLES) {
      assert.ok(error instanceof SamlgateError && error instanceof Error, error.constructor.name);
      assert.equal(typeof error.code, 'string');
      assert.notEqual(error.code, '', `${error.constructor.name} has an empty code`);
      assert.equal(error.code, code, `${error.constructor.name}: the code callers and tests switch on`);
      assert.equal(error.kind, kind, `${error.constructor.name}: kind`);
      assert.equal(error.name, error.constructor.name);
      assert.notEqual(error.message, '');
    }
  });

  it('every TFE code is a usage error', () => {
    for (const code of TFE_ERROR_CODES) assert.equal(new TfeError(code, 'x').kind, 'usage', code);
  });

  it('exitCodeOf: usage errors exit 2, runtime errors 1', () => {
    for (const { error, kind } of SAMPLES) assert.equal(exitCodeOf(error), kind === 'usage' ? 2 : 1, error.constructor.name);
  });

  it('exitCodeOf: anything that is not a SamlgateError exits 1 (the unexpected-failure path), even one that looks like a usage error', () => {
    const lookalike = Object.assign(new Error('bad flag'), { code: 'ERR_CONFIG', kind: 'usage' });
    for (const value of [new Error('boom'), new TypeError('x is undefined'), new RangeError('out of range'), lookalike, { kind: 'usage' }, 'a string', undefined, null, 2]) {
      assert.equal(exitCodeOf(value), 1, String(value));
    }
  });

  it('every code and kind is documented in docs/architecture.md, "Errors"', () => {
    const doc = readFileSync(path.join(ROOT, 'docs/architecture.md'), 'utf8');
    const section = doc.slice(doc.indexOf('\n## Errors'));
    assert.ok(section.length > 20, 'docs/architecture.md has a "## Errors" section');
    for (const { error, kind } of SAMPLES) {
      if (error instanceof TfeError || error instanceof SamlRejection) continue; // families with their own code lists
      // A row of the "where each family's codes live" table: | `CODE` | kind | class | where |
      const row = section.split('\n').find((line) => line.startsWith(`| \`${error.code}\` | ${kind} |`));
      assert.ok(row, `${error.code} is in the Errors section's table of codes, as ${kind}`);
    }
  });
});

describe('error code -> HTTP status (src/api/tfe-errors.ts, the one table)', () => {
  const EXPECTED: Record<string, number> = {
    invalid: 422,
    taken: 422,
    'last-owner': 422,
    'not-found': 404,
    locked: 409,
    stale: 409,
    spent: 409,
    'transition-not-allowed': 409,
    ERR_API_INPUT: 422,
    ERR_STORE_CONFLICT: 409,
    ERR_STORE_UNAVAILABLE: 503,
  };

  it('maps each code to the status TFE answers', () => {
    assert.deepEqual(Object.fromEntries(Object.entries(HTTP_ERROR_STATUS).map(([code, { status }]) => [code, status])), EXPECTED);
  });

  it('every error with a status goes through httpErrorOf; the others have none', () => {
    for (const { error } of SAMPLES) {
      const mapped = isHttpMappedError(error);
      assert.equal(mapped, error.code in EXPECTED, `${error.constructor.name} ${mapped ? 'has' : 'has no'} HTTP status of its own`);
      if (mapped) assert.equal(httpErrorOf(error).status, EXPECTED[error.code], error.constructor.name);
    }
  });
});
