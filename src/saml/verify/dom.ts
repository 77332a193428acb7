/**
 * The ACS pipeline's DOM rules on top of the shared helpers (src/saml/dom.ts): a label for
 * details, and "at most one child" as a rejection.
 */
import { attr, childElements } from '../dom.ts';
import { reject, type RejectionCode } from '../rejection.ts';

export { attr, childElements, elementChildren, is, textOf } from '../dom.ts';

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
