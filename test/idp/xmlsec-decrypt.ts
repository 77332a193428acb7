/**
 * xmlsec1 --decrypt on an IdP response: an XML Encryption implementation that shares no code with
 * ours (libxmlsec + OpenSSL) opens the EncryptedAssertion with the SP's private key.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { assertXmlsecInstalled, XMLSEC1 } from '../support/xmlsec.ts';

export function xmlsecDecrypt(xml: string, keyFile: string): { ok: boolean; xml: string; output: string } {
  assertXmlsecInstalled();
  const dir = mkdtempSync(path.join(tmpdir(), 'samlgate-xmlsec-dec-'));
  try {
    const file = path.join(dir, 'doc.xml');
    writeFileSync(file, xml);
    const r = spawnSync(XMLSEC1, ['--decrypt', '--privkey-pem', keyFile, file], { encoding: 'utf8' });
    return { ok: r.status === 0, xml: r.stdout, output: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
