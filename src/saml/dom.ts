/**
 * The DOM helpers every SAML reader shares (the verifier, SLO on both sides, metadata, the IdP's
 * request parsing, the validator). xmldom 0.8 has no `children`. Every lookup matches namespace
 * URI and local name together: prefixes are attacker-chosen, and local-name-only matching is how
 * signature-wrapping payloads hide in look-alike elements. Only direct children are searched, so
 * a copy nested elsewhere in the document is never read instead of the real one.
 */

export const ELEMENT_NODE = 1;
export const TEXT_NODE = 3;
export const CDATA_SECTION_NODE = 4;

/** The element children of `parent`, in document order. */
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

/** The `{ns}localName` children of `parent`. */
export function childElements(parent: Node, ns: string, localName: string): Element[] {
  return elementChildren(parent).filter((el) => is(el, ns, localName));
}

/** The first `{ns}localName` child of `parent`, or null. */
export function firstChildElement(parent: Node, ns: string, localName: string): Element | null {
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === ELEMENT_NODE && is(node as Element, ns, localName)) return node as Element;
  }
  return null;
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

/** The trimmed text content of an optional element (Issuer, NameID, SessionIndex...). */
export function trimmedText(el: Element | null | undefined): string | undefined {
  return el?.textContent?.trim();
}
