// See esp-sa.h. Layout: RFC 4303 2 (SPI | Sequence Number | IV | Payload | Padding | Pad Length |
// Next Header | ICV); CBC + HMAC is encrypt-then-MAC over SPI..ciphertext (RFC 4303 3.3.4,
// RFC 2404, RFC 4868); AES-GCM-16 per RFC 4106 (nonce = salt | explicit IV, AAD = SPI | seq).
#include "esp-sa.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>

namespace esp {
namespace {

constexpr size_t kHeaderLength = 8;  // SPI and sequence number (RFC 4303 2.1, 2.2)
constexpr size_t kTrailerLength = 2;  // Pad Length and Next Header (RFC 4303 2.5, 2.6)
constexpr size_t kGcmExplicitIv = 8;  // RFC 4106 3.1
constexpr size_t kGcmIcv = 16;        // AES-GCM-16
constexpr size_t kGcmSalt = 4;        // RFC 4106 8.1
constexpr uint8_t kNextHeaderIpv4 = 4;
constexpr uint8_t kNextHeaderIpv6 = 41;
constexpr uint8_t kNextHeaderNone = 59;  // RFC 4303 2.6: dummy packet
constexpr uint64_t kMaxSequence = 0xffffffffULL;
// ask for a rekey with 2^20 sequence numbers left; RFC 4303 3.3.3 forbids cycling
constexpr uint64_t kSequenceSoftLimit = (1ULL << 32) - (1ULL << 20);

uint32_t ReadBe32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

void WriteBe32(uint8_t* p, uint32_t value) {
  p[0] = static_cast<uint8_t>(value >> 24);
  p[1] = static_cast<uint8_t>(value >> 16);
  p[2] = static_cast<uint8_t>(value >> 8);
  p[3] = static_cast<uint8_t>(value);
}

// ESP next header by the IP version nibble (tunnel mode); 0 for anything else.
uint8_t NextHeaderFor(const uint8_t* packet, size_t length) {
  if (length == 0) return 0;
  uint8_t version = packet[0] >> 4;
  return version == 4 ? kNextHeaderIpv4 : version == 6 ? kNextHeaderIpv6 : 0;
}

// Length of the well-formed IP packet of that family at the start of packet[0..available), or
// -1; bytes after it are TFC padding (RFC 4303 2.7).
int64_t InnerPacketLength(const uint8_t* packet, size_t available, uint8_t nextHeader) {
  if (nextHeader == kNextHeaderIpv4) {
    if (available < 20 || packet[0] >> 4 != 4) return -1;
    size_t headerLength = (packet[0] & 0x0f) * 4;
    size_t totalLength = (size_t{packet[2]} << 8) | packet[3];
    if (headerLength < 20 || totalLength < headerLength || totalLength > available) return -1;
    return static_cast<int64_t>(totalLength);
  }
  if (nextHeader == kNextHeaderIpv6) {
    if (available < 40 || packet[0] >> 4 != 6) return -1;
    size_t totalLength = 40 + ((size_t{packet[4]} << 8) | packet[5]);
    return totalLength > available ? -1 : static_cast<int64_t>(totalLength);
  }
  return -1;
}

bool Contains(const std::vector<Ipv4Range>& ranges, uint32_t address) {
  for (const Ipv4Range& range : ranges) {
    if ((address & range.mask) == range.network) return true;
  }
  return false;
}

bool Contains(const std::vector<Ipv6Range>& ranges, const uint8_t* address) {
  for (const Ipv6Range& range : ranges) {
    bool inside = true;
    for (size_t i = 0; i < 16 && inside; i++) {
      inside = (address[i] & range.mask[i]) == range.network[i];
    }
    if (inside) return true;
  }
  return false;
}

// IPv4 source 12, destination 16; IPv6 source 8, destination 24. `source` and `destination`
// name the ranges the packet's addresses must fall in.
bool Covers(const uint8_t* packet, uint8_t nextHeader, const std::vector<Ipv4Range>& source,
            const std::vector<Ipv4Range>& destination, const std::vector<Ipv6Range>& source6,
            const std::vector<Ipv6Range>& destination6) {
  if (nextHeader == kNextHeaderIpv4) {
    return Contains(source, ReadBe32(packet + 12)) && Contains(destination, ReadBe32(packet + 16));
  }
  return nextHeader == kNextHeaderIpv6 && Contains(source6, packet + 8) &&
         Contains(destination6, packet + 24);
}

// RFC 4303 2.4: padding so the plaintext fills whole alignment units (a power of two).
size_t PadLength(size_t payloadLength, size_t alignment) {
  return (alignment - ((payloadLength + kTrailerLength) & (alignment - 1))) & (alignment - 1);
}

EVP_CIPHER_CTX* KeyedContext(EVP_CIPHER* cipher, const std::vector<uint8_t>& key, bool encrypt) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (ctx == nullptr) return nullptr;
  // a defined start for CBC's chain, which then runs on from packet to packet (Seal, Open);
  // GCM sets its nonce per packet
  const uint8_t zeroIv[EVP_MAX_IV_LENGTH] = {};
  if (EVP_CipherInit_ex(ctx, cipher, nullptr, key.data(), zeroIv, encrypt ? 1 : 0) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx, 0) != 1) {  // ESP pads itself
    EVP_CIPHER_CTX_free(ctx);
    return nullptr;
  }
  return ctx;
}

EVP_MAC_CTX* KeyedMac(EVP_MAC* mac, const std::string& digest, const std::vector<uint8_t>& key) {
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  if (ctx == nullptr) return nullptr;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest.c_str()),
                                       0),
      OSSL_PARAM_construct_end(),
  };
  if (EVP_MAC_init(ctx, key.data(), key.size(), params) != 1) {
    EVP_MAC_CTX_free(ctx);
    return nullptr;
  }
  return ctx;
}

}  // namespace

ReplayWindow::ReplayWindow(uint32_t size) : size_(size) {
  // (top - size, top] touches at most ceil(size / 32) + 1 words; a power of two makes the ring
  // index a mask
  uint32_t needed = (size + 31) / 32 + 1;
  uint32_t words = 1;
  while (words < needed) words <<= 1;
  words_.assign(words, 0);
  mask_ = words - 1;
}

bool ReplayWindow::IsFresh(uint32_t seq) const {
  if (seq == 0) return false;
  if (seq > top_) return true;
  if (top_ - seq >= size_) return false;
  return (words_[(seq >> 5) & mask_] & (1u << (seq & 31))) == 0;
}

void ReplayWindow::Accept(uint32_t seq) {
  if (seq > top_) {
    uint32_t topWord = top_ >> 5;
    uint32_t slide = std::min<uint32_t>((seq >> 5) - topWord, static_cast<uint32_t>(words_.size()));
    for (uint32_t step = 1; step <= slide; step++) words_[(topWord + step) & mask_] = 0;
    top_ = seq;
  }
  words_[(seq >> 5) & mask_] |= 1u << (seq & 31);
}

bool RandomPool::Fill(uint8_t* out, size_t length) {
  if (length > sizeof(pool_)) return false;
  if (used_ + length > sizeof(pool_)) {
    if (RAND_bytes(pool_, sizeof(pool_)) != 1) return false;
    used_ = 0;
  }
  std::memcpy(out, pool_ + used_, length);
  OPENSSL_cleanse(pool_ + used_, length);  // handed out once, never again
  used_ += length;
  return true;
}

std::unique_ptr<SecurityAssociation> SecurityAssociation::Create(const SaConfig& config,
                                                                 std::string* error) {
  std::unique_ptr<SecurityAssociation> sa(new SecurityAssociation());
  sa->cipher_ = EVP_CIPHER_fetch(nullptr, config.cipher.c_str(), nullptr);
  if (sa->cipher_ == nullptr) {
    *error = "OpenSSL has no cipher " + config.cipher;
    return nullptr;
  }
  size_t keyLength = static_cast<size_t>(EVP_CIPHER_get_key_length(sa->cipher_));
  sa->gcm_ = EVP_CIPHER_get_mode(sa->cipher_) == EVP_CIPH_GCM_MODE;
  for (const DirectionKeys* keys : {&config.inbound, &config.outbound}) {
    if (keys->encryptionKey.size() != keyLength ||
        keys->salt.size() != (sa->gcm_ ? kGcmSalt : 0) ||
        (sa->gcm_ ? !keys->integrityKey.empty() : keys->integrityKey.empty())) {
      *error = "key lengths do not fit " + config.cipher;
      return nullptr;
    }
  }
  if (sa->gcm_) {
    sa->ivLength_ = kGcmExplicitIv;
    sa->alignment_ = 4;  // RFC 4303 2.4: 4-byte alignment for a stream-like cipher
    sa->icvLength_ = kGcmIcv;
    std::memcpy(sa->saltIn_, config.inbound.salt.data(), kGcmSalt);
    std::memcpy(sa->saltOut_, config.outbound.salt.data(), kGcmSalt);
  } else {
    if (EVP_CIPHER_get_mode(sa->cipher_) != EVP_CIPH_CBC_MODE || config.digest.empty()) {
      *error = "not a CBC cipher with an HMAC: " + config.cipher;
      return nullptr;
    }
    sa->ivLength_ = static_cast<size_t>(EVP_CIPHER_get_block_size(sa->cipher_));
    sa->alignment_ = std::max<size_t>(sa->ivLength_, 4);
    sa->icvLength_ = config.icvLength;
    sa->macAlgorithm_ = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (sa->macAlgorithm_ == nullptr) {
      *error = "OpenSSL has no HMAC";
      return nullptr;
    }
    sa->sealMac_ = KeyedMac(sa->macAlgorithm_, config.digest, config.outbound.integrityKey);
    sa->openMac_ = KeyedMac(sa->macAlgorithm_, config.digest, config.inbound.integrityKey);
    if (sa->sealMac_ == nullptr || sa->openMac_ == nullptr ||
        EVP_MAC_CTX_get_mac_size(sa->sealMac_) < sa->icvLength_ || sa->icvLength_ == 0) {
      *error = "OpenSSL cannot make HMAC-" + config.digest + " with this ICV length";
      return nullptr;
    }
  }
  sa->sealCtx_ = KeyedContext(sa->cipher_, config.outbound.encryptionKey, true);
  sa->openCtx_ = KeyedContext(sa->cipher_, config.inbound.encryptionKey, false);
  if (sa->sealCtx_ == nullptr || sa->openCtx_ == nullptr) {
    *error = "OpenSSL refused the keys for " + config.cipher;
    return nullptr;
  }
  sa->spiIn_ = config.inbound.spi;
  sa->spiOut_ = config.outbound.spi;
  sa->window_ = std::make_unique<ReplayWindow>(config.replayWindow);
  sa->outbound_.nextSequence = config.firstSequence;
  sa->softLifetimeBytes_ = config.softLifetimeBytes;
  sa->hardLifetimeBytes_ = config.hardLifetimeBytes;
  sa->local_ = config.local;
  sa->remote_ = config.remote;
  sa->local6_ = config.local6;
  sa->remote6_ = config.remote6;
  return sa;
}

SecurityAssociation::~SecurityAssociation() {
  // the contexts hold the key schedules: freeing them cleanses them
  EVP_CIPHER_CTX_free(sealCtx_);
  EVP_CIPHER_CTX_free(openCtx_);
  EVP_MAC_CTX_free(sealMac_);
  EVP_MAC_CTX_free(openMac_);
  EVP_MAC_free(macAlgorithm_);
  EVP_CIPHER_free(cipher_);
  OPENSSL_cleanse(saltIn_, sizeof(saltIn_));
  OPENSSL_cleanse(saltOut_, sizeof(saltOut_));
}

bool SecurityAssociation::CoversOutbound(const uint8_t* packet, size_t length) const {
  uint8_t nextHeader = NextHeaderFor(packet, length);
  if (length < (nextHeader == kNextHeaderIpv6 ? 40u : 20u)) return false;
  return Covers(packet, nextHeader, local_, remote_, local6_, remote6_);
}

size_t SecurityAssociation::SealedLength(size_t innerLength) const {
  return kHeaderLength + ivLength_ + innerLength + PadLength(innerLength, alignment_) +
         kTrailerLength + icvLength_;
}

Counters SecurityAssociation::counters() const { return Counters{inbound_, outbound_.counters}; }

void SecurityAssociation::Signal(RekeyReason reason, uint32_t* signals) {
  uint32_t bit = 1u << reason;
  // once past a limit every packet calls here: a plain read first, not a write to a shared line
  if ((signalled_.load(std::memory_order_relaxed) & bit) != 0) return;
  if ((signalled_.fetch_or(bit, std::memory_order_relaxed) & bit) == 0) *signals |= bit;
}

bool SecurityAssociation::Expired() const {
  uint32_t hard = (1u << kSequenceExhausted) | (1u << kKilobyteHardLimit);
  return (signalled_.load(std::memory_order_relaxed) & hard) != 0;
}

void SecurityAssociation::CheckKilobytes(uint64_t bytes, uint32_t* signals) {
  double counted = static_cast<double>(bytes);
  if (softLifetimeBytes_ > 0 && counted >= softLifetimeBytes_) Signal(kKilobyteLifetime, signals);
  if (hardLifetimeBytes_ > 0 && counted >= hardLifetimeBytes_) Signal(kKilobyteHardLimit, signals);
}

int64_t SecurityAssociation::NumberOutbound(size_t innerLength, double now, uint32_t* signals) {
  uint64_t sequence = outbound_.nextSequence;
  if (sequence > kMaxSequence) Signal(kSequenceExhausted, signals);  // installed past the end
  if (Expired()) {
    outbound_.counters.sendErrors++;  // RFC 4303 3.3.3, RFC 4301 4.4.2.1: only a new SA can send
    return -1;
  }
  outbound_.nextSequence = sequence + 1;
  outbound_.counters.packets++;
  outbound_.counters.bytes += innerLength;
  outbound_.counters.lastAt = now;
  if (sequence >= kSequenceSoftLimit) Signal(kSequenceSpace, signals);
  if (sequence == kMaxSequence) Signal(kSequenceExhausted, signals);
  CheckKilobytes(outbound_.counters.bytes, signals);
  return static_cast<int64_t>(sequence);
}

bool SecurityAssociation::Mac(EVP_MAC_CTX* mac, const uint8_t* data, size_t length,
                              uint8_t* icv) {
  size_t macLength = 0;
  return EVP_MAC_init(mac, nullptr, 0, nullptr) == 1 &&  // same key, fresh state
         EVP_MAC_update(mac, data, length) == 1 &&
         EVP_MAC_final(mac, icv, &macLength, EVP_MAX_MD_SIZE) == 1;
}

bool SecurityAssociation::Seal(const uint8_t* inner, size_t length, uint32_t sequence,
                               uint8_t* out, RandomPool* random) {
  WriteBe32(out, spiOut_);
  WriteBe32(out + 4, sequence);
  uint8_t* iv = out + kHeaderLength;
  uint8_t* plaintext = iv + ivLength_;
  // payload | padding 1, 2, 3, ... | pad length | next header (RFC 4303 2.4-2.6)
  std::memcpy(plaintext, inner, length);
  size_t padLength = PadLength(length, alignment_);
  for (size_t pad = 1; pad <= padLength; pad++) plaintext[length + pad - 1] = static_cast<uint8_t>(pad);
  plaintext[length + padLength] = static_cast<uint8_t>(padLength);
  plaintext[length + padLength + 1] = NextHeaderFor(inner, length);
  int plainLength = static_cast<int>(length + padLength + kTrailerLength);
  uint8_t* icv = plaintext + plainLength;
  int written = 0;
  if (gcm_) {
    // RFC 4106 3.1: the explicit IV need only be unique per key; the 64-bit sequence number
    // (high half 0 without ESN) is, because the sequence never cycles under one key
    WriteBe32(iv, 0);
    WriteBe32(iv + 4, sequence);
    uint8_t nonce[kGcmSalt + kGcmExplicitIv];
    std::memcpy(nonce, saltOut_, kGcmSalt);
    std::memcpy(nonce + kGcmSalt, iv, kGcmExplicitIv);
    int ignored = 0;
    return EVP_EncryptInit_ex(sealCtx_, nullptr, nullptr, nullptr, nonce) == 1 &&
           EVP_EncryptUpdate(sealCtx_, nullptr, &ignored, out, kHeaderLength) == 1 &&  // AAD
           EVP_EncryptUpdate(sealCtx_, plaintext, &written, plaintext, plainLength) == 1 &&
           EVP_EncryptFinal_ex(sealCtx_, plaintext + written, &ignored) == 1 &&
           EVP_CIPHER_CTX_ctrl(sealCtx_, EVP_CTRL_GCM_GET_TAG, kGcmIcv, icv) == 1;
  }
  // RFC 3602 3: the IV must be unpredictable. The context is not re-initialised with one per
  // packet (OpenSSL 3.0 looks its parameters up by name on every init); its chain runs on
  // from the previous packet's last block C, and a random block R is encrypted in front of
  // the payload. The block sent as IV is E(K, R xor C), unpredictable because R is, and the
  // payload chains from it exactly as CBC with that IV (NIST SP 800-38A appendix C: an IV
  // made with the forward cipher function).
  uint8_t mac[EVP_MAX_MD_SIZE];
  int chained = static_cast<int>(ivLength_) + plainLength;
  if (!random->Fill(iv, ivLength_) ||
      EVP_EncryptUpdate(sealCtx_, iv, &written, iv, chained) != 1 || written != chained ||
      !Mac(sealMac_, out, static_cast<size_t>(icv - out), mac)) {
    return false;
  }
  std::memcpy(icv, mac, icvLength_);  // truncated (RFC 2404 2, RFC 4868 2.1.1)
  return true;
}

bool SecurityAssociation::FitsLength(size_t length) const {
  size_t overhead = kHeaderLength + ivLength_ + icvLength_;
  if (length < overhead + kTrailerLength) return false;
  return gcm_ || (length - overhead) % ivLength_ == 0;  // whole CBC blocks
}

Outcome SecurityAssociation::Open(const uint8_t* packet, size_t length, uint8_t* out,
                                  size_t* innerLength, double now, uint32_t* signals) {
  if (!FitsLength(length)) return kMalformed;
  // cheap rejection of duplicates and old packets before the ICV ...
  uint32_t sequence = ReadBe32(packet + 4);
  if (!window_->IsFresh(sequence)) {
    inbound_.replayDrops++;
    return kReplay;
  }
  const uint8_t* iv = packet + kHeaderLength;
  const uint8_t* ciphertext = iv + ivLength_;
  size_t icvOffset = length - icvLength_;
  int cipherLength = static_cast<int>(icvOffset - kHeaderLength - ivLength_);
  int written = 0;
  int finalLength = 0;
  if (gcm_) {
    // GCM verifies its tag in Final over what it decrypted (OpenSSL compares in constant
    // time); the plaintext in out is used only once that succeeded
    uint8_t nonce[kGcmSalt + kGcmExplicitIv];
    std::memcpy(nonce, saltIn_, kGcmSalt);
    std::memcpy(nonce + kGcmSalt, iv, kGcmExplicitIv);
    int ignored = 0;
    bool authentic =
        EVP_DecryptInit_ex(openCtx_, nullptr, nullptr, nullptr, nonce) == 1 &&
        EVP_DecryptUpdate(openCtx_, nullptr, &ignored, packet, kHeaderLength) == 1 &&
        EVP_DecryptUpdate(openCtx_, out, &written, ciphertext, cipherLength) == 1 &&
        EVP_CIPHER_CTX_ctrl(openCtx_, EVP_CTRL_GCM_SET_TAG, kGcmIcv,
                            const_cast<uint8_t*>(packet + icvOffset)) == 1 &&
        EVP_DecryptFinal_ex(openCtx_, out + written, &finalLength) == 1;
    if (!authentic) {
      inbound_.icvFailures++;
      return kIcv;
    }
  } else {
    // RFC 4303 3.4.4.1: ICV first, in constant time; nothing is decrypted before it verified
    uint8_t mac[EVP_MAX_MD_SIZE];
    if (!Mac(openMac_, packet, icvOffset, mac) ||
        CRYPTO_memcmp(mac, packet + icvOffset, icvLength_) != 0) {
      inbound_.icvFailures++;
      return kIcv;
    }
    // as in Seal, no init per packet: decrypting the IV block (into nothing of use) makes the
    // IV the chain the ciphertext's first block is decrypted against
    uint8_t ivBlock[EVP_MAX_BLOCK_LENGTH];
    int ivWritten = 0;
    if (EVP_DecryptUpdate(openCtx_, ivBlock, &ivWritten, iv, static_cast<int>(ivLength_)) != 1 ||
        ivWritten != static_cast<int>(ivLength_) ||
        EVP_DecryptUpdate(openCtx_, out, &written, ciphertext, cipherLength) != 1 ||
        written != cipherLength) {
      // authentic but undecryptable: OpenSSL failed; the window stays as it was
      inbound_.decryptErrors++;
      return kDecrypt;
    }
  }
  // ... and the window moves only for authentic packets (RFC 4303 3.4.3)
  window_->Accept(sequence);
  inbound_.lastAt = now;
  return Deliver(out, static_cast<size_t>(cipherLength), innerLength, signals);
}

Outcome SecurityAssociation::Deliver(uint8_t* plaintext, size_t length, size_t* innerLength,
                                     uint32_t* signals) {
  // RFC 4303 2.4: padding is 1, 2, 3, ...
  size_t padLength = plaintext[length - 2];
  if (padLength + kTrailerLength > length) {
    inbound_.paddingErrors++;
    return kPadding;
  }
  size_t payloadLength = length - kTrailerLength - padLength;
  for (size_t pad = 1; pad <= padLength; pad++) {
    if (plaintext[payloadLength + pad - 1] != pad) {
      inbound_.paddingErrors++;
      return kPadding;
    }
  }
  uint8_t nextHeader = plaintext[length - 1];
  if (nextHeader == kNextHeaderNone) {
    inbound_.packets++;  // RFC 4303 2.6: counted, carries nothing
    return kDummy;
  }
  int64_t inner = InnerPacketLength(plaintext, payloadLength, nextHeader);
  if (inner < 0) {
    inbound_.decryptErrors++;
    return kDecrypt;
  }
  // RFC 4301 5.2: from remote to local
  if (!Covers(plaintext, nextHeader, remote_, local_, remote6_, local6_)) {
    inbound_.selectorDrops++;
    return kSelector;
  }
  inbound_.packets++;
  inbound_.bytes += static_cast<uint64_t>(inner);
  CheckKilobytes(inbound_.bytes, signals);
  *innerLength = static_cast<size_t>(inner);
  return kDelivered;
}

bool Engine::Install(uint32_t handle, std::unique_ptr<SecurityAssociation> sa) {
  std::scoped_lock both(sealing_, opening_);
  for (const Entry& entry : sas_) {
    if (entry.handle == handle || entry.sa->spiIn() == sa->spiIn()) return false;
  }
  sas_.insert(sas_.begin(), Entry{handle, std::move(sa)});
  return true;
}

bool Engine::Remove(uint32_t handle) {
  std::scoped_lock both(sealing_, opening_);
  for (auto it = sas_.begin(); it != sas_.end(); ++it) {
    if (it->handle == handle) {
      sas_.erase(it);
      return true;
    }
  }
  return false;
}

Engine::Entry* Engine::Find(uint32_t handle) {
  for (Entry& entry : sas_) {
    if (entry.handle == handle) return &entry;
  }
  return nullptr;
}

bool Engine::CountersOf(uint32_t handle, Counters* out) {
  std::scoped_lock both(sealing_, opening_);
  Entry* entry = Find(handle);
  if (entry == nullptr) return false;
  *out = entry->sa->counters();
  return true;
}

Totals Engine::totals() {
  std::scoped_lock both(sealing_, opening_);
  return Totals{noSaDrops_, noRouteDrops_, malformedIn_ + malformedOut_};
}

void Engine::Queue(uint32_t handle, uint32_t signals) {
  std::lock_guard<std::mutex> hold(eventsLock_);
  for (RekeyReason reason :
       {kSequenceSpace, kKilobyteLifetime, kSequenceExhausted, kKilobyteHardLimit}) {
    if ((signals & (1u << reason)) != 0) events_.push_back(Event{handle, reason});
  }
  eventsWaiting_.store(true, std::memory_order_release);
}

bool Engine::HasEvents() { return eventsWaiting_.load(std::memory_order_acquire); }

std::vector<Engine::Event> Engine::TakeEvents() {
  std::lock_guard<std::mutex> hold(eventsLock_);
  std::vector<Event> taken;
  taken.swap(events_);
  eventsWaiting_.store(false, std::memory_order_release);
  return taken;
}

size_t Engine::SealRoom(const Packet* inner, size_t count) const {
  // header, the largest IV (16), padding to the largest block (15), trailer, the largest ICV
  size_t room = 0;
  for (size_t i = 0; i < count; i++) room += inner[i].length + kHeaderLength + 16 + 15 + 2 + 64;
  return room;
}

size_t Engine::Seal(const Packet* inner, size_t count, uint8_t* out, uint32_t* lengths,
                    double now) {
  std::lock_guard<std::mutex> hold(sealing_);
  size_t sealed = 0;
  size_t offset = 0;
  for (size_t i = 0; i < count; i++) {
    const uint8_t* packet = inner[i].data;
    size_t length = inner[i].length;
    if (InnerPacketLength(packet, length, NextHeaderFor(packet, length)) !=
        static_cast<int64_t>(length)) {
      malformedOut_++;
      continue;
    }
    Entry* found = nullptr;
    for (Entry& entry : sas_) {
      if (entry.sa->CoversOutbound(packet, length)) {
        found = &entry;
        break;
      }
    }
    if (found == nullptr) {
      noRouteDrops_++;
      continue;
    }
    uint32_t signals = 0;
    int64_t sequence = found->sa->NumberOutbound(length, now, &signals);
    if (signals != 0) Queue(found->handle, signals);
    if (sequence < 0) continue;
    if (!found->sa->Seal(packet, length, static_cast<uint32_t>(sequence), out + offset,
                         &random_)) {
      found->sa->CountSendError();  // OpenSSL failed: nothing to send
      continue;
    }
    size_t sealedLength = found->sa->SealedLength(length);
    lengths[sealed++] = static_cast<uint32_t>(sealedLength);
    offset += sealedLength;
  }
  return sealed;
}

size_t Engine::Open(const Packet* packets, size_t count, uint8_t* out, uint32_t* lengths,
                    uint8_t* outcomes, double now) {
  std::lock_guard<std::mutex> hold(opening_);
  size_t delivered = 0;
  size_t offset = 0;
  for (size_t i = 0; i < count; i++) {
    const uint8_t* packet = packets[i].data;
    size_t length = packets[i].length;
    if (length < kHeaderLength) {
      malformedIn_++;
      outcomes[i] = kMalformed;
      continue;
    }
    uint32_t spi = ReadBe32(packet);
    Entry* found = nullptr;
    for (Entry& entry : sas_) {
      if (entry.sa->spiIn() == spi) {
        found = &entry;
        break;
      }
    }
    if (found == nullptr) {
      noSaDrops_++;
      outcomes[i] = kNoSa;
      continue;
    }
    uint32_t signals = 0;
    size_t innerLength = 0;
    Outcome outcome = found->sa->Open(packet, length, out + offset, &innerLength, now, &signals);
    if (signals != 0) Queue(found->handle, signals);
    // a packet that cannot be this SA's has no SA: the engine counts it
    if (outcome == kMalformed) malformedIn_++;
    outcomes[i] = outcome;
    if (outcome != kDelivered) continue;
    lengths[delivered++] = static_cast<uint32_t>(innerLength);
    offset += innerLength;
  }
  return delivered;
}

}  // namespace esp
