// ESP (RFC 4303 tunnel mode, inside UDP per RFC 3948) sealed and opened on OpenSSL's EVP
// interface, the libcrypto Node itself links. Plain C++ without Node-API, so the binding
// (esp.cc) and any loop that never enters JavaScript can share it.
//
// Per SA the cipher (and HMAC) contexts are keyed once at install and reused: a packet only
// sets its IV/nonce, so nothing here allocates per packet. (OpenSSL 3.0's HMAC re-init copies
// its digest state internally; that is libcrypto's own business.)
#pragma once

#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace esp {

// Why a packet was dropped: the order of ESP_DROP_REASONS (app/dataplane/esp), plus one.
enum Outcome : uint8_t {
  kDelivered = 0,
  kMalformed = 1,
  kNoSa = 2,
  kReplay = 3,
  kIcv = 4,
  kPadding = 5,
  kDecrypt = 6,
  kSelector = 7,
  kDummy = 8,
};

// Why an SA should be replaced: soon at a soft limit (RekeyReason in TypeScript), now at a hard
// one (ExpiryReason), after which it sends nothing more (RFC 4301 4.4.2.1).
enum RekeyReason : uint8_t {
  kSequenceSpace = 0,
  kKilobyteLifetime = 1,
  kSequenceExhausted = 2,
  kKilobyteHardLimit = 3,
};

// The order of the counter fields the binding hands to JavaScript.
struct Counters {
  uint64_t packetsIn = 0;
  uint64_t bytesIn = 0;
  uint64_t packetsOut = 0;
  uint64_t bytesOut = 0;
  uint64_t icvFailures = 0;
  uint64_t replayDrops = 0;
  uint64_t decryptErrors = 0;
  uint64_t paddingErrors = 0;
  uint64_t selectorDrops = 0;
  uint64_t sendErrors = 0;
  double lastInboundAt = 0;
  double lastOutboundAt = 0;
};

struct Ipv4Range {
  uint32_t network;
  uint32_t mask;
};

// The IPv6 SA of a dual-stack tunnel (IKEv1: one selector pair per Quick Mode).
struct Ipv6Range {
  uint8_t network[16];
  uint8_t mask[16];
};

struct DirectionKeys {
  uint32_t spi = 0;
  std::vector<uint8_t> encryptionKey;
  std::vector<uint8_t> integrityKey;  // empty for GCM
  std::vector<uint8_t> salt;          // 4 bytes for GCM (RFC 4106 8.1), empty otherwise
};

struct SaConfig {
  std::string cipher;  // OpenSSL name: aes-256-gcm, aes-128-cbc, des-ede3-cbc, ...
  std::string digest;  // HMAC digest (sha1, sha256, md5); empty for GCM
  uint32_t icvLength = 0;
  DirectionKeys inbound;
  DirectionKeys outbound;
  uint32_t replayWindow = 0;
  double softLifetimeBytes = 0;  // 0: none
  double hardLifetimeBytes = 0;  // 0: none
  uint64_t firstSequence = 1;
  std::vector<Ipv4Range> local;
  std::vector<Ipv4Range> remote;
  std::vector<Ipv6Range> local6;
  std::vector<Ipv6Range> remote6;
};

// RFC 4303 3.4.3 anti-replay window as a ring of 32-bit words (RFC 6479): O(1) per packet.
class ReplayWindow {
 public:
  explicit ReplayWindow(uint32_t size);
  // Read-only: whether seq may be new.
  bool IsFresh(uint32_t seq) const;
  // Only after the ICV verified (RFC 4303 3.4.3).
  void Accept(uint32_t seq);

 private:
  uint32_t size_;
  uint32_t top_ = 0;  // highest authenticated sequence number; 0 = none
  std::vector<uint32_t> words_;
  uint32_t mask_;
};

// Unpredictable CBC IVs (RFC 3602 3) drawn from RAND_bytes in blocks, not one call per packet.
class RandomPool {
 public:
  bool Fill(uint8_t* out, size_t length);

 private:
  uint8_t pool_[4096];
  size_t used_ = sizeof(pool_);
};

class SecurityAssociation {
 public:
  // nullptr with *error set when OpenSSL lacks the transform or a key length is wrong.
  static std::unique_ptr<SecurityAssociation> Create(const SaConfig& config, std::string* error);
  ~SecurityAssociation();
  SecurityAssociation(const SecurityAssociation&) = delete;
  SecurityAssociation& operator=(const SecurityAssociation&) = delete;

  uint32_t spiIn() const { return spiIn_; }
  const Counters& counters() const { return counters_; }
  Counters& counters() { return counters_; }

  // RFC 4301 5.1: this SA's selectors cover an outbound IPv4 or IPv6 packet.
  bool CoversOutbound(const uint8_t* packet, size_t length) const;
  // Bytes Seal() writes for an inner packet of this length.
  size_t SealedLength(size_t innerLength) const;
  // Numbers and counts one more outbound packet: its sequence number, or -1 (a send error)
  // once the SA expired: its sequence space used up (RFC 4303 3.3.3: never cycle) or its hard
  // kilobyte lifetime reached. Raises soft and hard limits in *signals (bit per RekeyReason,
  // each once per SA).
  int64_t NumberOutbound(size_t innerLength, double now, uint32_t* signals);
  // The ESP packet (SPI | seq | IV | ciphertext | ICV) into out; false if OpenSSL failed.
  bool Seal(const uint8_t* inner, size_t length, uint32_t sequence, uint8_t* out,
            RandomPool* random);
  // Inbound, after the SPI matched: length, replay, ICV (constant time, before any plaintext
  // is used), window, padding, inner packet and selector checks; counts the outcome. The inner
  // packet goes to out (at most length bytes) with its length in *innerLength.
  Outcome Open(const uint8_t* packet, size_t length, uint8_t* out, size_t* innerLength,
               double now, uint32_t* signals);

 private:
  SecurityAssociation() = default;
  bool FitsLength(size_t length) const;
  bool Mac(EVP_MAC_CTX* mac, const uint8_t* data, size_t length, uint8_t* icv);
  Outcome Deliver(uint8_t* plaintext, size_t length, size_t* innerLength, uint32_t* signals);
  void Signal(RekeyReason reason, uint32_t* signals);
  // after each counted byte: the kilobyte limits either direction reached
  void CheckKilobytes(uint64_t bytes, uint32_t* signals);
  bool Expired() const;

  bool gcm_ = false;
  uint32_t spiIn_ = 0;
  uint32_t spiOut_ = 0;
  size_t ivLength_ = 0;
  size_t alignment_ = 4;
  size_t icvLength_ = 0;
  uint8_t saltOut_[4] = {};
  uint8_t saltIn_[4] = {};
  EVP_CIPHER* cipher_ = nullptr;
  EVP_CIPHER_CTX* sealCtx_ = nullptr;
  EVP_CIPHER_CTX* openCtx_ = nullptr;
  EVP_MAC* macAlgorithm_ = nullptr;
  EVP_MAC_CTX* sealMac_ = nullptr;
  EVP_MAC_CTX* openMac_ = nullptr;
  std::unique_ptr<ReplayWindow> window_;
  uint64_t nextSequence_ = 1;
  double softLifetimeBytes_ = 0;
  double hardLifetimeBytes_ = 0;
  uint32_t signalled_ = 0;
  std::vector<Ipv4Range> local_;
  std::vector<Ipv4Range> remote_;
  std::vector<Ipv6Range> local6_;
  std::vector<Ipv6Range> remote6_;
  Counters counters_;
};

// Engine-level drops: packets that belong to no SA.
struct Totals {
  uint64_t noSaDrops = 0;
  uint64_t noRouteDrops = 0;
  uint64_t malformedDrops = 0;
};

// Installed SAs by handle; during a rekey several live at once: inbound finds them by SPI,
// outbound takes the newest that covers a packet.
class Engine {
 public:
  struct Packet {
    const uint8_t* data;
    size_t length;
  };
  struct Event {
    uint32_t handle;
    RekeyReason reason;
  };

  // false if the handle or inbound SPI is taken (the caller checks first; this is the guard).
  bool Install(uint32_t handle, std::unique_ptr<SecurityAssociation> sa);
  bool Remove(uint32_t handle);
  SecurityAssociation* Find(uint32_t handle);
  const Totals& totals() const { return totals_; }

  // Bytes the sealed packets of a batch can need at most.
  size_t SealRoom(const Packet* inner, size_t count) const;
  // Seals a batch in order into out (room: SealRoom), lengths per output: how many outputs.
  size_t Seal(const Packet* inner, size_t count, uint8_t* out, uint32_t* lengths, double now);
  // Opens a batch in order into out (room: the sum of the input lengths); outcome per input,
  // lengths per delivered packet: how many were delivered.
  size_t Open(const Packet* packets, size_t count, uint8_t* out, uint32_t* lengths,
              uint8_t* outcomes, double now);
  // Lifetime events since the last call.
  std::vector<Event>& events() { return events_; }

 private:
  struct Entry {
    uint32_t handle;
    std::unique_ptr<SecurityAssociation> sa;
  };
  void Queue(uint32_t handle, uint32_t signals);

  std::vector<Entry> sas_;  // newest first
  Totals totals_;
  RandomPool random_;
  std::vector<Event> events_;
};

}  // namespace esp
