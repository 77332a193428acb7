/**
 * Fidelity with ruby-saml, the library TFE reads SAML attributes with (Debian's ruby-saml as
 * the oracle, test/support/ruby-saml-attributes.rb). For every odd attribute shape: the gateway
 * reads the same name -> values map as ruby-saml, and where TFE would log the user in, the
 * gateway does too by default, deciding rule F1 on the same first value TFE sees; with
 * --strict-attributes it refuses. The security shapes are refused in every mode.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import { rubySamlValues } from '../../src/saml/attribute-policy.ts';
import { ATTRNAME_FORMAT } from '../../src/saml/constants.ts';
import { SamlRejection } from '../../src/saml/rejection.ts';
import type { CraftAttribute } from '../support/craft-response.ts';
import { craft, STRICT, verifyXml } from './harness.ts';

const ORACLE = fileURLToPath(new URL('../support/ruby-saml-attributes.rb', import.meta.url));

type Oracle = { all: Record<string, (string | null)[]>; single: Record<string, string | null> };

/** What ruby-saml reads from each response: one ruby process for the whole list. */
function rubySamlAll(xmls: string[]): Oracle[] {
  const r = spawnSync('ruby', [ORACLE], { input: JSON.stringify(xmls), encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`the ruby-saml oracle failed (is Debian's ruby-saml installed? apt-get install ruby-saml): ${r.error?.message ?? r.stderr}`);
  const out = JSON.parse(r.stdout) as Oracle[];
  assert.equal(out.length, xmls.length, 'one answer per response');
  return out;
}

const basic = ATTRNAME_FORMAT.basic;
const sa = (values: string[], extra: Partial<CraftAttribute> = {}): CraftAttribute => ({ name: 'IsServiceAccount', nameFormat: basic, values, ...extra });

/** Shapes TFE accepts (ruby-saml reads them without complaint). */
const LENIENT: Array<[string, CraftAttribute[], string | null]> = [
  ['empty value', [sa([''])], 'ATTR_EMPTY_VALUE'],
  ['two values, false first', [sa(['false', 'true'])], 'ATTR_MULTIPLE_VALUES'],
  ['two values, true first', [sa(['true', 'false'])], 'ATTR_MULTIPLE_VALUES'],
  ['the attribute twice', [sa(['false']), sa(['true'])], 'ATTR_DUPLICATE'],
  ['the attribute twice, true first', [sa(['TRUE']), sa(['false'])], 'ATTR_DUPLICATE'],
  ['xsi:nil value', [sa([''], { valueAttrs: 'xsi:nil="true"' })], 'ATTR_EMPTY_VALUE'],
  ['no AttributeValue', [sa([])], 'ATTR_EMPTY_VALUE'],
  ['element value', [sa(['<x xmlns="urn:x">true</x>'])], 'ATTR_ELEMENT_VALUE'],
  ['empty then true', [sa(['', 'true'])], 'ATTR_MULTIPLE_VALUES'],
  ['plain true', [sa(['true'])], null],
  ['MemberOf several values and Username twice', [{ name: 'MemberOf', values: ['developers', 'owners'] }, { name: 'Username', values: ['bob'] }, { name: 'Username', values: ['robert'] }, sa(['true'])], 'ATTR_DUPLICATE'],
];

function ourMap(attributes: Parameters<typeof rubySamlValues>[0]): Record<string, (string | null)[]> {
  const out: Record<string, (string | null)[]> = {};
  for (const a of attributes) {
    if (a.name === null || Object.hasOwn(out, a.name)) continue;
    out[a.name] = rubySamlValues(attributes, a.name).map(({ value }) => (value.kind === 'text' ? value.text : value.kind === 'empty' ? '' : null));
  }
  return out;
}

describe('ruby-saml fidelity (TFE reads attributes through ruby-saml)', () => {
  let crafted: { xml: string; oracle: Oracle }[] = [];
  before(() => {
    const xmls = LENIENT.map(([, attributes]) => craft({ attributes }));
    crafted = rubySamlAll(xmls).map((oracle, i) => ({ xml: xmls[i]!, oracle }));
  });
  for (const [i, [label, , noteCode]] of LENIENT.entries()) {
    it(`${label}: same map as ruby-saml, login accepted, F1 on ruby-saml's first value${noteCode ? `, reported as ${noteCode}` : ''}`, async () => {
      const { xml, oracle } = crafted[i]!;
      const login = await verifyXml(xml);
      assert.deepEqual(ourMap(login.attributes), oracle.all);
      const first = oracle.single.IsServiceAccount;
      assert.equal(login.serviceAccount.flagged, typeof first === 'string' && first.trim().toLowerCase() === 'true');
      if (noteCode) {
        assert.ok(login.attributeNotes.some((n) => n.code === noteCode), JSON.stringify(login.attributeNotes));
        await assert.rejects(verifyXml(xml, STRICT), (err: unknown) => err instanceof SamlRejection && err.code === 'E_ATTR');
      } else {
        assert.deepEqual(login.attributeNotes, []);
      }
      if (oracle.single.Username !== undefined) assert.equal(login.user.username, oracle.single.Username);
    });
  }

  it('security shapes are refused in every mode, whatever ruby-saml reads', async () => {
    const cases: Array<[string, string, string]> = [
      ['Name-less attribute before IsServiceAccount=false', craft({ attributes: [{ name: null, friendlyName: 'IsServiceAccount', values: ['true'] }, sa(['false'])] }), 'E_SCHEMA'],
      ['case-colliding duplicates', craft({ attributes: [sa(['false']), sa(['true'], { name: 'isserviceaccount' })] }), 'E_ATTR'],
      ['attribute outside the signed assertion', craft({ extensions: `<samlp:Extensions><saml:Attribute xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" Name="IsServiceAccount"><saml:AttributeValue>true</saml:AttributeValue></saml:Attribute></samlp:Extensions>` }), 'E_STRUCT'],
    ];
    for (const [label, xml, code] of cases) {
      for (const mode of [{}, STRICT]) {
        await assert.rejects(verifyXml(xml, mode), (err: unknown) => err instanceof SamlRejection && err.code === code, label);
      }
    }
  });
});
