// IKEv1 protocol numbers. Each table cites the section that defines it.

/** RFC 2408 3.1: ISAKMP header version, major 1 minor 0. */
export const ISAKMP_VERSION = 0x10;

/** RFC 2408 3.1: header flags. */
export const HeaderFlag = {
  Encryption: 0x01,
  Commit: 0x02,
  AuthenticationOnly: 0x04,
} as const;

/** RFC 2408 3.1 and RFC 2409 5 / draft-dukes-ike-mode-cfg 3.1: exchange types. */
export const ExchangeType = {
  IdentityProtection: 2,
  Aggressive: 4,
  Informational: 5,
  Transaction: 6,
  QuickMode: 32,
} as const;

/** RFC 2408 3.1; RFC 3947 3.1 (NAT-D 20, NAT-OA 21); draft-ietf-ipsec-nat-t-ike-02 (130, 131);
 * draft-dukes-ike-mode-cfg 3.2 (Attribute 14). */
export const PayloadType = {
  None: 0,
  SA: 1,
  Proposal: 2,
  Transform: 3,
  KeyExchange: 4,
  Identification: 5,
  Certificate: 6,
  CertificateRequest: 7,
  Hash: 8,
  Signature: 9,
  Nonce: 10,
  Notification: 11,
  Delete: 12,
  VendorId: 13,
  Attribute: 14,
  NatD: 20,
  NatOA: 21,
  NatDDraft: 130,
  NatOADraft: 131,
  Fragment: 132,
} as const;
export type PayloadTypeId = (typeof PayloadType)[keyof typeof PayloadType];

/** IKE fragment payload (132) flags, as Cisco's IKEv1 fragmentation defines them (no RFC; the
 * same values in strongSwan, racoon and Libreswan): the last fragment of a message says so. */
export const FragmentFlag = {
  Last: 0x01,
} as const;

/** RFC 2407 2.1: the IPsec Domain of Interpretation. */
export const DOI_IPSEC = 1;
/** RFC 2407 4.2: situation SIT_IDENTITY_ONLY. */
export const SIT_IDENTITY_ONLY = 1;

/** RFC 2407 4.4.1: protocol identifiers. */
export const ProtocolId = {
  Isakmp: 1,
  Ah: 2,
  Esp: 3,
  IpComp: 4,
} as const;

/** RFC 2407 4.4.2: ISAKMP transform KEY_IKE. */
export const TRANSFORM_KEY_IKE = 1;

/** RFC 2409 appendix A: phase 1 SA attribute classes. */
export const Phase1Attr = {
  EncryptionAlgorithm: 1,
  HashAlgorithm: 2,
  AuthenticationMethod: 3,
  GroupDescription: 4,
  GroupType: 5,
  LifeType: 11,
  LifeDuration: 12,
  Prf: 13,
  KeyLength: 14,
} as const;

/** RFC 2409 appendix A: encryption algorithm values. */
export const Phase1Encryption = {
  Des: 1,
  TripleDes: 5,
  /** RFC 3602 5 (IKE: "AES-CBC" = 7) */
  AesCbc: 7,
} as const;

/** RFC 2409 appendix A, RFC 4868 2.4 (SHA2 in IKEv1): hash algorithm values. */
export const Phase1Hash = {
  Md5: 1,
  Sha1: 2,
  Sha2_256: 4,
  Sha2_384: 5,
  Sha2_512: 6,
} as const;

/** RFC 2409 appendix A (1, 3); draft-ietf-ipsec-isakmp-xauth-06 7.1 (XAUTHInitPreShared 65001,
 * XAUTHInitRSA 65005); draft-ietf-ipsec-isakmp-hybrid-auth 3.2.1 (HybridInitRSA 64221). */
export const AuthMethod = {
  PreSharedKey: 1,
  RsaSignature: 3,
  /** RFC 4754 4: ECDSA with SHA-256 on P-256, SHA-384 on P-384, SHA-512 on P-521 */
  EcdsaSha256: 9,
  EcdsaSha384: 10,
  EcdsaSha521: 11,
  HybridInitRsa: 64221,
  XauthInitPreShared: 65001,
  XauthInitRsa: 65005,
} as const;

/** RFC 2408 3.9: certificate encodings of the CERT and CR payloads. */
export const CertEncoding = {
  X509Signature: 4,
} as const;

/** RFC 2409 appendix A / RFC 2407 4.5: life type values (phase 1 and phase 2 share them). */
export const LifeType = {
  Seconds: 1,
  Kilobytes: 2,
} as const;

/** RFC 2407 4.5: IPsec SA attribute classes. */
export const Phase2Attr = {
  LifeType: 1,
  LifeDuration: 2,
  GroupDescription: 3,
  EncapsulationMode: 4,
  AuthenticationAlgorithm: 5,
  KeyLength: 6,
  KeyRounds: 7,
} as const;

/** RFC 2407 4.5 (1, 2); RFC 3947 5.1 (3, 4); draft-ietf-ipsec-nat-t-ike-02 (61443, 61444). */
export const EncapsulationMode = {
  Tunnel: 1,
  Transport: 2,
  UdpTunnel: 3,
  UdpTransport: 4,
  UdpTunnelDraft: 61443,
  UdpTransportDraft: 61444,
} as const;

/** RFC 2407 4.5; RFC 4868 2.4 (SHA2 values 5..7). */
export const Phase2Auth = {
  HmacMd5: 1,
  HmacSha1: 2,
  HmacSha2_256: 5,
  HmacSha2_384: 6,
  HmacSha2_512: 7,
} as const;

/** RFC 2407 4.4.4; RFC 4106 5 (AES-GCM 18/19/20 = ICV 8/12/16 bytes). */
export const EspTransformId = {
  Des: 2,
  TripleDes: 3,
  Null: 11,
  AesCbc: 12,
  AesGcm8: 18,
  AesGcm12: 19,
  AesGcm16: 20,
} as const;

/** RFC 2407 4.6.2.1: identification types. */
export const IdType = {
  Ipv4Addr: 1,
  Fqdn: 2,
  UserFqdn: 3,
  Ipv4AddrSubnet: 4,
  Ipv6Addr: 5,
  Ipv6AddrSubnet: 6,
  Ipv4AddrRange: 7,
  DerAsn1Dn: 9,
  KeyId: 11,
} as const;

/** RFC 2408 3.14.1 (errors 1..30), RFC 2407 4.6.3 (24576..), RFC 3706 (DPD). */
export const NotifyType = {
  InvalidPayloadType: 1,
  DoiNotSupported: 2,
  SituationNotSupported: 3,
  InvalidCookie: 4,
  InvalidMajorVersion: 5,
  InvalidMinorVersion: 6,
  InvalidExchangeType: 7,
  InvalidFlags: 8,
  InvalidMessageId: 9,
  InvalidProtocolId: 10,
  InvalidSpi: 11,
  InvalidTransformId: 12,
  AttributesNotSupported: 13,
  NoProposalChosen: 14,
  BadProposalSyntax: 15,
  PayloadMalformed: 16,
  InvalidKeyInformation: 17,
  InvalidIdInformation: 18,
  InvalidCertEncoding: 19,
  InvalidCertificate: 20,
  CertTypeUnsupported: 21,
  InvalidCertAuthority: 22,
  InvalidHashInformation: 23,
  AuthenticationFailed: 24,
  InvalidSignature: 25,
  AddressNotification: 26,
  NotifySaLifetime: 27,
  CertificateUnavailable: 28,
  UnsupportedExchangeType: 29,
  UnequalPayloadLengths: 30,
  ResponderLifetime: 24576,
  ReplayStatus: 24577,
  InitialContact: 24578,
  DpdRUThere: 36136,
  DpdRUThereAck: 36137,
  /** Cisco load balancing (ASA clusters; strongSwan's UNITY_LOAD_BALANCE): in an
   * informational exchange, the data is the IPv4 address of the member to connect to */
  CiscoLoadBalance: 40501,
} as const;

/** draft-dukes-ike-mode-cfg 3.2: Attribute payload message types. */
export const CfgType = {
  Request: 1,
  Reply: 2,
  Set: 3,
  Ack: 4,
} as const;

// Mode Config and Unity attribute types: declared with what they mean in app/shared.
export {
  ModeCfgAttr,
  UNITY_SPLIT_ENTRY_LENGTH,
  UnityAttr,
} from '../../shared/mode-config-attributes.js';

// XAuth attribute types and values: declared with the fields they carry in app/shared.
export { XauthAttr, XauthStatus, XauthType } from '../../shared/xauth-fields.js';

/** RFC 3948 2.2: the four zero bytes that mark IKE on the NAT-T port. */
export const NON_ESP_MARKER = Buffer.alloc(4);
/** RFC 3948 2.3: NAT-keepalive packet is the single octet 0xFF. */
export const NAT_KEEPALIVE = Buffer.from([0xff]);

/** RFC 2408 3.1 header is 28 bytes; 3.2 generic payload header is 4 bytes. */
export const ISAKMP_HEADER_LENGTH = 28;
export const GENERIC_PAYLOAD_HEADER_LENGTH = 4;
