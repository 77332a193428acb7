/**
 * What people paste into `samlgate validate`: a SAML Response or a metadata document, in any
 * of the forms they capture it in - raw XML, base64 (the SAMLResponse value), the URL-encoded
 * POST body (`SAMLResponse=...&RelayState=...`), a SAML-tracer JSON export, a browser HAR file -
 * from a file or stdin. Detection is by content, not by file name. Anything else is an
 * UnusableInputError (exit code 2) that says what the input looked like and what was expected.
 */
import { inflateRawSync } from 'node:zlib';
import { SamlError } from '../saml/rejection.ts';

export class UnusableInputError extends SamlError {
  declare readonly code: 'ERR_UNUSABLE_INPUT';
  constructor(detail: string) {
    super('ERR_UNUSABLE_INPUT', detail);
  }
}

export type DocumentKind = 'response' | 'metadata' | 'other';

export interface DecodedInput {
  xml: string;
  kind: DocumentKind;
  /** How the input was recognised, for the report ("SAML-tracer export, request 4 (POST https://.../auth)"). */
  encoding: string;
}

const EXPECTED = 'expected a SAML Response or a metadata document as XML, base64, a URL-encoded POST body (SAMLResponse=...), a SAML-tracer JSON export or a HAR file';

function describe(text: string): string {
  const head = text.slice(0, 60).replace(/\s+/g, ' ');
  return `${text.length} characters starting with ${JSON.stringify(head)}`;
}

function kindOf(xml: string): DocumentKind {
  const root = /<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)[\s>/]/.exec(xml.replace(/^\uFEFF?\s*(<\?xml[^?]*\?>\s*)?(<!--[\s\S]*?-->\s*)*/, ''));
  if (!root) return 'other';
  if (root[1] === 'Response') return 'response';
  if (root[1] === 'EntityDescriptor' || root[1] === 'EntitiesDescriptor') return 'metadata';
  return 'other';
}

const BASE64 = /^[A-Za-z0-9+/=\s]+$/;

function fromBase64(value: string): string | null {
  const compact = value.replace(/\s+/g, '');
  if (compact.length < 8 || !BASE64.test(compact)) return null;
  const bytes = Buffer.from(compact, 'base64');
  const text = bytes.toString('utf8');
  if (text.trimStart().startsWith('<')) return text;
  // HTTP-Redirect binding: raw DEFLATE before base64.
  try {
    const inflated = inflateRawSync(bytes, { maxOutputLength: 4 * 1024 * 1024 }).toString('utf8');
    if (inflated.trimStart().startsWith('<')) return inflated;
  } catch {
    // not deflated
  }
  return null;
}

function formValue(body: string, name: string): string | null {
  for (const part of body.split('&')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (decodeURIComponent(part.slice(0, eq).replace(/\+/g, ' ')) === name) return decodeURIComponent(part.slice(eq + 1).replace(/\+/g, ' '));
  }
  return null;
}

const MASKED = /^\{(hash|obf|overwritten)/;

/** SAML-tracer (simplesamlphp/SAML-tracer) export: {requests:[{method,url,post:[[k,v]],saml}], timestamp}. */
function fromSamlTracer(json: { requests: unknown[] }): DecodedInput {
  const candidates: { xml: string; where: string }[] = [];
  let masked = 0;
  json.requests.forEach((r, i) => {
    const req = r as { method?: string; url?: string; post?: unknown; get?: unknown; saml?: unknown };
    const where = `request ${i + 1} (${req.method ?? '?'} ${req.url ?? '?'})`;
    // SAML-tracer stores the decoded message in `saml`; its export filters mask only `post`.
    if (typeof req.saml === 'string' && req.saml.trim().startsWith('<')) {
      candidates.push({ xml: req.saml, where });
      return;
    }
    for (const pair of [...(Array.isArray(req.post) ? req.post : []), ...(Array.isArray(req.get) ? req.get : [])]) {
      if (!Array.isArray(pair) || pair[0] !== 'SAMLResponse' || typeof pair[1] !== 'string') continue;
      if (MASKED.test(pair[1])) {
        masked++;
        continue;
      }
      const xml = fromBase64(pair[1]);
      if (xml) candidates.push({ xml, where });
    }
  });
  const responses = candidates.filter((c) => kindOf(c.xml) === 'response');
  const pick = responses.at(-1) ?? candidates.at(-1);
  if (!pick) {
    throw new UnusableInputError(
      masked
        ? `the SAML-tracer export has ${json.requests.length} requests, and its SAMLResponse values are masked ({hash:...}/{obf:...}) with no decoded "saml" field: export again with "None" as the filter (Export > "no filtering"), or copy the SAML tab of the response`
        : `the SAML-tracer export has ${json.requests.length} requests but none carries a SAML message: capture the login (the POST to the ACS) with SAML-tracer running`,
    );
  }
  return { xml: pick.xml, kind: kindOf(pick.xml), encoding: `SAML-tracer export, ${pick.where}${responses.length > 1 ? ` (the last of ${responses.length} SAML responses)` : ''}` };
}

/** HAR 1.2 (browser dev tools "Save all as HAR"): log.entries[].request.postData.{text,params}. */
function fromHar(json: { log: { entries?: unknown[] } }): DecodedInput {
  const entries = Array.isArray(json.log.entries) ? json.log.entries : [];
  const found: { xml: string; where: string }[] = [];
  entries.forEach((e, i) => {
    const req = (e as { request?: { method?: string; url?: string; postData?: { text?: string; params?: { name?: string; value?: string }[] } } }).request;
    const post = req?.postData;
    let value: string | null = null;
    const param = post?.params?.find((p) => p.name === 'SAMLResponse');
    // The body text is unambiguous form encoding; params values are percent-encoded by some
    // browsers and raw by others, and a raw base64 '+' must not become a space.
    if (typeof post?.text === 'string' && post.text.includes('SAMLResponse=')) value = formValue(post.text, 'SAMLResponse');
    else if (param?.value) value = param.value.includes('%') ? decodeURIComponent(param.value.replace(/\+/g, ' ')) : param.value;
    const xml = value ? fromBase64(value) : null;
    if (xml) found.push({ xml, where: `entry ${i + 1} (${req?.method ?? '?'} ${req?.url ?? '?'})` });
  });
  const pick = found.at(-1);
  if (!pick) throw new UnusableInputError(`the HAR file has ${entries.length} entries but no POST with a SAMLResponse form field: record the login with "Preserve log" on, so the POST to the ACS is kept`);
  return { xml: pick.xml, kind: kindOf(pick.xml), encoding: `HAR file, ${pick.where}${found.length > 1 ? ` (the last of ${found.length} SAML responses)` : ''}` };
}

export function decodeInput(raw: string | Buffer): DecodedInput {
  const text = (typeof raw === 'string' ? raw : raw.toString('utf8')).replace(/^\uFEFF/, '');
  const trimmed = text.trim();
  if (trimmed === '') throw new UnusableInputError(`the input is empty; ${EXPECTED}`);
  if (trimmed.startsWith('<')) return { xml: trimmed, kind: kindOf(trimmed), encoding: 'XML' };
  if (trimmed.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch (err) {
      throw new UnusableInputError(`the input looks like JSON but does not parse (${(err as Error).message}); ${EXPECTED}`);
    }
    if (json && typeof json === 'object' && Array.isArray((json as { requests?: unknown }).requests)) return fromSamlTracer(json as { requests: unknown[] });
    if (json && typeof json === 'object' && (json as { log?: unknown }).log && typeof (json as { log: unknown }).log === 'object') return fromHar(json as { log: { entries?: unknown[] } });
    throw new UnusableInputError(`the input is JSON but neither a SAML-tracer export (no "requests" array) nor a HAR file (no "log" object); ${EXPECTED}`);
  }
  if (/(^|&)SAMLResponse=/.test(trimmed)) {
    const value = formValue(trimmed, 'SAMLResponse');
    const xml = value ? fromBase64(value) : null;
    if (!xml) throw new UnusableInputError('the input is a URL-encoded form body, but its SAMLResponse value is not base64 of an XML document');
    return { xml, kind: kindOf(xml), encoding: 'URL-encoded POST body' };
  }
  const fromB64 = fromBase64(trimmed) ?? (/%[0-9A-Fa-f]{2}/.test(trimmed) ? fromBase64(decodeURIComponent(trimmed)) : null);
  if (fromB64) return { xml: fromB64.trim(), kind: kindOf(fromB64), encoding: 'base64' };
  throw new UnusableInputError(`the input is ${describe(trimmed)}, which is not XML, base64 of XML, a form body, a SAML-tracer export or a HAR file; ${EXPECTED}`);
}
