// Segmentation of TSO super-packets read from the TUN device and GRO-like merging of TCP
// segments written to it (see tun-offload.h). Checksums are RFC 1071 one's complement sums,
// computed over native-order words and stored in native order (the sum is byte-order
// independent, RFC 1071 2(B)).
#include "tun-offload.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "addon-support.h"

namespace tunoffload {
namespace {

constexpr uint8_t kProtoTcp = 6;  // IANA protocol numbers
// TCP flag bits (RFC 9293 3.1, RFC 3168 6.1)
constexpr uint8_t kFin = 0x01;
constexpr uint8_t kPsh = 0x08;
constexpr uint8_t kAck = 0x10;
constexpr uint8_t kCwr = 0x80;
constexpr size_t kTcpChecksumOffset = 16;
constexpr size_t kMaxIpPacket = 65535;

uint16_t Load16(const uint8_t* at) {
  uint16_t value;
  std::memcpy(&value, at, 2);
  return ntohs(value);
}
uint32_t Load32(const uint8_t* at) {
  uint32_t value;
  std::memcpy(&value, at, 4);
  return ntohl(value);
}
void Store16(uint8_t* at, uint16_t value) {
  value = htons(value);
  std::memcpy(at, &value, 2);
}
void Store32(uint8_t* at, uint32_t value) {
  value = htonl(value);
  std::memcpy(at, &value, 4);
}

// Unfolded one's complement sum; `data` must start at an even offset of the checksummed span.
uint64_t Sum(const uint8_t* data, size_t length, uint64_t sum = 0) {
  for (; length >= 8; data += 8, length -= 8) {
    uint64_t word;
    std::memcpy(&word, data, 8);
    sum += (word & 0xffffffffu) + (word >> 32);
  }
  for (; length >= 2; data += 2, length -= 2) {
    uint16_t word;
    std::memcpy(&word, data, 2);
    sum += word;
  }
  if (length == 1) {
    uint8_t last[2] = {*data, 0};
    uint16_t word;
    std::memcpy(&word, last, 2);
    sum += word;
  }
  return sum;
}

uint16_t Fold(uint64_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

// The checksum field's bytes in native order, as Sum() sees them.
void StoreSum(uint8_t* at, uint16_t folded) { std::memcpy(at, &folded, 2); }

// The TCP pseudo-header (RFC 9293 3.1, RFC 8200 8.1) of `packet` for `tcpLength` bytes.
uint64_t PseudoHeader(const uint8_t* packet, int version, size_t tcpLength) {
  uint64_t sum = version == 4 ? Sum(packet + 12, 8) : Sum(packet + 8, 32);
  return sum + htons(kProtoTcp) + htons(static_cast<uint16_t>(tcpLength));
}

// RFC 791 3.1: the header checksum over the header with the field zeroed.
void SetIpv4Checksum(uint8_t* packet, size_t ipLength) {
  packet[10] = packet[11] = 0;
  StoreSum(packet + 10, static_cast<uint16_t>(~Fold(Sum(packet, ipLength))));
}

// An IPv4 (RFC 791) or IPv6 (RFC 8200, no extension headers) packet carrying a whole TCP
// header (RFC 9293 3.1).
struct TcpPacket {
  int version = 0;  // 0: not such a packet
  size_t ipLength = 0;
  size_t tcpLength = 0;
  size_t payload = 0;
  uint32_t seq = 0;
  uint8_t flags = 0;
  bool lengthFieldMatches = false;  // the IP length field says exactly `size` bytes
};

TcpPacket ParseTcp(const uint8_t* packet, size_t size) {
  TcpPacket parsed;
  if (size < 1) return parsed;
  int version = packet[0] >> 4;
  size_t ipLength;
  bool lengthFieldMatches;
  if (version == 4) {
    ipLength = (packet[0] & 0x0f) * 4u;
    // a fragment (MF set or an offset) does not carry one whole TCP segment
    if (ipLength < 20 || size < ipLength || packet[9] != kProtoTcp ||
        (Load16(packet + 6) & 0x3fff) != 0) {
      return parsed;
    }
    lengthFieldMatches = Load16(packet + 2) == size;
  } else if (version == 6) {
    ipLength = 40;
    if (size < ipLength || packet[6] != kProtoTcp) return parsed;
    lengthFieldMatches = Load16(packet + 4) + ipLength == size;
  } else {
    return parsed;
  }
  if (size < ipLength + 20) return parsed;
  size_t tcpLength = (packet[ipLength + 12] >> 4) * 4u;
  if (tcpLength < 20 || size < ipLength + tcpLength) return parsed;
  parsed.version = version;
  parsed.ipLength = ipLength;
  parsed.tcpLength = tcpLength;
  parsed.payload = size - ipLength - tcpLength;
  parsed.seq = Load32(packet + ipLength + 4);
  parsed.flags = packet[ipLength + 13];
  parsed.lengthFieldMatches = lengthFieldMatches;
  return parsed;
}

// GSO_NONE: the packet as it is, its checksum completed if the kernel left it to us.
ReadOutcome Single(const VnetHdr& header, const uint8_t* packet, size_t size,
                   const Room& room, Produced* produced) {
  bool needsChecksum = (header.flags & kVnetNeedsCsum) != 0;
  size_t start = header.csumStart;
  size_t field = start + header.csumOffset;
  if (needsChecksum && (start % 2 != 0 || field + 2 > size)) return ReadOutcome::kMalformed;
  if (room.lengthRoom < 1 || room.byteRoom < size) return ReadOutcome::kNoRoom;
  std::memcpy(room.bytes, packet, size);
  if (needsChecksum) {
    // the field holds the pseudo-header sum; 0 goes out as 0xffff, which UDP needs (RFC 768)
    uint16_t checksum = static_cast<uint16_t>(~Fold(Sum(room.bytes + start, size - start)));
    StoreSum(room.bytes + field, checksum == 0 ? 0xffff : checksum);
  }
  room.lengths[0] = static_cast<uint32_t>(size);
  produced->bytes = size;
  produced->packets = 1;
  return ReadOutcome::kPackets;
}

// GSO_TCPV4 / GSO_TCPV6: cut the payload into gso_size pieces, each with its own headers
// (what the kernel's tcp_gso_segment does for a device without TSO).
ReadOutcome SegmentTcp(const VnetHdr& header, int version, const uint8_t* packet,
                       size_t size, const Room& room, Produced* produced) {
  TcpPacket tcp = ParseTcp(packet, size);
  if (tcp.version != version || header.gsoSize == 0) return ReadOutcome::kMalformed;
  size_t headers = tcp.ipLength + tcp.tcpLength;
  size_t mss = header.gsoSize;
  size_t count = std::max<size_t>(1, (tcp.payload + mss - 1) / mss);
  if (count > room.lengthRoom || count * headers + tcp.payload > room.byteRoom) {
    return ReadOutcome::kNoRoom;
  }
  uint16_t firstId = Load16(packet + 4);
  uint8_t* out = room.bytes;
  for (size_t i = 0; i < count; i++) {
    size_t piece = std::min(mss, tcp.payload - i * mss);
    size_t length = headers + piece;
    std::memcpy(out, packet, headers);
    std::memcpy(out + headers, packet + headers + i * mss, piece);
    if (version == 4) {
      Store16(out + 2, static_cast<uint16_t>(length));
      Store16(out + 4, static_cast<uint16_t>(firstId + i));
      SetIpv4Checksum(out, tcp.ipLength);
    } else {
      Store16(out + 4, static_cast<uint16_t>(tcp.tcpLength + piece));
    }
    uint8_t* th = out + tcp.ipLength;
    Store32(th + 4, static_cast<uint32_t>(tcp.seq + i * mss));
    if (i + 1 < count) th[13] &= static_cast<uint8_t>(~(kFin | kPsh));
    if (i > 0) th[13] &= static_cast<uint8_t>(~kCwr);
    th[kTcpChecksumOffset] = th[kTcpChecksumOffset + 1] = 0;
    uint64_t sum = PseudoHeader(out, version, tcp.tcpLength + piece);
    StoreSum(th + kTcpChecksumOffset,
             static_cast<uint16_t>(~Fold(Sum(th, tcp.tcpLength + piece, sum))));
    room.lengths[i] = static_cast<uint32_t>(length);
    out += length;
  }
  produced->bytes = static_cast<size_t>(out - room.bytes);
  produced->packets = static_cast<uint32_t>(count);
  return ReadOutcome::kPackets;
}

bool SameFlow(const iovec& a, const TcpPacket& pa, const iovec& b, const TcpPacket& pb) {
  if (pa.version == 0 || pa.version != pb.version) return false;
  const auto* x = static_cast<const uint8_t*>(a.iov_base);
  const auto* y = static_cast<const uint8_t*>(b.iov_base);
  bool addresses = pa.version == 4 ? std::memcmp(x + 12, y + 12, 8) == 0
                                   : std::memcmp(x + 8, y + 8, 32) == 0;
  return addresses && std::memcmp(x + pa.ipLength, y + pb.ipLength, 4) == 0;
}

// Alone, could the packet start or join a run: a whole IPv4 (no options) or IPv6 TCP packet
// with data, flags ACK or ACK|PSH only.
bool Mergeable(const TcpPacket& p) {
  return p.version != 0 && p.lengthFieldMatches && p.payload > 0 &&
         (p.version == 6 || p.ipLength == 20) && (p.flags == kAck || p.flags == (kAck | kPsh));
}

// The kernel trusts a merged run's checksum (CHECKSUM_PARTIAL): each member must be right.
bool ChecksumValid(const iovec& packet, const TcpPacket& p) {
  const auto* bytes = static_cast<const uint8_t*>(packet.iov_base);
  size_t tcpLength = p.tcpLength + p.payload;
  uint64_t sum = PseudoHeader(bytes, p.version, tcpLength);
  return Fold(Sum(bytes + p.ipLength, tcpLength, sum)) == 0xffff;
}

// Whether `next` continues the run whose first member is `head` exactly as GRO would merge
// it (tcp_gro_receive: same IP header fields that matter, ack, window, options).
bool Continues(const iovec& head, const TcpPacket& h, const iovec& next, const TcpPacket& n) {
  if (!Mergeable(n) || n.tcpLength != h.tcpLength || n.payload > h.payload) return false;
  const auto* x = static_cast<const uint8_t*>(head.iov_base);
  const auto* y = static_cast<const uint8_t*>(next.iov_base);
  if (h.version == 4) {
    // TOS, DF, TTL
    if (x[1] != y[1] || (x[6] & 0x40) != (y[6] & 0x40) || x[8] != y[8]) return false;
  } else if (std::memcmp(x, y, 4) != 0 || x[7] != y[7]) {
    return false;  // traffic class, flow label, hop limit
  }
  const uint8_t* tx = x + h.ipLength;
  const uint8_t* ty = y + n.ipLength;
  // ack (8..12), data offset (12), window (14..16), urgent pointer and options (18..)
  return std::memcmp(tx + 8, ty + 8, 5) == 0 && std::memcmp(tx + 14, ty + 14, 2) == 0 &&
         std::memcmp(tx + 18, ty + 18, h.tcpLength - 18) == 0;
}

}  // namespace

ReadOutcome Segment(const uint8_t* frame, size_t length, const Room& room, Produced* produced) {
  if (length <= kVnetHdrLen) return ReadOutcome::kMalformed;
  VnetHdr header;
  std::memcpy(&header, frame, kVnetHdrLen);
  const uint8_t* packet = frame + kVnetHdrLen;
  size_t size = length - kVnetHdrLen;
  switch (header.gsoType & ~kGsoEcn) {
    case kGsoNone:
      return Single(header, packet, size, room, produced);
    case kGsoTcpV4:
      return SegmentTcp(header, 4, packet, size, room, produced);
    case kGsoTcpV6:
      return SegmentTcp(header, 6, packet, size, room, produced);
    default:
      return ReadOutcome::kUnsupported;
  }
}

void Coalescer::Plan(const std::vector<iovec>& packets) {
  writes_.clear();
  members_.clear();
  taken_.assign(packets.size(), 0);
  std::vector<TcpPacket> parsed(packets.size());
  for (size_t i = 0; i < packets.size(); i++) {
    parsed[i] = ParseTcp(static_cast<const uint8_t*>(packets[i].iov_base), packets[i].iov_len);
  }
  for (uint32_t i = 0; i < packets.size(); i++) {
    if (taken_[i]) continue;
    const TcpPacket& head = parsed[i];
    Write write = {};
    write.firstMember = static_cast<uint32_t>(members_.size());
    members_.push_back(i);
    size_t bytes = packets[i].iov_len;
    size_t payload = head.payload;
    bool headChecked = false;
    // later packets of the flow join while they continue it; the first that does not ends
    // the run, so no packet of the flow is written before an earlier one
    bool open = Mergeable(head) && (head.flags & kPsh) == 0;
    for (uint32_t j = i + 1; open && j < packets.size(); j++) {
      if (taken_[j] || !SameFlow(packets[i], head, packets[j], parsed[j])) continue;
      const TcpPacket& next = parsed[j];
      open = Continues(packets[i], head, packets[j], next) &&
             next.seq == static_cast<uint32_t>(head.seq + payload) &&
             bytes + next.payload <= kMaxIpPacket;
      if (open && !headChecked) open = headChecked = ChecksumValid(packets[i], head);
      if (open) open = ChecksumValid(packets[j], next);
      if (!open) break;
      members_.push_back(j);
      taken_[j] = 1;
      bytes += next.payload;
      payload += next.payload;
      // a shorter segment or PSH ends a GRO run
      open = next.payload == head.payload && (next.flags & kPsh) == 0;
    }
    write.memberCount = static_cast<uint32_t>(members_.size()) - write.firstMember;
    VnetHdr vnet = {};
    write.headLength = kVnetHdrLen;
    write.packetBytes = packets[i].iov_len;
    if (write.memberCount > 1) {
      const uint32_t last = members_.back();
      size_t headers = head.ipLength + head.tcpLength;
      vnet.flags = kVnetNeedsCsum;
      vnet.gsoType = head.version == 4 ? kGsoTcpV4 : kGsoTcpV6;
      vnet.hdrLen = static_cast<uint16_t>(headers);
      vnet.gsoSize = static_cast<uint16_t>(head.payload);
      vnet.csumStart = static_cast<uint16_t>(head.ipLength);
      vnet.csumOffset = kTcpChecksumOffset;
      uint8_t* out = write.head + kVnetHdrLen;
      std::memcpy(out, packets[i].iov_base, headers);
      if (head.version == 4) {
        Store16(out + 2, static_cast<uint16_t>(headers + payload));
        SetIpv4Checksum(out, head.ipLength);
      } else {
        Store16(out + 4, static_cast<uint16_t>(head.tcpLength + payload));
      }
      out[head.ipLength + 13] |= parsed[last].flags & kPsh;
      // CHECKSUM_PARTIAL: the field holds the folded pseudo-header sum, not its complement
      StoreSum(out + head.ipLength + kTcpChecksumOffset,
               Fold(PseudoHeader(out, head.version, head.tcpLength + payload)));
      write.headLength += headers;
      write.skip = headers;
      write.packetBytes = 0;
      for (uint32_t m = write.firstMember; m < members_.size(); m++) {
        write.packetBytes += packets[members_[m]].iov_len;
      }
    }
    std::memcpy(write.head, &vnet, kVnetHdrLen);
    writes_.push_back(write);
  }
}

void Coalescer::Frame(const Write& write, const std::vector<iovec>& packets,
                      std::vector<iovec>* out) const {
  out->clear();
  out->push_back({const_cast<uint8_t*>(write.head), write.headLength});
  for (uint32_t m = write.firstMember; m < write.firstMember + write.memberCount; m++) {
    const iovec& packet = packets[members_[m]];
    out->push_back({static_cast<uint8_t*>(packet.iov_base) + write.skip,
                    packet.iov_len - write.skip});
  }
}

namespace {

const char* OutcomeName(ReadOutcome outcome) {
  switch (outcome) {
    case ReadOutcome::kPackets:
      return "packets";
    case ReadOutcome::kNoRoom:
      return "no-room";
    case ReadOutcome::kMalformed:
      return "malformed";
    case ReadOutcome::kUnsupported:
      return "unsupported";
  }
  return "unknown";
}

// segmentFrame(frame): { outcome, packets } for one frame as read from the device.
Napi::Value SegmentFrame(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsBuffer()) {
    Napi::TypeError::New(env, "frame must be a Buffer").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Buffer<uint8_t> frame = info[0].As<Napi::Buffer<uint8_t>>();
  // the room the device gives a frame that arrives first in a batch
  std::vector<uint8_t> bytes(kMaxSegmentBytes);
  std::vector<uint32_t> lengths(kMaxSegments);
  Room room = {bytes.data(), bytes.size(), lengths.data(), static_cast<uint32_t>(lengths.size())};
  Produced produced;
  ReadOutcome outcome = Segment(frame.Data(), frame.Length(), room, &produced);
  Napi::Array packets = Napi::Array::New(env, produced.packets);
  size_t offset = 0;
  for (uint32_t i = 0; i < produced.packets; i++) {
    packets.Set(i, Napi::Buffer<uint8_t>::Copy(env, bytes.data() + offset, lengths[i]));
    offset += lengths[i];
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("outcome", OutcomeName(outcome));
  result.Set("packets", packets);
  return result;
}

// coalescePackets(packets): the frames writeBatch would write for them.
Napi::Value CoalescePackets(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<iovec> packets;
  if (!addon::BufferArrayArgument(env, info[0], &packets)) return env.Undefined();
  Coalescer coalescer;
  coalescer.Plan(packets);
  Napi::Array frames = Napi::Array::New(env, coalescer.writes().size());
  std::vector<iovec> parts;
  for (uint32_t w = 0; w < coalescer.writes().size(); w++) {
    coalescer.Frame(coalescer.writes()[w], packets, &parts);
    std::vector<uint8_t> frame;
    for (const iovec& part : parts) {
      const auto* base = static_cast<const uint8_t*>(part.iov_base);
      frame.insert(frame.end(), base, base + part.iov_len);
    }
    frames.Set(w, Napi::Buffer<uint8_t>::Copy(env, frame.data(), frame.size()));
  }
  return frames;
}

}  // namespace

void DefineOffloadFunctions(Napi::Env env, Napi::Object exports) {
  exports.Set("segmentFrame", Napi::Function::New<SegmentFrame>(env, "segmentFrame"));
  exports.Set("coalescePackets", Napi::Function::New<CoalescePackets>(env, "coalescePackets"));
}

}  // namespace tunoffload
