"""Builds and signs a SAML 2.0 Response with Debian's python3-pysaml2 (saml2), for the fixture
test/static/pysaml2.assertion-signed.xml: an implementation we did not write, with its own
test key. pysaml2 signs through xmlsec1 (its CryptoBackendXmlSec1).

usage: pysaml2-response.py KEY CERT ISSUE_INSTANT IN_RESPONSE_TO SP_ENTITY_ID ACS_URL
"""
import sys
from datetime import datetime, timedelta, timezone

from saml2 import saml, samlp, sigver
from saml2.saml import NAME_FORMAT_BASIC, NAMEID_FORMAT_EMAILADDRESS
from saml2.sigver import CryptoBackendXmlSec1, SecurityContext, get_xmlsec_binary, pre_signature_part
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

key_file, cert_file, issue_instant, in_response_to, sp_entity_id, acs_url = sys.argv[1:7]
issuer = "https://pysaml2-idp.example/metadata"
now = datetime.strptime(issue_instant, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


def instant(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


assertion_id = "_pysaml2-assert-1"
attribute = lambda name, value: saml.Attribute(name=name, name_format=NAME_FORMAT_BASIC, attribute_value=[saml.AttributeValue(text=value)])
assertion = saml.Assertion(
    id=assertion_id,
    version="2.0",
    issue_instant=instant(now),
    issuer=saml.Issuer(text=issuer, format=saml.NAMEID_FORMAT_ENTITY),
    subject=saml.Subject(
        name_id=saml.NameID(format=NAMEID_FORMAT_EMAILADDRESS, text="deploy-bot@example.com"),
        subject_confirmation=[saml.SubjectConfirmation(
            method=saml.SCM_BEARER,
            subject_confirmation_data=saml.SubjectConfirmationData(in_response_to=in_response_to, not_on_or_after=instant(now + timedelta(minutes=5)), recipient=acs_url),
        )],
    ),
    conditions=saml.Conditions(
        not_before=instant(now - timedelta(minutes=1)),
        not_on_or_after=instant(now + timedelta(minutes=5)),
        audience_restriction=[saml.AudienceRestriction(audience=[saml.Audience(text=sp_entity_id)])],
    ),
    authn_statement=[saml.AuthnStatement(
        authn_instant=instant(now - timedelta(seconds=10)),
        session_index="_pysaml2-session-1",
        session_not_on_or_after=instant(now + timedelta(hours=8)),
        authn_context=saml.AuthnContext(authn_context_class_ref=saml.AuthnContextClassRef(text=saml.AUTHN_PASSWORD_PROTECTED)),
    )],
    attribute_statement=[saml.AttributeStatement(attribute=[
        attribute("IsServiceAccount", "true"),
        attribute("Username", "deploy-bot"),
        attribute("MemberOf", "developers"),
    ])],
)
assertion.signature = pre_signature_part(assertion_id, sigver.read_cert_from_file(cert_file, "pem"), digest_alg=DIGEST_SHA256, sign_alg=SIG_RSA_SHA256)

response = samlp.Response(
    id="_pysaml2-resp-1",
    version="2.0",
    issue_instant=instant(now),
    destination=acs_url,
    in_response_to=in_response_to,
    issuer=saml.Issuer(text=issuer, format=saml.NAMEID_FORMAT_ENTITY),
    status=samlp.Status(status_code=samlp.StatusCode(value=samlp.STATUS_SUCCESS)),
    assertion=[assertion],
)

security = SecurityContext(CryptoBackendXmlSec1(get_xmlsec_binary()), key_file=key_file, cert_file=cert_file)
signed = security.sign_statement(str(response), node_name="urn:oasis:names:tc:SAML:2.0:assertion:Assertion", node_id=assertion_id)
sys.stdout.write(signed if isinstance(signed, str) else signed.decode("utf-8"))
