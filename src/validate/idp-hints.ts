/**
 * Where each fix lives in the IdPs people run, for the findings whose fix differs by product.
 * The report appends these to the generic fix; docs/validate.md has the same text per IdP.
 */
import type { FindingCode } from '../saml/verify/findings.ts';

export type IdpProduct = 'Okta' | 'Entra ID' | 'ADFS' | 'Keycloak' | 'Google Workspace';

type Hints = Partial<Record<IdpProduct, string>>;

const SA_ATTRIBUTE: Hints = {
  Okta: 'app > General > SAML Settings > Attribute Statements: Name `IsServiceAccount`, Name format Basic, Value `"true"` (or an expression such as `user.isServiceAccount`)',
  'Entra ID': 'Enterprise application > Single sign-on > Attributes & Claims > Add new claim: Name `IsServiceAccount`, Namespace empty, Source attribute `"true"` or a directory extension; Entra ID sends claims without NameFormat, so check NameFormat handling (samlgate: --relax-nameformat)',
  ADFS: 'Relying Party Trust > Edit Claim Issuance Policy > Add Rule > Send Claims Using a Custom Rule: `=> issue(Type = "IsServiceAccount", Value = "true", Properties["http://schemas.xmlsoap.org/ws/2005/05/identity/claimproperties/attributename"] = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic");`',
  Keycloak: 'Clients > your client > Client scopes > the dedicated scope > Add mapper > Hardcoded attribute (or User Attribute): SAML Attribute Name `IsServiceAccount`, SAML Attribute NameFormat Basic, value `true`',
  'Google Workspace': 'Admin console > Apps > Web and mobile apps > the app > SAML attribute mapping: map a custom user attribute to App attribute `IsServiceAccount` (Google does not let you choose the NameFormat)',
};

const AUDIENCE: Hints = {
  Okta: 'SAML Settings > Audience URI (SP Entity ID)',
  'Entra ID': 'Basic SAML Configuration > Identifier (Entity ID)',
  ADFS: 'Relying Party Trust > Identifiers > Relying party identifier',
  Keycloak: 'Clients > Client ID (the SAML entity ID)',
  'Google Workspace': 'Service provider details > Entity ID',
};

const ACS: Hints = {
  Okta: 'SAML Settings > Single sign-on URL, with "Use this for Recipient URL and Destination URL" checked',
  'Entra ID': 'Basic SAML Configuration > Reply URL (Assertion Consumer Service URL)',
  ADFS: 'Relying Party Trust > Endpoints > SAML Assertion Consumer Endpoint (POST binding)',
  Keycloak: 'Clients > Advanced > Assertion Consumer Service POST Binding URL',
  'Google Workspace': 'Service provider details > ACS URL',
};

const ALGORITHM: Hints = {
  Okta: 'SAML Settings > Show Advanced Settings > Signature Algorithm RSA-SHA256, Digest Algorithm SHA256',
  'Entra ID': 'SAML Certificates > Edit > Signing Algorithm SHA-256',
  ADFS: 'Relying Party Trust > Advanced > Secure hash algorithm SHA-256',
  Keycloak: 'Clients > Keys/Signature and Encryption > Signature algorithm RSA_SHA256',
  'Google Workspace': 'Google signs with RSA-SHA256; re-download the IdP metadata if an old certificate is configured',
};

const SIGNING: Hints = {
  Okta: 'SAML Settings > Show Advanced Settings > Response and Assertion Signature: Signed',
  'Entra ID': 'SAML Certificates > Edit > Signing Option "Sign SAML response and assertion"',
  ADFS: 'signing is on by default; check `Get-AdfsRelyingPartyTrust | select SamlResponseSignature` (AssertionOnly or MessageAndAssertion)',
  Keycloak: 'Clients > Signature and Encryption > Sign documents ON, Sign assertions ON',
  'Google Workspace': 'Google always signs the assertion; "Signed response" also signs the Response',
};

const NAMEID: Hints = {
  Okta: 'SAML Settings > Name ID format EmailAddress, Application username Email',
  'Entra ID': 'Attributes & Claims > Unique User Identifier (Name ID): Name identifier format Email address, Source attribute user.mail (or user.userprincipalname if it is the email)',
  ADFS: 'Claim rule "Transform an Incoming Claim": E-Mail Address -> Name ID, format Email',
  Keycloak: 'Clients > Name ID format email, Force name ID format ON',
  'Google Workspace': 'Name ID format EMAIL, Name ID Basic Information > Primary email',
};

const ISSUER: Hints = {
  Okta: 'the Identity Provider Issuer shown under "View SAML setup instructions"',
  'Entra ID': 'the Microsoft Entra Identifier under "Set up <app>"',
  ADFS: 'AD FS > Service > Edit Federation Service Properties > Federation Service identifier',
  Keycloak: 'the realm URL (https://HOST/realms/REALM)',
  'Google Workspace': 'the Entity ID under "Google Identity Provider details"',
};

const SESSION: Hints = {
  Okta: 'SessionNotOnOrAfter follows the Okta session lifetime (Security > Authentication policies / Global Session Policy)',
  'Entra ID': 'Entra ID sets no SessionNotOnOrAfter by default; Conditional Access sign-in frequency bounds re-authentication instead',
  ADFS: 'Set-AdfsRelyingPartyTrust -TokenLifetime (minutes) sets SessionNotOnOrAfter',
  Keycloak: 'Realm settings > Sessions > SSO Session Max sets SessionNotOnOrAfter',
  'Google Workspace': 'Google sets no SessionNotOnOrAfter; the Google session length is under Security > Google session control',
};

const BY_CODE: Partial<Record<FindingCode, Hints>> = {
  SA_NAME_CASE: SA_ATTRIBUTE,
  SA_NAMEFORMAT: SA_ATTRIBUTE,
  SA_NAMEFORMAT_ABSENT: SA_ATTRIBUTE,
  SA_VALUE: SA_ATTRIBUTE,
  SA_MULTIPLE_VALUES: SA_ATTRIBUTE,
  SA_XSI_TYPE: SA_ATTRIBUTE,
  SA_FRIENDLY_NAME_ONLY: SA_ATTRIBUTE,
  SA_ABSENT: SA_ATTRIBUTE,
  SA_MISSING: SA_ATTRIBUTE,
  SA_UNEXPECTED: SA_ATTRIBUTE,
  ATTR_EMPTY_VALUE: SA_ATTRIBUTE,
  ATTR_DUPLICATE: SA_ATTRIBUTE,
  E_AUDIENCE: AUDIENCE,
  E_RECIPIENT: ACS,
  E_DESTINATION: ACS,
  E_ALGORITHM: ALGORITHM,
  E_SIGNATURE: SIGNING,
  NAMEID_NOT_EMAIL: NAMEID,
  E_ISSUER: ISSUER,
  SESSION_LIFETIME: SESSION,
};

export function idpHints(code: FindingCode): Hints | undefined {
  return Object.hasOwn(BY_CODE, code) ? BY_CODE[code] : undefined;
}

/** The fix with each product's setting appended ("Okta: ...; Entra ID: ..."). */
export function fixWithHints(code: FindingCode, fix: string): string {
  const hints = idpHints(code);
  if (!hints) return fix;
  return `${fix}. ${Object.entries(hints).map(([idp, where]) => `${idp}: ${where}`).join('; ')}`;
}
