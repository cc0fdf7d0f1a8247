// The TUN device's offload mode (IFF_VNET_HDR with TUNSETOFFLOAD): every read and write carries
// a struct virtio_net_hdr (linux/virtio_net.h) before the packet. Reads may be TCP
// super-packets (TSO) or packets whose checksum is left to us; writes may carry runs of TCP
// segments merged as GRO would. This file turns both into and out of ordinary IP packets, so
// the ESP code never sees the difference.
#pragma once

#include <napi.h>

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tunoffload {

// struct virtio_net_hdr and its constants, from linux/virtio_net.h (which C++ cannot include:
// a struct there has a field named `class`). Fields in host byte order (a legacy header, as
// TUN uses unless TUNSETVNETLE / TUNSETVNETBE say otherwise).
struct VnetHdr {
  uint8_t flags;
  uint8_t gsoType;
  uint16_t hdrLen;      // IP + TCP headers
  uint16_t gsoSize;     // payload bytes per segment
  uint16_t csumStart;   // where checksumming starts
  uint16_t csumOffset;  // where the checksum goes, from csumStart
};
constexpr size_t kVnetHdrLen = sizeof(VnetHdr);
static_assert(kVnetHdrLen == 10, "struct virtio_net_hdr is 10 bytes");
constexpr uint8_t kVnetNeedsCsum = 1;  // VIRTIO_NET_HDR_F_NEEDS_CSUM
constexpr uint8_t kGsoNone = 0;        // VIRTIO_NET_HDR_GSO_NONE
constexpr uint8_t kGsoTcpV4 = 1;       // VIRTIO_NET_HDR_GSO_TCPV4
constexpr uint8_t kGsoTcpV6 = 4;       // VIRTIO_NET_HDR_GSO_TCPV6
constexpr uint8_t kGsoEcn = 0x80;      // VIRTIO_NET_HDR_GSO_ECN
// IPv6 header (40) + the longest TCP header (60): no merged run has longer headers
constexpr size_t kMaxHeaders = 100;
// Most packets one frame may become (a 64 KiB super-packet cut at the smallest MSS Linux uses,
// TCP_MIN_MSS 88, makes 745); a frame that would make more is dropped.
constexpr uint32_t kMaxSegments = 1024;
// Bytes that many segments may take: 64 KiB of payload plus IPv4 and TCP headers of 60 bytes
// each per segment.
constexpr size_t kMaxSegmentBytes = 65535 + kMaxSegments * 120;

// What became of one frame read from the device.
enum class ReadOutcome {
  kPackets,      // its packets are in the room
  kNoRoom,       // they do not fit what is left of the room: deliver the batch and retry
  kMalformed,    // lengths or headers that do not add up: dropped
  kUnsupported,  // a GSO type we did not ask for (UDP, unknown): dropped
};

// Where Segment() puts packets: bytes back to back, one length per packet.
struct Room {
  uint8_t* bytes;
  size_t byteRoom;
  uint32_t* lengths;
  uint32_t lengthRoom;
};

struct Produced {
  size_t bytes = 0;
  uint32_t packets = 0;
};

// One frame (virtio_net_hdr + packet) into ordinary IP packets with complete checksums.
ReadOutcome Segment(const uint8_t* frame, size_t length, const Room& room, Produced* produced);

// One write to the device: `head` (a virtio_net_hdr, then for a merged run the rewritten
// IP and TCP headers), followed by packets[members...] from byte `skip` on.
struct Write {
  uint8_t head[kVnetHdrLen + kMaxHeaders];
  size_t headLength;
  size_t skip;
  uint32_t firstMember;  // index into Coalescer::members()
  uint32_t memberCount;
  size_t packetBytes;  // the IP packets' own bytes, as they came
};

// Plans the writes of one batch: runs of TCP segments of one flow that the kernel's GRO would
// merge become one write each (order within a flow kept), everything else goes as it came.
class Coalescer {
 public:
  void Plan(const std::vector<iovec>& packets);
  const std::vector<Write>& writes() const { return writes_; }
  // a write's frame as iovecs (views into its head and the packets)
  void Frame(const Write& write, const std::vector<iovec>& packets, std::vector<iovec>* out) const;

 private:
  std::vector<Write> writes_;
  std::vector<uint32_t> members_;  // packet indices, each write's run back to back
  std::vector<uint8_t> taken_;
};

// For tests: segmentFrame(frame) and coalescePackets(packets) on the addon's exports.
void DefineOffloadFunctions(Napi::Env env, Napi::Object exports);

}  // namespace tunoffload
