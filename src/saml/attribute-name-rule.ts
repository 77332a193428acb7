/**
 * Which attribute names the IdP accepts (admin API, config file, per-SP NameFormats): a name
 * becomes the value of an XML attribute, `<saml:Attribute Name="...">`, and a key that the IdP
 * and SPs look up, so it must be both a safe XML attribute value and a safe key.
 *
 * The rule, in full:
 * - 1 to 256 characters (Unicode code points);
 * - only characters of XML 1.0's Char production, so no U+FFFE/U+FFFF and no surrogate that is
 *   not half of a pair (a name with one was accepted and broke the user's next login with E_XML);
 * - no control characters at all (C0 including tab, CR and LF; DEL; C1), no whitespace (space,
 *   U+2028/U+2029) or U+FEFF, and none of < > & " ' (a name with a control character once broke
 *   every later login of its user: issue 9);
 * - not `__proto__`, `constructor` or `prototype`, in any case: a plain JS object silently drops
 *   or misreads such a key (`__proto__` vanished from the admin API's answer).
 * Kept free of imports beyond the XML character table, so the config schema can use it cheaply.
 */
import { codePoint } from './xml-chars.ts';

export const ATTRIBUTE_NAME_MAX = 256;

export const ATTRIBUTE_NAME_RULE =
  `an attribute name must be 1-${ATTRIBUTE_NAME_MAX} characters of XML 1.0 text without control characters, whitespace, <>&"', ` +
  'U+FEFF, U+FFFE/U+FFFF or unpaired surrogates, and may not be __proto__, constructor or prototype';

const RESERVED = new Set(['__proto__', 'constructor', 'prototype']);

/** Characters a name may not hold, beyond those XML 1.0 forbids. */
const isControl = (cp: number) => cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f);
const isForbiddenOther = (cp: number) => cp === 0x20 || cp === 0x2028 || cp === 0x2029 || cp === 0xfeff || cp === 0x3c || cp === 0x3e || cp === 0x26 || cp === 0x22 || cp === 0x27;
const isLoneSurrogateOrNonChar = (cp: number) => (cp >= 0xd800 && cp <= 0xdfff) || cp === 0xfffe || cp === 0xffff;

/** The name as it can be shown in an error message: every character the rule refuses escaped. */
export function printableName(name: string): string {
  let out = '';
  let count = 0;
  for (const ch of name) {
    if (++count > 64) return `${out}... (${[...name].length} characters)`;
    const cp = ch.codePointAt(0)!;
    out += isControl(cp) || isLoneSurrogateOrNonChar(cp) || cp === 0x2028 || cp === 0x2029 || cp === 0xfeff ? `\\u{${cp.toString(16).toUpperCase()}}` : ch === '"' ? '\\"' : ch;
  }
  return out;
}

/** Why `name` is refused (naming the name and the rule), or null when it is a valid attribute name. */
export function attributeNameProblem(name: string): string | null {
  const refuse = (why: string) => `attribute name "${printableName(name)}" is refused: ${why}; ${ATTRIBUTE_NAME_RULE}`;
  if (name.length === 0) return refuse('it is empty');
  const length = [...name].length;
  if (length > ATTRIBUTE_NAME_MAX) return refuse(`it is ${length} characters long`);
  if (RESERVED.has(name.toLowerCase())) return refuse(`${name} is reserved (a JavaScript object key that is silently dropped or misread)`);
  let offset = 0;
  // for...of walks code points: a valid surrogate pair is one character, a lone half stays itself.
  for (const ch of name) {
    const cp = ch.codePointAt(0)!;
    if (isLoneSurrogateOrNonChar(cp)) return refuse(`${codePoint(cp)} at offset ${offset} is not an XML 1.0 character (${cp >= 0xd800 && cp <= 0xdfff ? 'half of a surrogate pair, alone' : 'a noncharacter'})`);
    if (isControl(cp) || isForbiddenOther(cp)) return refuse(`attribute names may not contain control characters, whitespace or <>&"' (${codePoint(cp)} at offset ${offset})`);
    offset += ch.length;
  }
  return null;
}
