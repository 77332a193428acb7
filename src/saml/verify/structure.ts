/**
 * Structural strictness on the unverified document (SP-SECURITY 10.2 step 5, plus the schema
 * rules a validator would enforce: TIME6, ATTR9). Everything is checked before any crypto, and
 * the rules are chosen so that exactly one element can be "the assertion" and exactly one
 * signature can cover it: one Assertion, and only as a direct child of the root Response; no
 * Attribute or AttributeStatement anywhere else; each Signature enveloped in the element its
 * single Reference points to; no duplicate IDs. That shuts the XML signature wrapping family
 * (XSW1-8, SIG9, SIG10, MULTI, ATTR8) out before the question "what is signed" even arises.
 */
import { NS, STATUS_SUCCESS } from '../constants.ts';
import { reject } from '../rejection.ts';
import { attr, childElements, describe, elementChildren, is, optionalChild, textOf } from './dom.ts';
import { checkSignatureShape } from './xmldsig.ts';

export interface ResponseShape {
  response: Element;
  assertion: Element;
  responseSignature: Element | null;
  assertionSignature: Element | null;
}

const ID_ATTRIBUTE_NAMES = new Set(['ID', 'Id', 'id']);

/** Root element and version (ROOTNS1, VER1); nothing but whitespace and comments around it (ROOT2). */
export function checkRoot(doc: Document): Element {
  // xmldom reports a second root element but silently keeps text after the root.
  for (let node = doc.firstChild; node; node = node.nextSibling) {
    if ((node.nodeType === 3 || node.nodeType === 4) && /[^\x20\x09\x0d\x0a]/.test(node.nodeValue ?? '')) {
      reject('E_XML', 'the document has text outside its root element (trailing content)');
    }
  }
  const root = doc.documentElement;
  if (root.localName !== 'Response' || root.namespaceURI !== NS.protocol) {
    reject('E_STRUCT', `the document root is {${root.namespaceURI ?? ''}}${root.localName}, expected {${NS.protocol}}Response: post a SAML 2.0 samlp:Response to the ACS (not a bare Assertion, a LogoutResponse or a SAML 1.1 message)`);
  }
  const version = attr(root, 'Version');
  if (version !== '2.0') {
    reject('E_VERSION', `the Response has Version=${version === null ? '(absent)' : JSON.stringify(version)}, expected "2.0"`);
  }
  if (!attr(root, 'ID')) reject('E_SCHEMA', 'the Response has no ID attribute (required by SAML core 3.2.2)');
  return root;
}

/** Top-level status (SAML core 3.2.2.2). Error responses carry no assertion, so this runs first. */
export function checkStatus(response: Element): void {
  const status = optionalChild(response, NS.protocol, 'Status');
  if (!status) reject('E_SCHEMA', 'the Response has no samlp:Status element (required by SAML core 3.2.2)');
  const code = optionalChild(status, NS.protocol, 'StatusCode');
  const value = code ? attr(code, 'Value') : null;
  if (!code || !value) reject('E_SCHEMA', 'the Response Status has no StatusCode Value');
  if (value === STATUS_SUCCESS) return;
  const sub = childElements(code, NS.protocol, 'StatusCode').map((c) => attr(c, 'Value')).filter((v) => v);
  const messageEl = optionalChild(status, NS.protocol, 'StatusMessage');
  const message = messageEl ? textOf(messageEl) : null;
  reject(
    'E_STATUS',
    `the IdP answered with status ${value}${sub.length ? ` / ${sub.join(' / ')}` : ''}${message ? ` and message ${JSON.stringify(message)}` : ''}, not Success: check the IdP's log for why it refused the login`,
  );
}

/** Every element of the document, depth first. */
function allElements(root: Element): Element[] {
  const out: Element[] = [];
  const stack: Element[] = [root];
  while (stack.length) {
    const el = stack.pop()!;
    out.push(el);
    const kids = elementChildren(el);
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
  return out;
}

const RESPONSE_CHILDREN: ReadonlyArray<[string, string]> = [
  [NS.assertion, 'Issuer'],
  [NS.dsig, 'Signature'],
  [NS.protocol, 'Extensions'],
  [NS.protocol, 'Status'],
  [NS.assertion, 'Assertion'],
  [NS.assertion, 'EncryptedAssertion'],
];

const ASSERTION_CHILDREN: ReadonlyArray<[string, string]> = [
  [NS.assertion, 'Issuer'],
  [NS.dsig, 'Signature'],
  [NS.assertion, 'Subject'],
  [NS.assertion, 'Conditions'],
  [NS.assertion, 'Advice'],
  [NS.assertion, 'AuthnStatement'],
  [NS.assertion, 'AttributeStatement'],
];

function checkChildrenAllowed(parent: Element, allowed: ReadonlyArray<[string, string]>, code: 'E_SCHEMA' | 'E_STRUCT'): void {
  for (const child of elementChildren(parent)) {
    if (!allowed.some(([ns, name]) => is(child, ns, name))) {
      reject(code, `${describe(parent)} contains an unexpected element {${child.namespaceURI ?? ''}}${child.localName}; samlgate accepts only ${allowed.map(([, n]) => n).join(', ')} there`);
    }
  }
}

export interface StructureOptions {
  /** The Response carries one EncryptedAssertion (checked before decryption). */
  encrypted?: boolean;
  /** `root` is a decrypted Assertion; `response` is the Response that carried it. */
  standaloneAssertion?: boolean;
  response?: Element;
}

/**
 * The structural rules of SP-SECURITY 10.2 step 5 and the schema-ish rules that replace a
 * validator. Returns the (still unverified) elements the signature step works on. For an
 * encrypted response it runs twice: on the Response around the EncryptedAssertion, and on the
 * decrypted Assertion on its own.
 */
export function checkStructure(root: Element, o: StructureOptions = {}): ResponseShape {
  if (o.standaloneAssertion) return checkDecryptedAssertion(root, o.response!);
  const response = root;
  checkChildrenAllowed(response, RESPONSE_CHILDREN, 'E_SCHEMA');
  optionalChild(response, NS.assertion, 'Issuer');
  optionalChild(response, NS.protocol, 'Extensions');

  const everything = allElements(response);

  const encrypted = everything.filter((el) => is(el, NS.assertion, 'EncryptedAssertion'));
  const direct = childElements(response, NS.assertion, 'Assertion');
  let assertion: Element;
  if (o.encrypted) {
    // ENC3: one EncryptedAssertion, directly under the Response, and no plaintext Assertion.
    if (encrypted.length !== 1 || encrypted[0]!.parentNode !== response) reject('E_STRUCT', `the Response carries ${encrypted.length} EncryptedAssertion element(s)${encrypted.length === 1 ? ' not directly under the Response' : ''}; samlgate accepts exactly one, directly under the Response`);
    if (everything.some((el) => is(el, NS.assertion, 'Assertion'))) reject('E_STRUCT', 'the Response carries both an EncryptedAssertion and a plaintext Assertion (possible signature wrapping)');
    assertion = encrypted[0]!;
  } else {
    if (encrypted.length) {
      reject('E_STRUCT', `the Response carries ${encrypted.length} EncryptedAssertion element(s) next to or inside other content; samlgate accepts one EncryptedAssertion only as the Response's sole assertion`);
    }
    if (direct.length === 0) reject('E_STRUCT', 'the Response carries no Assertion (a successful login response must contain exactly one)');
    if (direct.length > 1) reject('E_STRUCT', `the Response carries ${direct.length} Assertion elements; samlgate accepts exactly one (MULTI)`);
    assertion = direct[0]!;
    const allAssertions = everything.filter((el) => is(el, NS.assertion, 'Assertion'));
    if (allAssertions.length !== 1) {
      // An Assertion hidden in Extensions, Advice, StatusDetail, SubjectConfirmationData... is the
      // classic signature-wrapping carrier (XSW): refuse the document rather than pick one.
      const where = allAssertions.filter((a) => a !== assertion).map((a) => `inside ${describe(a.parentNode as Element)}`);
      reject('E_STRUCT', `the document contains ${allAssertions.length} Assertion elements (another one ${where.join(', ')}); exactly one, as a direct child of the Response, is allowed (possible signature wrapping)`);
    }
  }

  checkAttributePlacement(everything, o.encrypted ? null : assertion);
  checkUniqueIds(everything);

  // Signatures: at most one directly under the Response and one directly under the Assertion,
  // none anywhere else, each referencing exactly its parent (XSW, SIG9, SIG10).
  let responseSignature: Element | null = null;
  let assertionSignature: Element | null = null;
  for (const sig of everything.filter((el) => is(el, NS.dsig, 'Signature'))) {
    const parent = sig.parentNode as Element;
    if (parent !== response && (o.encrypted || parent !== assertion)) {
      reject('E_STRUCT', `a ds:Signature appears inside ${describe(parent)}; samlgate accepts signatures only directly under the Response or the Assertion (possible signature wrapping)`);
    }
    if (parent === response) {
      if (responseSignature) reject('E_STRUCT', 'the Response has more than one ds:Signature');
      responseSignature = sig;
    } else {
      if (assertionSignature) reject('E_STRUCT', 'the Assertion has more than one ds:Signature');
      assertionSignature = sig;
    }
    checkSignatureShape(sig);
  }

  if (!o.encrypted) checkAssertionSchema(assertion);
  return { response, assertion, responseSignature, assertionSignature };
}

/** ATTR8: attributes only in the one place that is read (none at all outside a decrypted assertion). */
function checkAttributePlacement(everything: Element[], assertion: Element | null): void {
  for (const el of everything) {
    if (is(el, NS.assertion, 'AttributeStatement') && el.parentNode !== assertion) {
      reject('E_STRUCT', `an AttributeStatement appears inside ${describe(el.parentNode as Element)}; attributes are only accepted in the assertion's own AttributeStatement (ATTR8)`, { claim: 'AttributeStatement', fix: "send attributes only in the signed assertion's AttributeStatement" });
    }
    if ((is(el, NS.assertion, 'Attribute') || is(el, NS.assertion, 'EncryptedAttribute')) && (el.parentNode as Element | null)?.parentNode !== assertion) {
      reject('E_STRUCT', `an ${el.localName} appears inside ${describe(el.parentNode as Element)}, outside the assertion's AttributeStatement (ATTR8)`, { claim: 'Attribute', fix: "send attributes only in the signed assertion's AttributeStatement" });
    }
    if (is(el, NS.assertion, 'Attribute') && !is(el.parentNode as Element, NS.assertion, 'AttributeStatement')) {
      reject('E_STRUCT', `an Attribute appears inside ${describe(el.parentNode as Element)} (ATTR8)`);
    }
  }
}

/** Duplicate IDs would let a reference and a reader resolve to different elements. */
function checkUniqueIds(everything: Element[]): void {
  const ids = new Map<string, Element>();
  for (const el of everything) {
    for (let i = 0; i < el.attributes.length; i++) {
      const a = el.attributes.item(i)!;
      if (!ID_ATTRIBUTE_NAMES.has(a.localName ?? a.name)) continue;
      const other = ids.get(a.value);
      if (other) reject('E_STRUCT', `the ID ${JSON.stringify(a.value)} appears on both ${describe(other)} and ${describe(el)}; IDs must be unique (possible signature wrapping)`);
      ids.set(a.value, el);
    }
  }
}

/** The decrypted Assertion on its own: the same rules, scoped to its subtree. */
function checkDecryptedAssertion(assertion: Element, response: Element): ResponseShape {
  const everything = allElements(assertion);
  if (everything.filter((el) => is(el, NS.assertion, 'Assertion')).length !== 1) reject('E_STRUCT', 'the decrypted Assertion contains another Assertion (possible signature wrapping)');
  checkAttributePlacement(everything, assertion);
  checkUniqueIds(everything);
  let assertionSignature: Element | null = null;
  for (const sig of everything.filter((el) => is(el, NS.dsig, 'Signature'))) {
    if (sig.parentNode !== assertion) reject('E_STRUCT', `a ds:Signature appears inside ${describe(sig.parentNode as Element)} of the decrypted Assertion`);
    if (assertionSignature) reject('E_STRUCT', 'the Assertion has more than one ds:Signature');
    assertionSignature = sig;
    checkSignatureShape(sig);
  }
  checkAssertionSchema(assertion);
  return { response, assertion, responseSignature: null, assertionSignature };
}

/**
 * Findings mode's fallback when the structure is refused: the first candidates, so the later
 * checks still run and report on what is there. Never used by the ACS.
 */
export function looseShape(root: Element, encrypted: boolean): ResponseShape {
  const assertion = childElements(root, NS.assertion, encrypted ? 'EncryptedAssertion' : 'Assertion')[0]
    ?? (root.getElementsByTagNameNS(NS.assertion, 'Assertion')[0] as Element | undefined);
  if (!assertion) reject('E_STRUCT', 'the Response carries no Assertion, so nothing further can be checked');
  return {
    response: root,
    assertion,
    responseSignature: childElements(root, NS.dsig, 'Signature')[0] ?? null,
    assertionSignature: encrypted ? null : childElements(assertion, NS.dsig, 'Signature')[0] ?? null,
  };
}

const CONDITIONS_CHILDREN = new Set(['AudienceRestriction', 'OneTimeUse', 'ProxyRestriction']);

/** The schema rules a validator would enforce on the assertion (TIME6, ATTR9, COND1). */
function checkAssertionSchema(assertion: Element): void {
  const version = attr(assertion, 'Version');
  if (version !== '2.0') reject('E_VERSION', `the Assertion has Version=${version === null ? '(absent)' : JSON.stringify(version)}, expected "2.0"`);
  if (!attr(assertion, 'ID')) reject('E_SCHEMA', 'the Assertion has no ID attribute (required by SAML core 2.3.3)');
  if (attr(assertion, 'IssueInstant') === null) reject('E_SCHEMA', 'the Assertion has no IssueInstant attribute (required by SAML core 2.3.3)');
  checkChildrenAllowed(assertion, ASSERTION_CHILDREN, 'E_SCHEMA');
  const issuers = childElements(assertion, NS.assertion, 'Issuer');
  if (issuers.length !== 1) reject(issuers.length ? 'E_SCHEMA' : 'E_ISSUER', `the Assertion has ${issuers.length} Issuer elements, expected exactly one (SAML core 2.3.3)`);
  optionalChild(assertion, NS.assertion, 'Subject');
  optionalChild(assertion, NS.assertion, 'Advice');
  const conditions = optionalChild(assertion, NS.assertion, 'Conditions');
  const authn = childElements(assertion, NS.assertion, 'AuthnStatement');
  if (authn.length > 1) reject('E_AUTHN', `the Assertion has ${authn.length} AuthnStatements; samlgate accepts exactly one`);

  if (conditions) {
    for (const child of elementChildren(conditions)) {
      if (child.namespaceURI !== NS.assertion || !CONDITIONS_CHILDREN.has(child.localName ?? '')) {
        reject('E_CONDITIONS', `the Conditions contain {${child.namespaceURI ?? ''}}${child.localName}, which samlgate does not understand; SAML core 2.5.1 requires refusing an assertion with an unknown condition: remove it from the IdP's configuration for this SP`);
      }
    }
    optionalChild(conditions, NS.assertion, 'OneTimeUse', 'E_CONDITIONS');
    optionalChild(conditions, NS.assertion, 'ProxyRestriction', 'E_CONDITIONS');
  }

  for (const statement of childElements(assertion, NS.assertion, 'AttributeStatement')) {
    checkChildrenAllowed(statement, [[NS.assertion, 'Attribute'], [NS.assertion, 'EncryptedAttribute']], 'E_SCHEMA');
    for (const attribute of childElements(statement, NS.assertion, 'Attribute')) {
      if (!attr(attribute, 'Name')) {
        const friendly = attr(attribute, 'FriendlyName');
        // ATTR9: a Name-less attribute shifts every later value in index-zipping readers.
        reject('E_SCHEMA', `an Attribute has no Name${friendly ? ` (FriendlyName ${JSON.stringify(friendly)})` : ''}; SAML core 2.7.3.1 requires Name: set the attribute Name in the IdP mapping`);
      }
      checkChildrenAllowed(attribute, [[NS.assertion, 'AttributeValue']], 'E_SCHEMA');
    }
  }
}
