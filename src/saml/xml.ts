/**
 * Parsing untrusted XML. xmldom never fetches external entities, but it happily builds a DOM
 * for a DOCTYPE, processing instructions, absurd nesting or megabytes of input; samlify does not
 * refuse them either (SP-SECURITY 10.2 step 2). We refuse them before the parser runs, then
 * parse with an error handler that turns every xmldom complaint into a rejection.
 */
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { reject } from './rejection.ts';
import { codePoint, findNonXmlChar, isXmlCharCode } from './xml-chars.ts';

const CHAR_REF = /&#(x[0-9A-Fa-f]+|[0-9]+);/g;

export interface XmlLimits {
  maxBytes: number;
  maxDepth: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = { maxBytes: 256 * 1024, maxDepth: 32 };

/** Cheap textual checks on the raw document (DTD1-3, PI1, DEPTH1, SIZE1, and XML 1.0's Char). */
export function preParseChecks(xml: string, limits: XmlLimits = DEFAULT_XML_LIMITS): void {
  if (Buffer.byteLength(xml, 'utf8') > limits.maxBytes) reject('E_XML', `document is larger than ${limits.maxBytes} bytes`);
  const bad = findNonXmlChar(xml);
  if (bad) reject('E_XML', `document contains ${bad}, a character XML 1.0 does not allow`);
  if (xml.includes('&#')) {
    for (const m of xml.matchAll(CHAR_REF)) {
      const ref = m[1]!;
      const cp = ref[0] === 'x' ? Number.parseInt(ref.slice(1), 16) : Number.parseInt(ref, 10);
      if (!isXmlCharCode(cp)) reject('E_XML', `document contains the character reference ${m[0]} (${Number.isSafeInteger(cp) && cp <= 0x10ffff ? codePoint(cp) : 'out of range'}), which XML 1.0 does not allow`);
    }
  }
  if (/<!DOCTYPE/i.test(xml)) reject('E_XML', 'document contains a DOCTYPE declaration (DTDs and entities are refused)');
  if (/<!ENTITY/i.test(xml)) reject('E_XML', 'document declares an entity');
  // The XML declaration `<?xml ...?>` at the very start is allowed; any other PI is not.
  const withoutDecl = xml.replace(/^\uFEFF?<\?xml\s[^?]*\?>/, '');
  if (withoutDecl.includes('<?')) reject('E_XML', 'document contains a processing instruction');
  let depth = 0;
  let max = 0;
  // Counting tags lexically is enough for a ceiling: comments and CDATA could only inflate it.
  // Any name start character counts, not only ASCII letters: 20,000 nested `<é>` elements once
  // slipped past this limit and overflowed the stack in the parser and canonicaliser.
  const tag = /<(\/?)([^\s/>!?<][^\s/>]*)[^>]*?(\/?)>/g;
  for (let m = tag.exec(withoutDecl); m; m = tag.exec(withoutDecl)) {
    if (m[1]) depth--;
    else if (!m[3]) {
      depth++;
      if (depth > max) max = depth;
    }
    if (max > limits.maxDepth) reject('E_XML', `elements are nested deeper than ${limits.maxDepth} levels`);
  }
}

/** Parses after preParseChecks; any parser warning or error is a rejection (multiple roots, bad entities...). */
export function parseXml(xml: string, limits: XmlLimits = DEFAULT_XML_LIMITS): Document {
  preParseChecks(xml, limits);
  const fail = (msg: unknown) => reject('E_XML', `XML parser: ${String(msg).split('\n')[0]}`);
  const doc = new DOMParser({ errorHandler: { warning: fail, error: fail, fatalError: fail } }).parseFromString(xml, 'text/xml');
  if (!doc || !doc.documentElement) reject('E_XML', 'document has no root element');
  // xmldom keeps text after the root element without complaint (ROOT2); XML 1.0 allows only
  // whitespace, comments and PIs there, and we already refuse PIs.
  for (let n = doc.documentElement.nextSibling; n; n = n.nextSibling) {
    if (n.nodeType === 1 || (n.nodeType === 3 && /[^\x20\x09\x0d\x0a]/.test(n.nodeValue ?? ''))) reject('E_XML', 'document has content after the root element');
  }
  return doc as unknown as Document;
}

export function serializeXml(node: Node): string {
  return new XMLSerializer().serializeToString(node as never);
}

/** Escapes text for element content and attribute values. */
export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}
