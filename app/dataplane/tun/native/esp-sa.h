// ESP (RFC 4303 tunnel mode, inside UDP per RFC 3948) sealed and opened on OpenSSL's EVP
// interface, the libcrypto Node itself links. Plain C++ without Node-API, so the binding
// (esp.cc) and any loop that never enters JavaScript can share it.
//
// Per SA the cipher (and HMAC) contexts are keyed once at install and reused: a GCM packet
// only sets its nonce, a CBC packet chains on (Seal), so nothing here allocates per packet.
// (OpenSSL 3.0's HMAC re-init copies its digest state internally; that is libcrypto's own
// business.)
#pragma once

#include <openssl/evp.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
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

// An SA's counters by direction: each is written by one direction only (Engine), so the two
// sit on cache lines of their own in an SA, where the data path's threads write them at once.
struct InboundCounters {
  uint64_t packets = 0, bytes = 0;
  uint64_t icvFailures = 0, replayDrops = 0, decryptErrors = 0, paddingErrors = 0;
  uint64_t selectorDrops = 0;
  double lastAt = 0;
};
struct OutboundCounters {
  uint64_t packets = 0, bytes = 0, sendErrors = 0;
  double lastAt = 0;
};
struct Counters {
  InboundCounters in;
  OutboundCounters out;
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

// The random block behind each CBC IV (Seal; RFC 3602 3), drawn from RAND_bytes in blocks, not
// one call per packet.
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
  // Both directions' counters; only while neither direction runs (Engine::CountersOf).
  Counters counters() const;
  // OpenSSL failed to seal a numbered packet: nothing went out.
  void CountSendError() { outbound_.counters.sendErrors++; }

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
  // Raises a reason once per SA, whichever direction's thread crosses the limit first.
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
  double softLifetimeBytes_ = 0;
  double hardLifetimeBytes_ = 0;
  std::atomic<uint32_t> signalled_{0};
  std::vector<Ipv4Range> local_;
  std::vector<Ipv4Range> remote_;
  std::vector<Ipv6Range> local6_;
  std::vector<Ipv6Range> remote6_;
  // What each direction writes, only under its own lock (Engine), on cache lines of its own:
  // the outbound and inbound threads run at once and would otherwise bounce one line.
  struct alignas(64) {
    uint64_t nextSequence = 1;
    OutboundCounters counters;
  } outbound_;
  alignas(64) InboundCounters inbound_;
};

// Engine-level drops: packets that belong to no SA.
struct Totals {
  uint64_t noSaDrops = 0;
  uint64_t noRouteDrops = 0;
  uint64_t malformedDrops = 0;
};

// Installed SAs by handle; during a rekey several live at once: inbound finds them by SPI,
// outbound takes the newest that covers a packet.
//
// Thread-safe: sealing and opening each hold their own direction's lock, so the data path's
// outbound and inbound threads never wait for each other's crypto; the SA table changes only
// under both. Lifetime events have a third lock, taken only when a limit is crossed.
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
  // false if no SA has that handle.
  bool CountersOf(uint32_t handle, Counters* out);
  Totals totals();

  // Bytes the sealed packets of a batch can need at most.
  size_t SealRoom(const Packet* inner, size_t count) const;
  // Seals a batch in order into out (room: SealRoom), lengths per output: how many outputs.
  size_t Seal(const Packet* inner, size_t count, uint8_t* out, uint32_t* lengths, double now);
  // Opens a batch in order into out (room: the sum of the input lengths); outcome per input,
  // lengths per delivered packet: how many were delivered.
  size_t Open(const Packet* packets, size_t count, uint8_t* out, uint32_t* lengths,
              uint8_t* outcomes, double now);
  bool HasEvents();
  // Lifetime events since the last call.
  std::vector<Event> TakeEvents();

 private:
  struct Entry {
    uint32_t handle;
    std::unique_ptr<SecurityAssociation> sa;
  };
  Entry* Find(uint32_t handle);
  void Queue(uint32_t handle, uint32_t signals);

  std::mutex sealing_;  // Seal, and its direction's state below
  std::mutex opening_;  // Open, and its direction's state below
  std::vector<Entry> sas_;  // newest first; changed under both locks
  // sealing_
  uint64_t noRouteDrops_ = 0;
  uint64_t malformedOut_ = 0;
  RandomPool random_;
  // opening_
  uint64_t noSaDrops_ = 0;
  uint64_t malformedIn_ = 0;
  std::mutex eventsLock_;
  std::vector<Event> events_;
  std::atomic<bool> eventsWaiting_{false};  // read per batch without the events lock
};

}  // namespace esp
