/**
 * XML Schema validation against the OASIS SAML 2.0 schemas (bundled in schemas/: protocol,
 * assertion, metadata, and the W3C xmldsig, xenc and xml schemas they import), with xmllint-wasm:
 * libxml2 compiled to WebAssembly, so no native xmllint is needed. This is the validator's XSD
 * check (SP-SECURITY 10.2 step 3) - the ACS's own schema-ish rules live in the verify core.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SCHEMA_DIR = fileURLToPath(new URL('../../schemas/', import.meta.url));
const FILES = ['saml-schema-protocol-2.0.xsd', 'saml-schema-assertion-2.0.xsd', 'saml-schema-metadata-2.0.xsd', 'xenc-schema.xsd', 'xmldsig-core-schema.xsd', 'xml.xsd'] as const;

let loaded: { fileName: string; contents: string }[] | null = null;
function schemas() {
  loaded ??= FILES.map((fileName) => ({ fileName, contents: readFileSync(SCHEMA_DIR + fileName, 'utf8') }));
  return loaded;
}

export interface SchemaResult {
  valid: boolean;
  errors: string[];
}

/** `which` picks the entry schema: a protocol message or a metadata document. */
export async function validateAgainstXsd(xml: string, which: 'protocol' | 'metadata'): Promise<SchemaResult> {
  const { validateXML } = await import('xmllint-wasm');
  const all = schemas();
  const entry = all.find((f) => f.fileName === (which === 'protocol' ? 'saml-schema-protocol-2.0.xsd' : 'saml-schema-metadata-2.0.xsd'))!;
  const result = await validateXML({ xml: [{ fileName: 'document.xml', contents: xml }], schema: [entry], preload: all.filter((f) => f !== entry) });
  return { valid: result.valid, errors: result.errors.map((e) => `${e.loc ? `line ${e.loc.lineNumber}: ` : ''}${e.message.replace(/^Schemas validity error : /, '')}`) };
}
