#!/usr/bin/env node
/**
 * Prints every test/**\/*.test.ts for `npm test`, the slowest first. With --test-concurrency=2
 * the run ends when its last file does: a long file started last runs alone on one core at the
 * end, so the long files start first and the many short ones fill the other slot around them
 * (longest-processing-time-first scheduling). SLOWEST only orders: every file the walk finds is
 * printed exactly once, so a file missing from it (or a name in it that no longer exists) never
 * drops a test. docs/testing.md has the measurements behind the order; re-measure with
 * scripts/file-durations-reporter.mjs.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Slowest first, as measured (docs/testing.md, "Where the time goes"). */
export const SLOWEST = [
  'test/interop/go-tfe.test.ts',
  'test/cli/cli.test.ts',
  'test/cli/login.test.ts',
  'test/idp/interop-ruby-saml.test.ts',
  'test/security/ruby-saml-fidelity.test.ts',
  'test/idp/fault-matrix.test.ts',
  'test/demo.test.ts',
  'test/cli/restart.test.ts',
  'test/security/differential-xml-crypto.test.ts',
  'test/cli/tls.test.ts',
  'test/cli/data-lock.test.ts',
  'test/browser/pages.test.ts',
  'test/validate/other-implementations.test.ts',
  'test/gateway/terraform-login-go.test.ts',
  'test/store/concurrency.test.ts',
  'test/browser/saml-debug.test.ts',
  'test/cli/shutdown.test.ts',
  'test/browser/idp-directory.test.ts',
  'test/interop/terraform-cloud-client.test.ts',
  'test/browser/org-tokens.test.ts',
  'test/browser/idp-login.test.ts',
  'test/browser/idp-csrf.test.ts',
  'test/cli/stale-dist.test.ts',
  'test/browser/sso.test.ts',
];

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

export function testFiles(dir = path.join(root, 'test')) {
  const found = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => path.posix.join('test', f.split(path.sep).join('/')))
    .sort();
  const rank = (f) => (SLOWEST.includes(f) ? SLOWEST.indexOf(f) : SLOWEST.length);
  return found.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${testFiles().join('\n')}\n`);
}
