/**
 * Small, namespace-aware DOM helpers for the ACS pipeline. xmldom 0.8 has no `children`, and
 * every lookup here matches namespace URI and local name together: prefixes are attacker-chosen,
 * and local-name-only matching is how signature-wrapping payloads hide in look-alike elements.
 */
import { childElements } from '../attributes.ts';
import { reject, type RejectionCode } from '../rejection.ts';

export { childElements };

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;

export function elementChildren(parent: Node): Element[] {
  const out: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === ELEMENT_NODE) out.push(node as Element);
  }
  return out;
}

export function is(el: Element | null | undefined, ns: string, localName: string): boolean {
  return !!el && el.namespaceURI === ns && el.localName === localName;
}

/** The attribute's value, or null when the attribute is absent (an empty value stays ''). */
export function attr(el: Element, name: string): string | null {
  return el.hasAttribute(name) ? el.getAttribute(name) : null;
}

/** Element text (text and CDATA nodes); null when the element has element children. */
export function textOf(el: Element): string | null {
  let text = '';
  for (let node = el.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === ELEMENT_NODE) return null;
    if (node.nodeType === TEXT_NODE || node.nodeType === CDATA_SECTION_NODE) text += node.nodeValue ?? '';
  }
  return text;
}

/** `<saml:Assertion ID="_x">`-style label for details. */
export function describe(el: Element): string {
  const id = attr(el, 'ID');
  return `<${el.nodeName}${id !== null ? ` ID="${id}"` : ''}>`;
}

/**
 * At most one `{ns}localName` child of `parent`. Several are a schema violation that would let
 * a checker and a reader look at different copies (SP-SECURITY TIME6).
 */
export function optionalChild(parent: Element, ns: string, localName: string, code: RejectionCode = 'E_SCHEMA'): Element | null {
  const found = childElements(parent, ns, localName);
  if (found.length > 1) {
    reject(code, `${describe(parent)} has ${found.length} ${localName} elements; SAML 2.0 allows at most one and samlgate refuses to choose`);
  }
  return found[0] ?? null;
}
