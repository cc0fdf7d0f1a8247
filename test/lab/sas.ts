// Parses `swanctl --list-sas --pretty`: swanctl prints each vici message as an indented tree
// ("key = value", "name {", "key = [" ... "]"), one element per line, values verbatim to the
// end of the line, so values with spaces survive (unlike --raw).

export interface ViciSection {
  [key: string]: ViciValue;
}
export type ViciValue = string | string[] | ViciSection;

/** One top-level message of a swanctl dump, e.g. name "list-sa event". */
export interface ViciMessage {
  name: string;
  body: ViciSection;
}

export function parseViciDump(text: string): ViciMessage[] {
  const messages: ViciMessage[] = [];
  const stack: ViciSection[] = [];
  let list: string[] | undefined;
  const lines = text.split('\n');
  lines.forEach((rawLine, index) => {
    const line = rawLine.trim();
    const fail = (why: string): never => {
      throw new Error(`swanctl output line ${index + 1} (${JSON.stringify(rawLine)}): ${why}`);
    };
    if (line === '') return;
    if (list) {
      if (line === ']') list = undefined;
      else list.push(line);
      return;
    }
    const current = stack[stack.length - 1];
    const keyValue = /^(\S+) = (.*)$/.exec(line);
    if (keyValue) {
      const [, key = '', value = ''] = keyValue;
      if (!current) return fail('value outside any message');
      if (value === '[') current[key] = list = [];
      else current[key] = value;
    } else if (line.endsWith(' {') || line === '{') {
      const name = line.slice(0, -1).trim();
      const section: ViciSection = {};
      if (current) current[name] = section;
      else messages.push({ name, body: section });
      stack.push(section);
    } else if (line === '}') {
      if (!stack.pop()) fail('unbalanced }');
    } else {
      fail('not a vici element');
    }
  });
  if (stack.length > 0 || list) throw new Error('swanctl output ended inside a section or list');
  return messages;
}

/** Negotiated algorithms, named as strongSwan prints them (AES_CBC, HMAC_SHA1_96, MODP_2048). */
export interface SaAlgorithms {
  encrAlg: string | undefined;
  encrKeysize: number | undefined;
  integAlg: string | undefined;
  /** Phase 1 group; for a child SA the PFS group of its Quick Mode, if any. */
  dhGroup: string | undefined;
}

export interface ChildSa extends SaAlgorithms {
  /** Key in child-sas, e.g. "lab-3" (name plus unique id). */
  key: string;
  name: string;
  uniqueId: number;
  reqid: number;
  /** INSTALLED, REKEYING, REKEYED, DELETING, ... */
  state: string;
  mode: string;
  protocol: string;
  /** ESP in UDP (RFC 3948). */
  encap: boolean;
  /** Hex SPI the gateway receives on (the client's outbound SPI). */
  spiIn: string;
  /** Hex SPI the gateway sends with (the client's inbound SPI). */
  spiOut: string;
  bytesIn: number;
  packetsIn: number;
  bytesOut: number;
  packetsOut: number;
  /** Seconds since the last inbound / outbound packet; undefined before the first. */
  useInSeconds: number | undefined;
  useOutSeconds: number | undefined;
  rekeySeconds: number | undefined;
  lifeSeconds: number | undefined;
  installSeconds: number | undefined;
  /** Gateway-side traffic selectors (the protected networks). */
  localTs: string[];
  /** Client-side traffic selectors (its virtual IP). */
  remoteTs: string[];
  raw: ViciSection;
}

export interface IkeSa extends SaAlgorithms {
  /** Connection name in swanctl.conf. */
  name: string;
  uniqueId: number;
  version: number;
  /** CONNECTING, ESTABLISHED, DELETING, ... */
  state: string;
  localHost: string;
  localPort: number;
  localId: string;
  remoteHost: string;
  remotePort: number;
  /** The client's phase 1 identity (the group name for ID_KEY_ID). */
  remoteId: string;
  /** The XAuth user name, once XAuth succeeded. */
  remoteXauthId: string | undefined;
  initiator: boolean;
  initiatorSpi: string;
  responderSpi: string;
  natLocal: boolean;
  natRemote: boolean;
  prfAlg: string | undefined;
  establishedSeconds: number | undefined;
  rekeySeconds: number | undefined;
  reauthSeconds: number | undefined;
  /** Virtual IPs assigned to the client from the pool. */
  remoteVips: string[];
  childSas: ChildSa[];
  raw: ViciSection;
}

function text(section: ViciSection, key: string): string | undefined {
  const value = section[key];
  return typeof value === 'string' ? value : undefined;
}

function number(section: ViciSection, key: string): number | undefined {
  const value = text(section, key);
  return value === undefined ? undefined : Number(value);
}

function flag(section: ViciSection, key: string): boolean {
  return text(section, key) === 'yes';
}

function strings(section: ViciSection, key: string): string[] {
  const value = section[key];
  return Array.isArray(value) ? value : [];
}

function isSection(value: ViciValue | undefined): value is ViciSection {
  return typeof value === 'object' && !Array.isArray(value);
}

/** The named subsections of a section value (e.g. the IKE SAs of a message, the child-sas). */
function sections(value: ViciValue | undefined): [string, ViciSection][] {
  return isSection(value)
    ? Object.entries(value).filter((e): e is [string, ViciSection] => isSection(e[1]))
    : [];
}

function algorithms(s: ViciSection): SaAlgorithms {
  return {
    encrAlg: text(s, 'encr-alg'),
    encrKeysize: number(s, 'encr-keysize'),
    integAlg: text(s, 'integ-alg'),
    dhGroup: text(s, 'dh-group'),
  };
}

function childSa(key: string, s: ViciSection): ChildSa {
  return {
    key,
    name: text(s, 'name') ?? key,
    uniqueId: number(s, 'uniqueid') ?? 0,
    reqid: number(s, 'reqid') ?? 0,
    state: text(s, 'state') ?? 'UNKNOWN',
    mode: text(s, 'mode') ?? '',
    protocol: text(s, 'protocol') ?? '',
    encap: flag(s, 'encap'),
    spiIn: text(s, 'spi-in') ?? '',
    spiOut: text(s, 'spi-out') ?? '',
    ...algorithms(s),
    bytesIn: number(s, 'bytes-in') ?? 0,
    packetsIn: number(s, 'packets-in') ?? 0,
    bytesOut: number(s, 'bytes-out') ?? 0,
    packetsOut: number(s, 'packets-out') ?? 0,
    useInSeconds: number(s, 'use-in'),
    useOutSeconds: number(s, 'use-out'),
    rekeySeconds: number(s, 'rekey-time'),
    lifeSeconds: number(s, 'life-time'),
    installSeconds: number(s, 'install-time'),
    localTs: strings(s, 'local-ts'),
    remoteTs: strings(s, 'remote-ts'),
    raw: s,
  };
}

function ikeSa(name: string, s: ViciSection): IkeSa {
  return {
    name,
    uniqueId: number(s, 'uniqueid') ?? 0,
    version: number(s, 'version') ?? 0,
    state: text(s, 'state') ?? 'UNKNOWN',
    localHost: text(s, 'local-host') ?? '',
    localPort: number(s, 'local-port') ?? 0,
    localId: text(s, 'local-id') ?? '',
    remoteHost: text(s, 'remote-host') ?? '',
    remotePort: number(s, 'remote-port') ?? 0,
    remoteId: text(s, 'remote-id') ?? '',
    remoteXauthId: text(s, 'remote-xauth-id'),
    initiator: flag(s, 'initiator'),
    initiatorSpi: text(s, 'initiator-spi') ?? '',
    responderSpi: text(s, 'responder-spi') ?? '',
    natLocal: flag(s, 'nat-local'),
    natRemote: flag(s, 'nat-remote'),
    ...algorithms(s),
    prfAlg: text(s, 'prf-alg'),
    establishedSeconds: number(s, 'established'),
    rekeySeconds: number(s, 'rekey-time'),
    reauthSeconds: number(s, 'reauth-time'),
    remoteVips: strings(s, 'remote-vips'),
    childSas: sections(s['child-sas']).map(([key, child]) => childSa(key, child)),
    raw: s,
  };
}

/** The IKE SAs (with their child SAs) in `swanctl --list-sas --pretty` output. */
export function parseListSas(text: string): IkeSa[] {
  return parseViciDump(text)
    .filter((m) => m.name === 'list-sa event')
    .flatMap((m) => sections(m.body))
    .map(([name, body]) => ikeSa(name, body));
}

/** One line per SA, for error messages. */
export function describeSas(sas: readonly IkeSa[]): string {
  if (sas.length === 0) return 'no SAs';
  return sas
    .map((sa) => {
      const children = sa.childSas
        .map(
          (c) =>
            `${c.key} ${c.state} in ${c.spiIn} ${c.packetsIn}p out ${c.spiOut} ${c.packetsOut}p`,
        )
        .join(', ');
      return `${sa.name}#${sa.uniqueId} ${sa.state} ${sa.remoteId}@${sa.remoteHost}:${sa.remotePort} xauth=${sa.remoteXauthId ?? '-'} vips=${sa.remoteVips.join(',') || '-'} [${children}]`;
    })
    .join('; ');
}
