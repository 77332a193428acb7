/**
 * A faithful model of an AttributeStatement, read from the DOM of a *verified* assertion.
 *
 * samlify zips `Attribute/@Name` with the AttributeValue texts from two separate XPath lists,
 * so one Name-less attribute shifts every later value (SP-SECURITY ATTR9), duplicates merge
 * (ATTR3) and `[]` stands for "empty" (ATTR7). We keep every attribute as its own record, with
 * its NameFormat and each value's kind, and let policy functions decide.
 */
import { NS } from './constants.ts';
import { attr as attribute, CDATA_SECTION_NODE, childElements, ELEMENT_NODE, TEXT_NODE } from './dom.ts';

export type AttributeValue =
  /** xsiType: the AttributeValue's xsi:type QName as written (`xs:boolean`), when it has one (ATTR2). */
  | { kind: 'text'; text: string; xsiType?: string }
  | { kind: 'empty' }
  | { kind: 'nil' }
  | { kind: 'element' };

export interface SamlAttribute {
  /** null when the Attribute element has no Name (schema-invalid: ATTR9). */
  name: string | null;
  nameFormat: string | null;
  friendlyName: string | null;
  values: AttributeValue[];
  /** 0-based index of the AttributeStatement it came from (ATTR6). */
  statement: number;
}

function readValue(el: Element): AttributeValue {
  if (el.getAttributeNS(NS.xsi, 'nil') === 'true' || el.getAttributeNS(NS.xsi, 'nil') === '1') return { kind: 'nil' };
  let text = '';
  for (let node = el.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === ELEMENT_NODE) return { kind: 'element' };
    // Comments are already gone in the canonical signed bytes we parse; CDATA counts as text (ATTR12).
    if (node.nodeType === TEXT_NODE || node.nodeType === CDATA_SECTION_NODE) text += node.nodeValue ?? '';
  }
  if (text === '') return { kind: 'empty' };
  const type = el.getAttributeNS(NS.xsi, 'type');
  if (!type) return { kind: 'text', text };
  // Kept as the QName text: exclusive C14N drops namespace declarations used only inside
  // attribute values, so in the signed bytes the prefix of `xs:boolean` is often unbound.
  return { kind: 'text', text, xsiType: type };
}

/** Every Attribute of every AttributeStatement directly under `assertion`, in document order. */
export function readAttributes(assertion: Element): SamlAttribute[] {
  const out: SamlAttribute[] = [];
  childElements(assertion, NS.assertion, 'AttributeStatement').forEach((statement, index) => {
    for (const attr of childElements(statement, NS.assertion, 'Attribute')) {
      out.push({
        name: attribute(attr, 'Name'),
        nameFormat: attribute(attr, 'NameFormat'),
        friendlyName: attribute(attr, 'FriendlyName'),
        values: childElements(attr, NS.assertion, 'AttributeValue').map(readValue),
        statement: index,
      });
    }
  });
  return out;
}

/** Encrypted attributes cannot be judged without decrypting; the policy refuses them (ATTR14). */
export function countEncryptedAttributes(assertion: Element): number {
  let n = 0;
  for (const statement of childElements(assertion, NS.assertion, 'AttributeStatement')) {
    n += childElements(statement, NS.assertion, 'EncryptedAttribute').length;
  }
  return n;
}

