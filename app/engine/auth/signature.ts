// Signature authentication: we send our certificate (then the intermediate CAs its file holds)
// and HASH_I signed with its key, the gateway its certificate and SIG_R (RFC 2409 5.1).
// xauth-rsa: RSA signatures, XAuth after them (draft-ietf-ipsec-isakmp-xauth-06 7.1
// XAUTHInitRSA). certificate: the certificates alone, RSA signatures (RFC 2409 5.1), or ECDSA by
// our key's curve (RFC 4754 4); no XAuth method exists with ECDSA, so an EC key cannot do
// xauth-rsa. Our identity is our certificate's first subjectAltName, so the gateway finds the
// certificate by the ID we send.
import type { KeyObject, X509Certificate } from 'node:crypto';
import { AUTH_METHODS, type Profile } from '../../shared/profile.js';
import type { Secret } from '../../shared/secret.js';
import { EngineError } from '../api.js';
import type { HashName } from '../crypto/prf.js';
import { loadRawEcdsa } from '../crypto/raw-ecdsa.js';
import { describeKey, ecdsaMethod, signHash, unusableKey } from '../crypto/signature.js';
import { readClientCredentials } from '../crypto/client-credentials.js';
import {
  CertificateProblem,
  certificateIdentity,
  checkKeyPair,
  intermediatesOf,
  subjectLine,
} from '../crypto/x509.js';
import { type Identity, addressIdentity } from '../exchanges/phase1-parts.js';
import { phase1AuthMethodId } from '../proposals.js';
import { CertEncoding, IdType, PayloadType } from '../wire/constants.js';
import type { Phase1Authenticator } from './authenticator.js';
import {
  type ProposedSignature,
  certificateRequests,
  gatewayTrust,
  verifyGatewaySignature,
} from './gateway-certificate.js';
import { asEngineError, asEngineErrorAsync, readProfileFile } from './trust.js';

const ID_TYPES = { email: IdType.UserFqdn, dns: IdType.Fqdn } as const;

function identityOf(certificate: X509Certificate): Identity {
  const name = certificateIdentity(certificate);
  if (!name)
    throw new CertificateProblem(
      'unreadable',
      `our certificate (${subjectLine(certificate)}) has no e-mail, DNS or IP subjectAltName to identify us by`,
    );
  if (name.kind !== 'ip') return { idType: ID_TYPES[name.kind], data: Buffer.from(name.value) };
  // ID_IPV4_ADDR or ID_IPV6_ADDR; certificateIdentity took only an address (node:net isIP)
  return addressIdentity(name.value) as Identity;
}

/** The method our key signs by: the profile's for an RSA key, the curve's ECDSA method
 * (RFC 4754 4) for an EC key, which has no XAuth variant. */
function proposedSignature(
  profile: Profile,
  key: KeyObject,
  keyFile: string,
): ProposedSignature & { methodId: number; authPrf: HashName | undefined } {
  const unusable = unusableKey(key);
  if (unusable)
    throw new EngineError('certificate-unusable', `the key in ${keyFile} is ${unusable}`);
  const { label, xauth } = AUTH_METHODS[profile.authMethod];
  const ecdsa = ecdsaMethod(key);
  if (!ecdsa)
    return {
      methodId: phase1AuthMethodId(profile.authMethod),
      authPrf: undefined,
      label,
      ecdsa: false,
      xauth,
    };
  if (xauth)
    throw new EngineError(
      'certificate-unusable',
      `the key in ${keyFile} is ${describeKey(key)}: IKEv1 has no ${profile.authMethod} method with ECDSA signatures (XAuth's are RSA and DSS, draft-ietf-ipsec-isakmp-xauth-06 7.1; RFC 4754's ECDSA methods authenticate by certificates alone): use authMethod certificate, or an RSA key`,
    );
  // signing needs the addon: a missing build is named now, before anything is sent
  asEngineError(loadRawEcdsa);
  return {
    methodId: ecdsa.methodId,
    authPrf: ecdsa.hash,
    label: ecdsa.label,
    ecdsa: true,
    xauth: false,
  };
}

export async function signatureAuthenticator(
  profile: Profile,
  passphrase: (() => Promise<Secret>) | undefined,
  now: () => Date,
): Promise<Phase1Authenticator> {
  const certFile = profile.certificateFile ?? '';
  const certificateFile = {
    file: certFile,
    bytes: readProfileFile(profile.certificateFile, 'certificateFile', profile.authMethod),
  };
  // a PKCS#12 certificate file carries the key; a PEM one without it says to set privateKeyFile
  const keyFile =
    profile.privateKeyFile === undefined
      ? undefined
      : {
          file: profile.privateKeyFile,
          bytes: readProfileFile(profile.privateKeyFile, 'privateKeyFile', profile.authMethod),
        };
  const trust = gatewayTrust(profile, now);
  const { certificate, chain, key } = await asEngineErrorAsync(async () => {
    try {
      return readClientCredentials(certificateFile, keyFile);
    } catch (error) {
      // asked for only when the key turns out to be encrypted
      if (!(
        error instanceof CertificateProblem &&
        error.code === 'passphrase-needed' &&
        passphrase
      ))
        throw error;
      return readClientCredentials(certificateFile, keyFile, (await passphrase()).reveal());
    }
  });
  asEngineError(() => checkKeyPair(certificate, key, certFile));
  const signedBy = proposedSignature(profile, key, keyFile?.file ?? certFile);
  const identity = asEngineError(() => identityOf(certificate));
  // ours first (the gateway finds it by our ID), then the CAs between it and the root
  const sent = [certificate, ...intermediatesOf(certificate, chain)];
  return {
    methodId: signedBy.methodId,
    authPrf: signedBy.authPrf,
    label: signedBy.label,
    psk: undefined,
    identity,
    certificateRequests: certificateRequests(trust),
    prove: (hashI) => [
      ...sent.map((c) => ({
        type: PayloadType.Certificate,
        body: { encoding: CertEncoding.X509Signature, data: c.raw },
      })),
      { type: PayloadType.Signature, body: { data: signHash(key, hashI) } },
    ],
    verify: (payloads, hashR, id) => verifyGatewaySignature(trust, signedBy, payloads, hashR, id),
    refused: () =>
      new EngineError(
        'client-cert-rejected',
        `the gateway did not accept our certificate (${subjectLine(certificate)}) or its signature`,
        { authenticated: false },
      ),
  };
}
