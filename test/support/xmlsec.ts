/**
 * Independent signature verification with xmlsec1 (libxmlsec), so our signatures are checked by
 * an implementation that shares no code with xml-crypto. A missing xmlsec1 is a test failure,
 * not a skip: the signature tests would otherwise pass vacuously.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const XMLSEC1 = process.env.XMLSEC1 ?? 'xmlsec1';

export type SignedElement = 'Response' | 'Assertion' | 'LogoutRequest' | 'LogoutResponse' | 'AuthnRequest';

const ELEMENT_NS: Record<SignedElement, string> = {
  Response: 'urn:oasis:names:tc:SAML:2.0:protocol',
  Assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
  LogoutRequest: 'urn:oasis:names:tc:SAML:2.0:protocol',
  LogoutResponse: 'urn:oasis:names:tc:SAML:2.0:protocol',
  AuthnRequest: 'urn:oasis:names:tc:SAML:2.0:protocol',
};

export interface XmlsecResult {
  ok: boolean;
  output: string;
}

export function assertXmlsecInstalled(): void {
  const probe = spawnSync(XMLSEC1, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(`xmlsec1 is required for the signature tests but could not be run (${probe.error?.message ?? `exit ${probe.status}`}): install it (Debian/Ubuntu: apt-get install xmlsec1; macOS: brew install libxmlsec1) or set XMLSEC1=/path/to/xmlsec1`);
  }
}

/** Runs xmlsec1 with `args` on `xml` written to a temporary file (its path goes last). */
function runXmlsec(xml: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  assertXmlsecInstalled();
  const dir = mkdtempSync(path.join(tmpdir(), 'samlgate-xmlsec-'));
  try {
    const file = path.join(dir, 'doc.xml');
    writeFileSync(file, xml);
    return spawnSync(XMLSEC1, [...args, file], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const signatureUnder = (elementXpath: string) => `${elementXpath}/*[local-name()='Signature' and namespace-uri()='http://www.w3.org/2000/09/xmldsig#']`;

/**
 * Verifies the ds:Signature that is a direct child of the first `element` in the document, with
 * the public key of `certFile` only (`--enabled-key-data rsa`: ignore the certificate in
 * KeyInfo, as an SP pinned to metadata does).
 */
export function xmlsecVerify(xml: string, o: { certFile: string; element: SignedElement }): XmlsecResult {
  const ns = ELEMENT_NS[o.element];
  const result = runXmlsec(xml, [
    '--verify',
    '--enabled-key-data', 'rsa',
    '--pubkey-cert-pem', o.certFile,
    '--id-attr:ID', `${ns}:${o.element}`,
    '--node-xpath', signatureUnder(`(//*[local-name()='${o.element}' and namespace-uri()='${ns}'])[1]`),
  ]);
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

/**
 * Signs with xmlsec1: `xml` must already hold a ds:Signature template (empty DigestValue and
 * SignatureValue) as a direct child of the `element` with `ID=id`. Gives the tests signatures
 * from an implementation other than the xml-crypto our verifier borrows its canonicaliser from.
 */
export function xmlsecSign(xml: string, o: { keyFile: string; element: SignedElement; id: string }): string {
  const ns = ELEMENT_NS[o.element];
  const result = runXmlsec(xml, [
    '--sign',
    '--privkey-pem', o.keyFile,
    '--id-attr:ID', `${ns}:${o.element}`,
    '--node-xpath', signatureUnder(`//*[local-name()='${o.element}' and namespace-uri()='${ns}' and @ID='${o.id}']`),
  ]);
  if (result.status !== 0) throw new Error(`xmlsec1 --sign failed: ${result.stdout}${result.stderr}`);
  return result.stdout;
}
