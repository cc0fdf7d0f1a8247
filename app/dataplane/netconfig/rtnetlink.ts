// The rtnetlink requests (RFC 3549; linux/rtnetlink.h) the built-in configurator makes while a
// connect waits for it: the same messages `ip` sends for `link set`, `addr add`, `route add`,
// `route get` and `route show exact`, through the addon rather than a spawned `ip`, whose fork of
// this large process blocks the event loop for milliseconds. The undo stays with `ip` (journal).
import { addressBytes } from '../../shared/address-bytes.js';
import { type Ipv4Net, intToIpv4 } from '../../shared/net.js';
import { bytesToIpv6, isIpv6 } from '../../shared/net6.js';
import { loadTunAddon } from '../tun/native-addon.js';
import type { OriginalPath } from './route-plan.js';

// linux/rtnetlink.h, linux/netlink.h, linux/if_link.h, linux/if_addr.h
const RTM_NEWLINK = 16;
const RTM_GETLINK = 18;
const RTM_NEWADDR = 20;
const RTM_NEWROUTE = 24;
const RTM_GETROUTE = 26;
const NLM_F_REQUEST = 0x1;
const NLM_F_ACK = 0x4;
const NLM_F_DUMP = 0x300;
const NLM_F_EXCL = 0x200;
const NLM_F_CREATE = 0x400;
const NLMSG_HEADER = 16;
/** below it the netlink control messages: NOOP, ERROR, DONE, OVERRUN */
const NLMSG_MIN_TYPE = 0x10;
/** nlattr: length, type */
const NLA_HEADER = 4;
const AF_UNSPEC = 0;
const AF_INET = 2;
const AF_INET6 = 10;
const IFF_UP = 0x1;
const IFLA_IFNAME = 3;
const IFLA_MTU = 4;
const IFA_ADDRESS = 1;
const IFA_LOCAL = 2;
const RTA_DST = 1;
const RTA_OIF = 4;
const RTA_GATEWAY = 5;
const RTA_TABLE = 15;
const RT_TABLE_MAIN = 254;
const RTPROT_BOOT = 3;
const RT_SCOPE_UNIVERSE = 0;
const RT_SCOPE_LINK = 253;
const RTN_UNICAST = 1;
const RTN_LOCAL = 2;
const RTN_UNREACHABLE = 7;
/** ifinfomsg: family, pad, type, index, flags, change */
const IFINFOMSG = 16;
/** rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type, flags */
const RTMSG = 12;

interface Message {
  /** the fixed header (ifinfomsg, rtmsg, ...) */
  body: Buffer;
  attributes: Map<number, Buffer>;
}

export interface LinkState {
  index: number;
  mtu: number;
  up: boolean;
}

/** How a destination leaves the host (`ip route get`); `local` when it is one of ours. */
export interface RouteLookup extends OriginalPath {
  local: boolean;
}

export class Rtnetlink {
  /** Interface indexes by name, from every answer that names one: a change then costs one
   * request, not a lookup first. An instance serves one set-up, during which the TUN and the
   * devices of the original routes keep their indexes. */
  private readonly indexes = new Map<string, number>();

  /** `netns`: the named network namespace to work in, as with `ip -n`; this process's if absent */
  constructor(private readonly netns: string | undefined) {}

  /** `ip link show dev <name>` */
  link(name: string): LinkState {
    const [reply] = this.request(RTM_GETLINK, NLM_F_ACK, ifinfo(0, 0, 0), [
      [IFLA_IFNAME, cString(name)],
    ]);
    if (reply === undefined) throw new Error(`no answer about ${name}`);
    const index = reply.body.readInt32LE(4);
    this.indexes.set(name, index);
    return {
      index,
      mtu: u32Attribute(reply, IFLA_MTU) ?? 0,
      up: (reply.body.readUInt32LE(8) & IFF_UP) !== 0,
    };
  }

  /** `ip link set dev <name> mtu <mtu> up` */
  setLinkUp(name: string, mtu: number): void {
    const index = this.indexOf(name);
    this.request(RTM_NEWLINK, NLM_F_ACK, ifinfo(index, IFF_UP, IFF_UP), [[IFLA_MTU, u32(mtu)]]);
  }

  /** `ip addr add <address>/<prefix> dev <dev>` (IPv4 or IPv6) */
  addAddress(dev: string, address: string, prefix: number): void {
    const body = Buffer.alloc(8);
    body.writeUInt8(familyOf(address), 0);
    body.writeUInt8(prefix, 1);
    body.writeUInt32LE(this.indexOf(dev), 4);
    const ip = addressBuffer(address);
    this.request(RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, body, [
      [IFA_LOCAL, ip],
      [IFA_ADDRESS, ip],
    ]);
  }

  /** `ip route add <network> [via <gateway>] dev <dev>`: main table, proto boot, scope link
   * without a gateway, failing when the route exists; IPv4 or IPv6 by the network's address */
  addRoute(network: Ipv4Net, path: OriginalPath): void {
    const body = rtmsg(
      network.prefix,
      {
        table: RT_TABLE_MAIN,
        protocol: RTPROT_BOOT,
        scope: path.gateway === undefined ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE,
        type: RTN_UNICAST,
      },
      familyOf(network.address),
    );
    this.request(RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, body, [
      [RTA_DST, addressBuffer(network.address)],
      ...(path.gateway === undefined ? [] : [[RTA_GATEWAY, addressBuffer(path.gateway)] as const]),
      [RTA_OIF, u32(this.indexOf(path.dev))],
    ]);
  }

  /** `ip route add unreachable <network>` for IPv6, the network as its 16 address bytes. */
  addUnreachableIpv6(address: Buffer, prefix: number): void {
    const body = rtmsg(
      prefix,
      {
        table: RT_TABLE_MAIN,
        protocol: RTPROT_BOOT,
        scope: RT_SCOPE_UNIVERSE,
        type: RTN_UNREACHABLE,
      },
      AF_INET6,
    );
    this.request(RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, body, [[RTA_DST, address]]);
  }

  /** `ip route get <address>` (IPv4 or IPv6) */
  routeGet(address: string): RouteLookup {
    const bytes = addressBuffer(address);
    const [reply] = this.request(
      RTM_GETROUTE,
      NLM_F_ACK,
      rtmsg(bytes.length * 8, undefined, familyOf(address)),
      [[RTA_DST, bytes]],
    );
    const oif = reply === undefined ? undefined : u32Attribute(reply, RTA_OIF);
    if (reply === undefined || oif === undefined) throw new Error(`no route answer for ${address}`);
    const gateway = addressAttribute(reply, RTA_GATEWAY);
    return {
      local: reply.body.readUInt8(7) === RTN_LOCAL,
      dev: this.linkName(oif),
      ...(gateway === undefined ? {} : { gateway }),
    };
  }

  /** The main table's destinations of both families from one dump: `has(network)` is `ip route
   * show exact <network>` (a route for exactly that network), for several questions at once. */
  mainTable(): { has(network: Ipv4Net): boolean } {
    const destinations = new Set<string>();
    for (const route of this.request(
      RTM_GETROUTE,
      NLM_F_DUMP,
      rtmsg(0, undefined, AF_UNSPEC),
      [],
    )) {
      const table = u32Attribute(route, RTA_TABLE) ?? route.body.readUInt8(4);
      if (table !== RT_TABLE_MAIN) continue;
      const any = route.body.readUInt8(0) === AF_INET6 ? '::' : '0.0.0.0';
      const dst = addressAttribute(route, RTA_DST) ?? any;
      destinations.add(`${dst}/${route.body.readUInt8(1)}`);
    }
    return {
      has: (network) =>
        destinations.has(`${addressText(addressBuffer(network.address))}/${network.prefix}`),
    };
  }

  private indexOf(name: string): number {
    return this.indexes.get(name) ?? this.link(name).index;
  }

  private linkName(index: number): string {
    const [reply] = this.request(RTM_GETLINK, NLM_F_ACK, ifinfo(index, 0, 0), []);
    const bytes = reply?.attributes.get(IFLA_IFNAME);
    if (bytes === undefined) throw new Error(`no name for interface ${index}`);
    const name = bytes
      .subarray(0, bytes.indexOf(0) === -1 ? bytes.length : bytes.indexOf(0))
      .toString();
    this.indexes.set(name, index);
    return name;
  }

  /** One request; the answer's messages other than the ack / end of dump. */
  private request(
    type: number,
    flags: number,
    body: Buffer,
    attributes: readonly (readonly [number, Buffer])[],
  ): Message[] {
    const payload = Buffer.concat([
      body,
      ...attributes.map(([kind, value]) => attribute(kind, value)),
    ]);
    const header = Buffer.alloc(NLMSG_HEADER);
    header.writeUInt32LE(NLMSG_HEADER + payload.length, 0);
    header.writeUInt16LE(type, 4);
    header.writeUInt16LE(NLM_F_REQUEST | flags, 6);
    header.writeUInt32LE(1, 8);
    const answer = loadTunAddon().rtnetlink(this.netns ?? '', Buffer.concat([header, payload]));
    return parseMessages(answer, body.length);
  }
}

/** Every length is checked against what is there: a message or attribute that claims more
 * bytes than it has is an error, never a silently shortened read. */
export function parseMessages(data: Buffer, bodyLength: number): Message[] {
  const messages: Message[] = [];
  for (let offset = 0; offset < data.length;) {
    const length = offset + NLMSG_HEADER <= data.length ? data.readUInt32LE(offset) : 0;
    if (length < NLMSG_HEADER || offset + length > data.length) {
      throw new Error(`malformed rtnetlink answer: message at byte ${offset} overruns it`);
    }
    // the control messages (the ack, the end of a dump) only end the answer: the addon has
    // thrown for refusals
    if (data.readUInt16LE(offset + 4) >= NLMSG_MIN_TYPE) {
      if (length < NLMSG_HEADER + bodyLength) {
        throw new Error(`malformed rtnetlink answer: message at byte ${offset} is too short`);
      }
      const body = data.subarray(offset + NLMSG_HEADER, offset + NLMSG_HEADER + bodyLength);
      const attributes = parseAttributes(
        data.subarray(
          Math.min(offset + NLMSG_HEADER + align(bodyLength), offset + length),
          offset + length,
        ),
      );
      messages.push({ body, attributes });
    }
    offset += align(length);
  }
  return messages;
}

function parseAttributes(data: Buffer): Map<number, Buffer> {
  const attributes = new Map<number, Buffer>();
  for (let offset = 0; offset < data.length;) {
    const length = offset + NLA_HEADER <= data.length ? data.readUInt16LE(offset) : 0;
    if (length < NLA_HEADER || offset + length > data.length) {
      throw new Error(`malformed rtnetlink answer: attribute at byte ${offset} overruns it`);
    }
    // the top bits are NLA_F_NESTED / NLA_F_NET_BYTEORDER
    attributes.set(
      data.readUInt16LE(offset + 2) & 0x3fff,
      data.subarray(offset + NLA_HEADER, offset + length),
    );
    offset += align(length);
  }
  return attributes;
}

/** A 32-bit attribute (an interface index, a table, an MTU); absent: undefined. */
function u32Attribute(message: Message, type: number): number | undefined {
  return sizedAttribute(message, type, 4)?.readUInt32LE(0);
}

/** An address attribute as text, of the message's family (4 or 16 bytes); absent: undefined. */
function addressAttribute(message: Message, type: number): string | undefined {
  const size = message.body.readUInt8(0) === AF_INET6 ? 16 : 4;
  const value = sizedAttribute(message, type, size);
  return value === undefined ? undefined : addressText(value);
}

function sizedAttribute(message: Message, type: number, size: number): Buffer | undefined {
  const value = message.attributes.get(type);
  if (value !== undefined && value.length !== size) {
    throw new Error(
      `malformed rtnetlink answer: attribute ${type} has ${value.length} bytes, not ${size}`,
    );
  }
  return value;
}

function attribute(type: number, value: Buffer): Buffer {
  const out = Buffer.alloc(align(NLA_HEADER + value.length));
  out.writeUInt16LE(NLA_HEADER + value.length, 0);
  out.writeUInt16LE(type, 2);
  value.copy(out, NLA_HEADER);
  return out;
}

function ifinfo(index: number, flags: number, change: number): Buffer {
  const body = Buffer.alloc(IFINFOMSG);
  body.writeUInt8(AF_UNSPEC, 0);
  body.writeInt32LE(index, 4);
  body.writeUInt32LE(flags, 8);
  body.writeUInt32LE(change, 12);
  return body;
}

function rtmsg(
  dstLength: number,
  fields: { table: number; protocol: number; scope: number; type: number } = {
    table: 0,
    protocol: 0,
    scope: RT_SCOPE_UNIVERSE,
    type: 0,
  },
  family = AF_INET,
): Buffer {
  const body = Buffer.alloc(RTMSG);
  body.writeUInt8(family, 0);
  body.writeUInt8(dstLength, 1);
  body.writeUInt8(fields.table, 4);
  body.writeUInt8(fields.protocol, 5);
  body.writeUInt8(fields.scope, 6);
  body.writeUInt8(fields.type, 7);
  return body;
}

const align = (length: number) => (length + 3) & ~3;

function u32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32LE(value, 0);
  return out;
}

function cString(text: string): Buffer {
  return Buffer.concat([Buffer.from(text), Buffer.alloc(1)]);
}

function familyOf(address: string): number {
  return isIpv6(address) ? AF_INET6 : AF_INET;
}

/** An IPv4 or IPv6 address in network byte order (4 or 16 bytes) */
function addressBuffer(address: string): Buffer {
  return Buffer.from(addressBytes(address));
}

/** addressBuffer's inverse: dotted quad or RFC 5952 text */
function addressText(bytes: Buffer): string {
  return bytes.length === 16 ? bytesToIpv6(bytes) : intToIpv4(bytes.readUInt32BE(0));
}
