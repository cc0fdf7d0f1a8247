// Profile proposal strings (strongSwan style, e.g. aes256-sha256-modp2048 / aes128-sha1 /
// aes256gcm16) turned into the transforms we offer, and offers grouped by DH group: aggressive
// mode carries KE in message 1, so one offer can only use one group (RFC 2409 5.4).
import {
  AuthMethod,
  EspTransformId,
  LifeType,
  Phase1Attr,
  Phase1Encryption,
  Phase1Hash,
  Phase2Attr,
  Phase2Auth,
} from './wire/constants.js';
import { type DataAttribute, tlvNumber, tv } from './wire/attributes.js';
import { DH_GROUPS, LEGACY_ESP_PROPOSALS, LEGACY_IKE_PROPOSALS } from '../shared/algorithms.js';
import type { EspEncryption, EspIntegrity } from '../shared/esp-sa.js';
import type { AuthMethodName, Profile } from '../shared/profile.js';

import type { HashName } from './crypto/index.js';

export type { HashName };
export type Phase1Cipher = 'aes' | '3des';

export { DH_GROUPS };

/** What we offer in phase 1: the profile's proposals, then with `legacy: true` the legacy ones
 * it does not list already (modern first, so a modern gateway still gets a modern SA). */
export function offeredIkeProposals(profile: Profile): Phase1Proposal[] {
  return withLegacy(profile.ikeProposals, LEGACY_IKE_PROPOSALS, profile.legacy).map(
    parseIkeProposal,
  );
}

/** What we offer in Quick Mode, on the same terms as offeredIkeProposals. */
export function offeredEspProposals(profile: Profile): EspProposal[] {
  return withLegacy(profile.espProposals, LEGACY_ESP_PROPOSALS, profile.legacy).map(
    parseEspProposal,
  );
}

function withLegacy(own: readonly string[], legacy: readonly string[], on: boolean): string[] {
  return on ? [...new Set([...own, ...legacy])] : [...own];
}

const PHASE1_HASH_IDS: Record<HashName, number> = {
  md5: Phase1Hash.Md5,
  sha1: Phase1Hash.Sha1,
  sha256: Phase1Hash.Sha2_256,
  sha384: Phase1Hash.Sha2_384,
  sha512: Phase1Hash.Sha2_512,
};

export interface Phase1Proposal {
  text: string;
  cipher: Phase1Cipher;
  keyBits: number;
  hash: HashName;
  group: number;
}

export interface EspProposal {
  text: string;
  encryption: EspEncryption;
  keyBits: number;
  integrity: EspIntegrity;
}

export function parseIkeProposal(text: string): Phase1Proposal {
  const match = /^(aes(128|192|256)|3des)-(md5|sha1|sha256|sha384|sha512)-(\w+)$/.exec(text);
  const group = match && DH_GROUPS[match[4] as keyof typeof DH_GROUPS];
  if (!match || !group) throw new RangeError(`unsupported IKE proposal "${text}"`);
  return {
    text,
    cipher: match[1] === '3des' ? '3des' : 'aes',
    keyBits: match[1] === '3des' ? 192 : Number(match[2]),
    hash: match[3] as HashName,
    group,
  };
}

/** ESP proposal keywords (strongSwan's) by integrity algorithm: RFC 4868 2.1 truncates the
 * SHA-2 HMACs to half their length. */
const ESP_INTEGRITY_BY_KEYWORD: Record<string, EspIntegrity> = {
  md5: 'hmac-md5-96',
  sha1: 'hmac-sha1-96',
  sha256: 'hmac-sha256-128',
  sha384: 'hmac-sha384-192',
  sha512: 'hmac-sha512-256',
};

export function parseEspProposal(text: string): EspProposal {
  const gcm = /^aes(128|256)gcm16$/.exec(text);
  if (gcm) return { text, encryption: 'aes-gcm-16', keyBits: Number(gcm[1]), integrity: 'none' };
  const cbc = /^(aes(128|192|256)|3des)-(md5|sha1|sha256|sha384|sha512)$/.exec(text);
  const integrity = cbc && ESP_INTEGRITY_BY_KEYWORD[cbc[3] ?? ''];
  if (!cbc || !integrity) throw new RangeError(`unsupported ESP proposal "${text}"`);
  return cbc[1] === '3des'
    ? { text, encryption: '3des-cbc', keyBits: 192, integrity }
    : { text, encryption: 'aes-cbc', keyBits: Number(cbc[2]), integrity };
}

/** Offers in profile order, one per DH group, each holding every proposal of that group. */
export function groupOffers(proposals: Phase1Proposal[]): Phase1Proposal[][] {
  const byGroup = new Map<number, Phase1Proposal[]>();
  for (const p of proposals) byGroup.set(p.group, [...(byGroup.get(p.group) ?? []), p]);
  return [...byGroup.values()];
}

/** RFC 2409 appendix A attributes of one phase 1 transform. Encryption-Algorithm goes before
 * Key-Length: some gateways reject the other order. */
export function phase1Attributes(
  p: Phase1Proposal,
  authMethod: number,
  lifetimeSeconds: number,
): DataAttribute[] {
  return [
    tv(
      Phase1Attr.EncryptionAlgorithm,
      p.cipher === 'aes' ? Phase1Encryption.AesCbc : Phase1Encryption.TripleDes,
    ),
    ...(p.cipher === 'aes' ? [tv(Phase1Attr.KeyLength, p.keyBits)] : []),
    tv(Phase1Attr.HashAlgorithm, PHASE1_HASH_IDS[p.hash]),
    tv(Phase1Attr.AuthenticationMethod, authMethod),
    tv(Phase1Attr.GroupDescription, p.group),
    tv(Phase1Attr.LifeType, LifeType.Seconds),
    tlvNumber(Phase1Attr.LifeDuration, lifetimeSeconds),
  ];
}

const AUTH_METHOD_IDS: Record<AuthMethodName, number> = {
  psk: AuthMethod.PreSharedKey,
  'xauth-psk': AuthMethod.XauthInitPreShared,
  'xauth-rsa': AuthMethod.XauthInitRsa,
  // an EC client key proposes its RFC 4754 method instead (app/engine/auth/signature.ts)
  certificate: AuthMethod.RsaSignature,
  hybrid: AuthMethod.HybridInitRsa,
};

export function phase1AuthMethodId(method: AuthMethodName): number {
  return AUTH_METHOD_IDS[method];
}

export function hashNameOf(id: number): HashName | undefined {
  return (Object.keys(PHASE1_HASH_IDS) as HashName[]).find((n) => PHASE1_HASH_IDS[n] === id);
}

const ESP_AUTH_IDS: Record<Exclude<EspIntegrity, 'none'>, number> = {
  'hmac-md5-96': Phase2Auth.HmacMd5,
  'hmac-sha1-96': Phase2Auth.HmacSha1,
  'hmac-sha256-128': Phase2Auth.HmacSha2_256,
  'hmac-sha384-192': Phase2Auth.HmacSha2_384,
  'hmac-sha512-256': Phase2Auth.HmacSha2_512,
};

export function espTransformId(p: EspProposal): number {
  if (p.encryption === 'aes-gcm-16') return EspTransformId.AesGcm16;
  return p.encryption === 'aes-cbc' ? EspTransformId.AesCbc : EspTransformId.TripleDes;
}

/** RFC 2407 4.5 attributes of one ESP transform. */
export function espAttributes(
  p: EspProposal,
  encapsulationMode: number,
  lifetime: { seconds: number; kilobytes?: number },
  pfsGroup: number | undefined,
): DataAttribute[] {
  return [
    tv(Phase2Attr.EncapsulationMode, encapsulationMode),
    ...(p.encryption === '3des-cbc' ? [] : [tv(Phase2Attr.KeyLength, p.keyBits)]),
    ...(p.integrity === 'none'
      ? []
      : [tv(Phase2Attr.AuthenticationAlgorithm, ESP_AUTH_IDS[p.integrity])]),
    ...(pfsGroup ? [tv(Phase2Attr.GroupDescription, pfsGroup)] : []),
    tv(Phase2Attr.LifeType, LifeType.Seconds),
    tlvNumber(Phase2Attr.LifeDuration, lifetime.seconds),
    ...(lifetime.kilobytes
      ? [
          tv(Phase2Attr.LifeType, LifeType.Kilobytes),
          tlvNumber(Phase2Attr.LifeDuration, lifetime.kilobytes),
        ]
      : []),
  ];
}

/** The ESP proposal a gateway chose, recognised from its transform. */
export function matchEspChoice(
  offered: EspProposal[],
  transformId: number,
  keyBits: number | undefined,
  authId: number | undefined,
): EspProposal | undefined {
  return offered.find(
    (p) =>
      espTransformId(p) === transformId &&
      (p.encryption === '3des-cbc' || p.keyBits === keyBits) &&
      (p.integrity === 'none' ? authId === undefined : ESP_AUTH_IDS[p.integrity] === authId),
  );
}
