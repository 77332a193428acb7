/** Certificate checks for the IdP's signing certificates: expiry at the judged time, key type and size. */
import type { Certificate } from '../saml/keys.ts';
import { whyOf, type Finding } from '../saml/verify/findings.ts';

const DAY = 24 * 3_600_000;
/** Warn this long before expiry: IdP certificate rotation needs the new one in TFE first. */
const EXPIRY_WARNING_MS = 30 * DAY;

export function certificateFindings(certs: readonly Certificate[], at: number, where: string): Finding[] {
  const out: Finding[] = [];
  for (const cert of certs) {
    const label = `the ${where} certificate ${cert.x509.subject.replace(/\n/g, ', ')} (SHA-256 ${cert.x509.fingerprint256.slice(0, 23)}...)`;
    const notAfter = Date.parse(cert.x509.validTo);
    const notBefore = Date.parse(cert.x509.validFrom);
    if (Number.isFinite(notAfter) && notAfter <= at) {
      out.push({ code: 'CERT_EXPIRED', severity: 'warning', message: `${label} expired on ${new Date(notAfter).toISOString()}`, why: whyOf('CERT_EXPIRED'), fix: 'rotate the IdP signing certificate and give the new metadata to TFE before the old one is removed' });
    } else if (Number.isFinite(notAfter) && notAfter - at < EXPIRY_WARNING_MS) {
      out.push({ code: 'CERT_EXPIRES_SOON', severity: 'warning', message: `${label} expires on ${new Date(notAfter).toISOString()}, in ${Math.ceil((notAfter - at) / DAY)} days`, why: whyOf('CERT_EXPIRES_SOON'), fix: 'plan the rotation: add the new certificate to the IdP metadata TFE uses before switching' });
    }
    if (Number.isFinite(notBefore) && notBefore > at) {
      out.push({ code: 'CERT_EXPIRED', severity: 'warning', message: `${label} is not valid before ${new Date(notBefore).toISOString()}`, why: whyOf('CERT_EXPIRED'), fix: "check the IdP's clock and the certificate dates" });
    }
    const type = cert.publicKey.asymmetricKeyType;
    if (type !== 'rsa') {
      out.push({ code: 'CERT_NOT_RSA', severity: 'error', message: `${label} has a ${type ?? 'unknown'} key`, why: whyOf('CERT_NOT_RSA'), fix: 'sign with an RSA key (2048 bits or more)' });
    } else {
      const bits = cert.publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
      if (bits < 2048) out.push({ code: 'CERT_KEY_SIZE', severity: 'error', message: `${label} has a ${bits}-bit RSA key`, why: whyOf('CERT_KEY_SIZE'), fix: 'issue a new signing certificate with a 2048-bit (or larger) RSA key' });
    }
  }
  return out;
}
