// What a test may vary about the lab's head-end, with the defaults a Cisco-style
// remote-access gateway would have. Resolved once; the config generator sees only resolved values.
import { DNS_NAME } from '../../app/shared/mode-config-attributes.js';

export interface LabUser {
  name: string;
  password: string;
  /** RADIUS only (xauthRadius): a token user. Instead of the password, the lab's RADIUS server
   * accepts each of these codes once, as a token server does; a code used before is rejected. */
  oneTimeCodes?: string[];
}

/** PEM files of a test PKI (test/lab/pki.ts), absolute paths: swanctl loads them from there. */
export interface LabPki {
  caCert: string;
  gatewayCert: string;
  gatewayKey: string;
}

/** XAuth types strongSwan's eap-radius backend can ask for (strongswan.conf(5)
 * charon.plugins.eap-radius.xauth), each one XAuth attribute (draft-ietf-ipsec-isakmp-xauth-06
 * 6.1): password XAUTH_USER_PASSWORD, passcode XAUTH_PASSCODE, nextpin XAUTH_NEXT_PIN, answer
 * XAUTH_ANSWER. */
export const XAUTH_RADIUS_TYPES = ['password', 'passcode', 'nextpin', 'answer'] as const;

/** One XAuth round of the RADIUS backend: the attribute it asks for and the XAUTH_MESSAGE sent
 * with it ('' sends none). */
export interface XauthRadiusRound {
  type: (typeof XAUTH_RADIUS_TYPES)[number];
  message: string;
}

export interface LabOptions {
  /** Phase 1 authentication: the group key (default); certificates both ways, then XAuth
   * (xauth-rsa); certificates alone (certificate: RSA, or ECDSA with an EC PKI, which strongSwan
   * takes only without XAuth); or hybrid, the gateway's certificate and the user's XAuth. The
   * certificate methods need `pki`. */
  auth?: 'psk' | 'xauth-rsa' | 'certificate' | 'hybrid';
  /** the gateway's certificate and key, and the CA it accepts client certificates from */
  pki?: LabPki;
  /** Phase 1 exchange the connection takes (RFC 2409 5): aggressive (Cisco-style, default) or
   * main; the client's group name stays its ID_KEY_ID either way. */
  exchange?: 'aggressive' | 'main';
  /** Phase 1 proposals in swanctl syntax ('aes256-sha256-modp2048'); the gateway prefers them in order. */
  ikeProposals?: string[];
  /** Quick Mode proposals in swanctl syntax ('aes256gcm16', 'aes128-sha1-modp2048' = with PFS). */
  espProposals?: string[];
  /** The IPsec group name: aggressive-mode ID_KEY_ID of the client. */
  group?: string;
  /** The group pre-shared key. */
  groupPsk?: string;
  /** XAuth users the gateway accepts. */
  users?: LabUser[];
  /** Idle time before the gateway sends R-U-THERE (RFC 3706); 0 disables DPD. */
  dpdDelaySeconds?: number;
  /** How long the gateway waits for R-U-THERE-ACK before clearing the SAs (strongSwan `dpd_timeout`, IKEv1 only). */
  dpdTimeoutSeconds?: number;
  /**
   * Gateway IKE SA lifetime. strongSwan has no IKEv1 phase 1 rekey: this becomes `reauth_time`
   * (the gateway re-authenticates or drops the SA when it expires).
   */
  ikeLifetimeSeconds?: number;
  /** Hard lifetime of the ESP SAs (`life_time`); the lifetime the gateway accepts in Quick Mode. */
  childLifetimeSeconds?: number;
  /**
   * When the gateway itself rekeys the ESP SAs (`rekey_time`). Defaults to 90 % of
   * childLifetimeSeconds when that is set; 0 makes the gateway leave rekeying to the client.
   */
  childRekeySeconds?: number;
  /** false: the connection has no address pool (strongSwan refuses a pool without addresses),
   * as a gateway without a pool for the group: Mode Config gives the client no address. */
  addressPool?: boolean;
  /** How the gateway hands out Mode Config (draft-dukes-ike-mode-cfg 3.2): 'pull' answers the
   * client's CFG_REQUEST (default); 'push' sends a CFG_SET after XAuth (swanctl `pull = no`). */
  modeConfig?: 'pull' | 'push';
  /** Unity split tunnel to the LAN (default); false = full tunnel (local_ts 0.0.0.0/0, no split-include). */
  splitInclude?: boolean;
  /** IPv6 inside the tunnel: 'pool' adds an IPv6 address pool (INTERNAL_IP6_ADDRESS and the
   * LAN's IPv6 DNS server), 'pool-and-policy' also the IPv6 traffic selector (the LAN's IPv6
   * network with splitInclude, else ::/0), without which the gateway refuses an IPv6 Quick Mode;
   * 'off' (default): IPv4 only. */
  ipv6Tunnel?: 'off' | 'pool' | 'pool-and-policy';
  /** Unity SAVE_PASSWD (28673). strongSwan can only send non-NUL bytes: true sends a 1-byte value 1, false sends nothing. */
  savePassword?: boolean;
  /** Unity PFS (28679): tells the client to use PFS in Quick Mode. Same encoding limits as savePassword. */
  pfsUnity?: boolean;
  /** Unity BANNER (28672). */
  banner?: string;
  /** Unity DEF_DOMAIN (28674). */
  domain?: string;
  /**
   * More pool attributes, by Mode Config type number (draft-dukes-ike-mode-cfg 3.3; Unity from
   * 28672). strongSwan sends a value that parses as an IPv4 address as its 4 bytes, anything
   * else as the string's bytes: '0.0.0.0' is thus a 4-byte 0, the only way to say "no" (e.g.
   * SAVE_PASSWD) since settings cannot carry NUL. A type another option already sends is refused.
   */
  extraAttributes?: Record<number, string>;
  /** Unity BACKUP_SERVERS (28681): gateways the client may try when this one does not answer,
   * IPv4 addresses or DNS names. Sent as one text value, the entries space-separated (a
   * swanctl list would make one attribute per entry); at least two, since strongSwan would send
   * a lone IPv4 address as its 4 bytes. [] (default) sends nothing. */
  backupServers?: string[];
  /** IKE fragmentation (swanctl `fragmentation`): 'yes' (strongSwan's default) fragments large
   * phase 1 messages for a client that announced the fragmentation vendor ID; 'no' never does. */
  fragmentation?: 'yes' | 'no';
  /** The largest IP datagram of an IKE fragment the gateway sends (charon.fragment_size;
   * strongSwan's default 1280). */
  fragmentSize?: number;
  /** Which of the gateway's addresses the client is given (Lab.gatewayAddress): 4 (default,
   * LAB_ADDRESSES.gateway) or 6 (LAB_ADDRESSES6.gateway, IKE and ESP over IPv6). The gateway
   * listens on both; its ID is the address of this family (ID_IPV4_ADDR or ID_IPV6_ADDR). */
  gatewayFamily?: 4 | 6;
  /** XAuth through RADIUS instead of xauth-generic (swanctl `xauth-radius:<profile>`): strongSwan
   * asks one XAuth exchange per round, in order (each type at most once: they are the profile's
   * keys), username with the first, and sends every answer concatenated as the RADIUS
   * User-Password to the lab's RADIUS server (radius.ts) in the gw namespace, which accepts a
   * user of `users` whose password is that concatenation. Lab.radiusRequests lists what it got. */
  xauthRadius?: XauthRadiusRound[];
}

type UnsetByDefault =
  'childRekeySeconds' | 'ikeLifetimeSeconds' | 'childLifetimeSeconds' | 'pki' | 'xauthRadius';
export type ResolvedLabOptions = Required<Omit<LabOptions, UnsetByDefault>> &
  Pick<LabOptions, UnsetByDefault>;

export const DEFAULT_IKE_PROPOSALS = [
  'aes256-sha256-modp2048',
  'aes128-sha256-modp2048',
  'aes256-sha1-modp2048',
  'aes128-sha1-modp2048',
  'aes256-sha384-modp2048',
  'aes256-sha256-ecp256',
  'aes128-sha256-ecp256',
  'aes256-sha384-ecp384',
  'aes256-sha1-modp1536',
  'aes256-sha1-modp1024',
  'aes128-sha1-modp1024',
  '3des-sha1-modp1024',
  '3des-md5-modp1024',
  // RFC 3526 5-6 and RFC 5903 3.3, last: a main-mode offer that also holds a smaller group
  // still gets the one it got before
  'aes256-sha512-modp6144',
  'aes256-sha512-modp8192',
  'aes256-sha384-ecp521',
];

export const DEFAULT_ESP_PROPOSALS = [
  'aes256gcm16',
  'aes128gcm16',
  'aes256-sha256',
  'aes128-sha256',
  // RFC 4868: HMAC-SHA-384-192 and HMAC-SHA-512-256
  'aes256-sha384',
  'aes256-sha512',
  'aes256-sha1',
  'aes128-sha1',
  '3des-sha1',
  '3des-md5',
  // with PFS: a Quick Mode KE payload must match one of these groups
  'aes256gcm16-modp2048',
  'aes256-sha256-modp2048',
  'aes128-sha1-modp2048',
  'aes128-sha1-modp1024',
  '3des-sha1-modp1024',
  '3des-md5-modp1024',
  'aes256-sha256-modp6144',
  'aes256-sha256-modp8192',
  'aes256-sha256-ecp521',
];

export const LAB_DEFAULTS: ResolvedLabOptions = {
  exchange: 'aggressive',
  auth: 'psk',
  ikeProposals: DEFAULT_IKE_PROPOSALS,
  espProposals: DEFAULT_ESP_PROPOSALS,
  group: 'labgroup',
  groupPsk: 'lab-group-secret',
  users: [{ name: 'alice', password: 'alice-secret' }],
  dpdDelaySeconds: 30,
  dpdTimeoutSeconds: 90,
  addressPool: true,
  modeConfig: 'pull',
  splitInclude: true,
  ipv6Tunnel: 'off',
  savePassword: false,
  pfsUnity: false,
  banner: 'Welcome to the IKEv1 lab gateway (authorised users only)',
  domain: 'corp.lab.example',
  extraAttributes: {},
  backupServers: [],
  fragmentation: 'yes',
  fragmentSize: 1280,
  gatewayFamily: 4,
};

// One swanctl proposal: algorithm keywords joined by '-', nothing that could break the config syntax.
const PROPOSAL = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** Fills in defaults and rejects values that would produce a broken or misleading config. */
export function resolveLabOptions(options: LabOptions = {}): ResolvedLabOptions {
  const resolved: ResolvedLabOptions = { ...LAB_DEFAULTS };
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined) Object.assign(resolved, { [key]: value });
  }
  for (const [what, list] of [
    ['ikeProposals', resolved.ikeProposals],
    ['espProposals', resolved.espProposals],
  ] as const) {
    if (list.length === 0) throw new Error(`lab option ${what} is empty`);
    const bad = list.find((p) => !PROPOSAL.test(p));
    if (bad !== undefined)
      throw new Error(`lab option ${what}: '${bad}' is not a swanctl proposal`);
  }
  if (resolved.auth !== 'psk' && !resolved.pki)
    throw new Error(`lab option auth ${resolved.auth} needs the pki option`);
  if (resolved.users.length === 0) throw new Error('lab option users is empty');
  if (new Set(resolved.users.map((u) => u.name)).size !== resolved.users.length) {
    throw new Error('lab option users has duplicate names');
  }
  for (const [what, seconds] of [
    ['dpdDelaySeconds', resolved.dpdDelaySeconds],
    ['dpdTimeoutSeconds', resolved.dpdTimeoutSeconds],
    ['ikeLifetimeSeconds', resolved.ikeLifetimeSeconds],
    ['childLifetimeSeconds', resolved.childLifetimeSeconds],
    ['childRekeySeconds', resolved.childRekeySeconds],
  ] as const) {
    if (seconds !== undefined && !(Number.isInteger(seconds) && seconds >= 0)) {
      throw new Error(`lab option ${what} must be a whole number of seconds >= 0, got ${seconds}`);
    }
  }
  for (const type of Object.keys(resolved.extraAttributes)) {
    // 15 bits: the top bit of a data attribute's type is its format flag (RFC 2408 3.3)
    if (!/^[1-9]\d*$/.test(type) || Number(type) > 0x7fff)
      throw new Error(`lab option extraAttributes: '${type}' is not an attribute type 1..32767`);
  }
  checkBackupServers(resolved.backupServers);
  // RFC 791: 68 bytes is the least MTU; below it a fragment holds no data
  if (!Number.isInteger(resolved.fragmentSize) || resolved.fragmentSize < 68)
    throw new Error(
      `lab option fragmentSize must be a whole number >= 68, got ${resolved.fragmentSize}`,
    );
  if (resolved.gatewayFamily !== 4 && resolved.gatewayFamily !== 6)
    throw new Error(
      `lab option gatewayFamily must be 4 or 6, got ${String(resolved.gatewayFamily)}`,
    );
  checkXauthRadius(resolved.xauthRadius);
  const { childLifetimeSeconds: life, childRekeySeconds: rekey } = resolved;
  if (life !== undefined && rekey !== undefined && rekey >= life) {
    throw new Error(
      `lab option childRekeySeconds (${rekey}) must be below childLifetimeSeconds (${life})`,
    );
  }
  return resolved;
}

function checkBackupServers(servers: string[]): void {
  if (servers.length === 1)
    throw new Error('lab option backupServers: list two or more (one address would go as 4 bytes)');
  const bad = servers.find((s) => !DNS_NAME.test(s));
  if (bad !== undefined)
    throw new Error(`lab option backupServers: '${bad}' is not an IPv4 address or DNS name`);
}

function checkXauthRadius(rounds: XauthRadiusRound[] | undefined): void {
  if (rounds === undefined) return;
  if (rounds.length === 0) throw new Error('lab option xauthRadius is empty');
  const bad = rounds.find((r) => !(XAUTH_RADIUS_TYPES as readonly string[]).includes(r.type));
  if (bad)
    throw new Error(
      `lab option xauthRadius: '${bad.type}' is not one of ${XAUTH_RADIUS_TYPES.join(', ')}`,
    );
  if (new Set(rounds.map((r) => r.type)).size !== rounds.length)
    throw new Error('lab option xauthRadius names a type twice (strongSwan keys rounds by type)');
}
