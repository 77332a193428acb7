/** docs/validate.md lists every finding code the validator can emit (codes are a stable interface). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { REJECTION_CODES } from '../../src/saml/rejection.ts';
import { VALIDATOR_CODES } from '../../src/saml/verify/findings.ts';

test('docs/validate.md names every finding code', () => {
  const doc = readFileSync(new URL('../../docs/validate.md', import.meta.url), 'utf8');
  const attributeCodes = readFileSync(new URL('../../src/saml/attribute-policy.ts', import.meta.url), 'utf8').match(/\| '([A-Z_]+)'/g)!.map((m) => m.slice(3, -1));
  for (const code of [...Object.keys(REJECTION_CODES), ...Object.keys(VALIDATOR_CODES), ...attributeCodes]) {
    assert.ok(doc.includes(`\`${code}\``) || doc.includes(code), `${code} is not documented`);
  }
});
