/**
 * Differential test (STYLE: "xml-crypto itself as a differential oracle"): on a bounded,
 * seeded corpus of valid signed responses and single-character mutations of them, the shared
 * verifier (src/saml/verify/xmldsig.ts) and xml-crypto's own SignedXml.checkSignature agree on
 * every signature verdict, and the ACS never answers 5xx to any of them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DOMParser } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { ALGORITHMS, NS } from '../../src/saml/constants.ts';
import { certificateFromPem } from '../../src/saml/keys.ts';
import { SamlRejection } from '../../src/saml/rejection.ts';
import { verifyEnvelopedSignature } from '../../src/saml/verify/xmldsig.ts';
import { parseXml } from '../../src/saml/xml.ts';
import { createHarness } from '../support/harness.ts';
import { craftResponse, encode, IDP_KEY } from '../support/craft-response.ts';

const CERT = certificateFromPem(IDP_KEY.certPem);
const MUTATIONS_PER_DOCUMENT = 45;
const ALPHABET = 'aZ09+/=<>" :x_-';

/** mulberry32: a tiny seeded PRNG, so the corpus is the same on every run. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function strictXmldom(xml: string): Document | null {
  let failed = false;
  const fail = () => {
    failed = true;
  };
  const doc = new DOMParser({ errorHandler: { warning: fail, error: fail, fatalError: fail } }).parseFromString(xml, 'text/xml') as unknown as Document;
  return failed || !doc?.documentElement ? null : doc;
}

/** xml-crypto's verdict for each ds:Signature in document order. */
function xmlCryptoVerdicts(xml: string, doc: Document): boolean[] {
  return Array.from(doc.getElementsByTagNameNS(NS.dsig, 'Signature') as unknown as ArrayLike<Element>).map((sig) => {
    const check = new SignedXml({ publicCert: IDP_KEY.certPem, getCertFromKeyInfo: () => null });
    try {
      check.loadSignature(sig as never);
      return check.checkSignature(xml);
    } catch {
      return false;
    }
  });
}

/**
 * Ours, for each ds:Signature in document order (null: we refused to parse the document).
 * 'pinning' marks the one deliberate policy difference: a KeyInfo certificate that is not the
 * trusted one is refused before any crypto (xml-crypto ignores KeyInfo when told to).
 */
function ourVerdicts(xml: string): (boolean | 'pinning')[] | null {
  let doc: Document;
  try {
    doc = parseXml(xml, { maxBytes: 1024 * 1024, maxDepth: 64 });
  } catch (err) {
    if (err instanceof SamlRejection && err.code === 'E_XML') return null;
    throw err;
  }
  return Array.from(doc.getElementsByTagNameNS(NS.dsig, 'Signature') as unknown as ArrayLike<Element>).map((sig) => {
    try {
      verifyEnvelopedSignature(sig, [CERT]);
      return true;
    } catch (err) {
      if (err instanceof SamlRejection) return err.claim === 'KeyInfo' ? 'pinning' : false;
      throw err;
    }
  });
}

function baseDocuments(now: number): string[] {
  const sha512 = { signatureAlgorithm: ALGORITHMS.rsaSha512, digestAlgorithm: ALGORITHMS.sha512 };
  return [
    craftResponse({ now, inResponseTo: '_r1' }),
    craftResponse({ now, inResponseTo: '_r1', signAssertion: false, signResponse: {} }),
    craftResponse({ now, inResponseTo: '_r1', signResponse: {} }),
    craftResponse({ now, inResponseTo: '_r1', signAssertion: sha512 }),
    craftResponse({ now, inResponseTo: '_r1', attributes: [{ name: 'IsServiceAccount', values: ['true'] }], nameId: 'bob@example.com', signResponse: sha512 }),
    craftResponse({ now, inResponseTo: '_r1', signAssertion: { keyInfoCertPem: IDP_KEY.certPem } }),
  ];
}

describe('differential: the shared verifier vs xml-crypto checkSignature', () => {
  it('agree on every verdict over a seeded corpus of valid and mutated responses, and the ACS never answers 5xx', async () => {
    const h = await createHarness();
    const now = h.clock.now();
    const random = prng(20261201);
    const corpus: string[] = [];
    for (const base of baseDocuments(now)) {
      corpus.push(base);
      for (let i = 0; i < MUTATIONS_PER_DOCUMENT; i++) {
        const at = Math.floor(random() * base.length);
        const c = ALPHABET[Math.floor(random() * ALPHABET.length)]!;
        if (base[at] === c) continue;
        corpus.push(base.slice(0, at) + c + base.slice(at + 1));
      }
    }
    let compared = 0;
    let valid = 0;
    let invalid = 0;
    for (const xml of corpus) {
      const doc = strictXmldom(xml);
      const ours = ourVerdicts(xml);
      if (!doc) continue; // not well-formed for xmldom either: nothing to compare
      const theirs = xmlCryptoVerdicts(xml, doc);
      if (ours === null) {
        // We refuse some documents xmldom parses (XML 1.0 characters, DOCTYPE, PIs): only ever as E_XML.
        continue;
      }
      assert.equal(ours.length, theirs.length);
      ours.forEach((v, i) => {
        if (v === 'pinning') return;
        assert.equal(v, theirs[i], `verdicts differ on signature ${i} of:\n${xml}`);
        if (v) valid++;
        else invalid++;
      });
      compared++;
    }
    assert.ok(compared >= 150, `compared ${compared} documents`);
    assert.ok(valid >= 20 && invalid >= 20, `valid ${valid}, invalid ${invalid}: the corpus exercises both verdicts`);

    // The ACS: every document of the corpus is a clean refusal or a login, never a 5xx.
    for (const xml of corpus) {
      const res = await h.browser().gw.post('/users/saml/auth').type('form').send({ SAMLResponse: encode(xml), _samlgate_relay: '1' });
      assert.ok(res.status < 500, `ACS answered ${res.status} to:\n${xml}`);
    }
  });
});
