/**
 * The second opinions in the report: samlify zips attribute Names and values by position
 * (SP-SECURITY ATTR9), so a Name-less attribute shifts its map - the validator refuses the
 * document (E_SCHEMA) and reports what samlify would have read; xmlsec1 verifies each signature.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ATTRNAME_FORMAT } from '../../src/saml/constants.ts';
import { craftResponse } from '../support/craft-response.ts';
import { codes, FULL, validateText } from './support.ts';

const NOW = Date.parse('2026-12-01T10:00:00Z');

describe('validate: second opinions', () => {
  it('ATTR9: a Name-less attribute shifts samlify\'s map - IsServiceAccount=false reads as "true" there', async () => {
    const xml = craftResponse({
      now: NOW,
      inResponseTo: '_r',
      attributes: [
        { name: null, friendlyName: 'IsServiceAccount', values: ['true'] },
        { name: 'IsServiceAccount', nameFormat: ATTRNAME_FORMAT.basic, values: ['false'] },
      ],
    });
    const r = await validateText(xml, { at: NOW, ...FULL });
    assert.ok(codes(r, 'error').includes('E_SCHEMA'), codes(r).join());
    assert.equal(r.secondOpinions.samlify?.accepted, true, 'samlify accepts the document');
    const shifted = r.findings.find((f) => f.code === 'SAMLIFY_SHIFTED_ATTRIBUTES');
    assert.ok(shifted, codes(r).join());
    assert.match(shifted.message, /IsServiceAccount: the document says \["false"\], samlify reads "true"/);
  });

  it('xmlsec1 verifies the signature of a clean crafted response, and refuses a tampered one', async () => {
    const xml = craftResponse({ now: NOW, inResponseTo: '_r', signResponse: {} });
    const ok = await validateText(xml, { at: NOW, ...FULL });
    assert.deepEqual(ok.secondOpinions.xmlsec?.verdicts.map((v) => [v.element, v.ok]), [['Response', true], ['Assertion', true]]);
    const tampered = await validateText(xml.replace('alice@example.com', 'mallory@example.com'), { at: NOW, ...FULL });
    assert.deepEqual(tampered.secondOpinions.xmlsec?.verdicts.map((v) => [v.element, v.ok]), [['Response', false], ['Assertion', false]]);
    assert.ok(codes(tampered, 'warning').includes('XMLSEC_REFUSES'));
    assert.ok(codes(tampered, 'error').includes('E_SIGNATURE'));
  });
});
