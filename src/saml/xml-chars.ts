/**
 * Which characters XML 1.0 allows (its Char production). Kept free of imports so the config
 * schema can refuse text the IdP could not put into an assertion without loading the XML stack.
 */
// XML 1.0's Char production, as what it excludes: C0 controls but tab/LF/CR, surrogates that do
// not pair (with the u flag a valid pair is one code point and does not match), U+FFFE/U+FFFF.
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/u;

export function isXmlCharCode(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

export const codePoint = (cp: number) => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * The first character in `text` that XML 1.0 does not allow, described ("U+0001 at offset 3"),
 * or null. xmldom builds a DOM around such characters without complaint; a strict parser (and
 * xmlsec1) refuses the document, so samlgate neither accepts nor emits one.
 */
export function findNonXmlChar(text: string): string | null {
  const m = NOT_XML_CHAR.exec(text);
  return m ? `${codePoint(m[0].codePointAt(0)!)} at offset ${m.index}` : null;
}

