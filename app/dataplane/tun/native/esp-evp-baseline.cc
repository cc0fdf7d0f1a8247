// For bench/esp-crypto.ts: the bare OpenSSL EVP work of one ESP packet, with contexts keyed
// once as esp-sa.cc keys them and no ESP framing, replay window, counters or JavaScript:
// the physical floor the addon's per-packet cost is compared with; and that cost itself, the
// ESP engine's batch calls as the data path (datapath.cc) makes them, on the same clock.
#include <napi.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <ctime>
#include <string>
#include <vector>

#include "addon-support.h"
#include "esp-sa.h"

namespace addon {
namespace {

double ThreadCpuNs() {
  timespec now;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) * 1e9 + static_cast<double>(now.tv_nsec);
}

// evpBaseline(cipher, digest ('' for GCM), icvLength, plaintextLength, count):
// { sealNs, openNs } thread CPU per packet.
Napi::Value EvpBaseline(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string cipherName = info[0].As<Napi::String>().Utf8Value();
  std::string digest = info[1].As<Napi::String>().Utf8Value();
  size_t icvLength = info[2].As<Napi::Number>().Uint32Value();
  int length = info[3].As<Napi::Number>().Int32Value();
  uint32_t count = info[4].As<Napi::Number>().Uint32Value();
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, cipherName.c_str(), nullptr);
  if (cipher == nullptr || length <= 0 || count == 0) {
    EVP_CIPHER_free(cipher);
    Napi::Error::New(env, "evpBaseline: no such cipher or nothing to do")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  bool gcm = EVP_CIPHER_get_mode(cipher) == EVP_CIPH_GCM_MODE;
  std::vector<uint8_t> key(static_cast<size_t>(EVP_CIPHER_get_key_length(cipher)), 7);
  std::vector<uint8_t> macKey(32, 9);
  uint8_t iv[16] = {3};
  uint8_t aad[8] = {5};
  std::vector<uint8_t> plain(static_cast<size_t>(length), 1), sealed(plain.size() + 32);
  std::vector<uint8_t> opened(sealed.size());
  uint8_t icv[EVP_MAX_MD_SIZE];
  EVP_CIPHER_CTX* enc = EVP_CIPHER_CTX_new();
  EVP_CIPHER_CTX* dec = EVP_CIPHER_CTX_new();
  EVP_CipherInit_ex(enc, cipher, nullptr, key.data(), nullptr, 1);
  EVP_CipherInit_ex(dec, cipher, nullptr, key.data(), nullptr, 0);
  EVP_CIPHER_CTX_set_padding(enc, 0);
  EVP_CIPHER_CTX_set_padding(dec, 0);
  EVP_MAC* mac = gcm ? nullptr : EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* macCtx = mac == nullptr ? nullptr : EVP_MAC_CTX_new(mac);
  if (macCtx != nullptr) {
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest.data(), 0),
        OSSL_PARAM_construct_end()};
    EVP_MAC_init(macCtx, macKey.data(), EVP_MD_get_size(EVP_get_digestbyname(digest.c_str())),
                 params);
  }
  int out = 0, tail = 0;
  size_t macLength = 0;
  bool ok = true;
  auto mac_over = [&](const uint8_t* data, size_t size) {
    ok &= EVP_MAC_init(macCtx, nullptr, 0, nullptr) == 1 &&
          EVP_MAC_update(macCtx, data, size) == 1 &&
          EVP_MAC_final(macCtx, icv, &macLength, sizeof(icv)) == 1;
  };
  double started = ThreadCpuNs();
  for (uint32_t i = 0; i < count; i++) {
    ok &= EVP_EncryptInit_ex(enc, nullptr, nullptr, nullptr, iv) == 1;
    if (gcm) ok &= EVP_EncryptUpdate(enc, nullptr, &tail, aad, sizeof(aad)) == 1;
    ok &= EVP_EncryptUpdate(enc, sealed.data(), &out, plain.data(), length) == 1 &&
          EVP_EncryptFinal_ex(enc, sealed.data() + out, &tail) == 1;
    if (gcm) {
      ok &= EVP_CIPHER_CTX_ctrl(enc, EVP_CTRL_GCM_GET_TAG, 16, icv) == 1;
    } else {
      mac_over(sealed.data(), static_cast<size_t>(length));
    }
  }
  double sealNs = (ThreadCpuNs() - started) / count;
  started = ThreadCpuNs();
  for (uint32_t i = 0; i < count; i++) {
    if (gcm) {
      ok &= EVP_DecryptInit_ex(dec, nullptr, nullptr, nullptr, iv) == 1 &&
            EVP_DecryptUpdate(dec, nullptr, &tail, aad, sizeof(aad)) == 1 &&
            EVP_DecryptUpdate(dec, opened.data(), &out, sealed.data(), length) == 1 &&
            EVP_CIPHER_CTX_ctrl(dec, EVP_CTRL_GCM_SET_TAG, 16, icv) == 1 &&
            EVP_DecryptFinal_ex(dec, opened.data() + out, &tail) == 1;
    } else {
      uint8_t expected[EVP_MAX_MD_SIZE];
      std::copy(icv, icv + icvLength, expected);
      mac_over(sealed.data(), static_cast<size_t>(length));
      ok &= CRYPTO_memcmp(expected, icv, icvLength) == 0 &&
            EVP_DecryptInit_ex(dec, nullptr, nullptr, nullptr, iv) == 1 &&
            EVP_DecryptUpdate(dec, opened.data(), &out, sealed.data(), length) == 1;
    }
  }
  double openNs = (ThreadCpuNs() - started) / count;
  EVP_CIPHER_CTX_free(enc);
  EVP_CIPHER_CTX_free(dec);
  EVP_MAC_CTX_free(macCtx);
  EVP_MAC_free(mac);
  EVP_CIPHER_free(cipher);
  if (!ok) {
    Napi::Error::New(env, "evpBaseline: OpenSSL failed").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("sealNs", sealNs);
  result.Set("openNs", openNs);
  return result;
}

// engineCost's rounds between two readings of the clock (its received batches are kept for a
// chunk: 4 x 64 packets of 1400 bytes, about 380 KB, stay in cache as the data path's do)
constexpr uint32_t kChunkRounds = 4;

std::vector<esp::Engine::Packet> PacketsOf(const std::vector<iovec>& views) {
  std::vector<esp::Engine::Packet> packets(views.size());
  for (size_t i = 0; i < views.size(); i++) {
    packets[i] = {static_cast<const uint8_t*>(views[i].iov_base), views[i].iov_len};
  }
  return packets;
}

// engineCost(client: EspEngine, gateway: EspEngine, outbound: Buffer[], inbound: Buffer[],
// rounds): { sealNs, openNs } thread CPU per packet of client's engine sealing the outbound
// batch and opening the gateway's sealing of the inbound batch (made untimed, fresh sequence
// numbers each round), `rounds` times each: what datapath.cc spends per packet besides I/O.
Napi::Value EngineCost(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EspPort* client = EspPortOf(env, info[0]);
  EspPort* gateway = EspPortOf(env, info[1]);
  std::vector<iovec> outboundViews, inboundViews;
  if (client == nullptr || gateway == nullptr ||
      !BufferArrayArgument(env, info[2], &outboundViews) ||
      !BufferArrayArgument(env, info[3], &inboundViews) || !info[4].IsNumber()) {
    Napi::TypeError::New(env, "engineCost(EspEngine, EspEngine, Buffer[], Buffer[], rounds)")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  uint32_t rounds = info[4].As<Napi::Number>().Uint32Value();
  std::vector<esp::Engine::Packet> outbound = PacketsOf(outboundViews);
  std::vector<esp::Engine::Packet> inbound = PacketsOf(inboundViews);
  // each engine call takes its direction's lock, as it does on the data path's threads. The
  // clock is read per chunk of rounds, not per batch: the thread CPU clock is a system call,
  // which evpBaseline pays twice in all and the data path not at all.
  esp::Engine& engine = client->engine();
  size_t roomPerRound = gateway->engine().SealRoom(inbound.data(), inbound.size());
  std::vector<uint8_t> received(roomPerRound * kChunkRounds);
  std::vector<uint8_t> sealed(engine.SealRoom(outbound.data(), outbound.size()));
  std::vector<uint8_t> opened(roomPerRound);
  std::vector<uint32_t> lengths(std::max(outbound.size(), inbound.size()));
  std::vector<uint8_t> outcomes(inbound.size());
  std::vector<std::vector<esp::Engine::Packet>> arriving(kChunkRounds);
  bool ok = rounds > 0;
  double sealCpu = 0, openCpu = 0;
  for (uint32_t done = 0; ok && done < rounds;) {
    uint32_t chunk = std::min(kChunkRounds, rounds - done);
    // untimed: the gateway's batches for this chunk, fresh sequence numbers each
    for (uint32_t round = 0; ok && round < chunk; round++) {
      uint8_t* slab = received.data() + round * roomPerRound;
      size_t count = gateway->engine().Seal(inbound.data(), inbound.size(), slab,
                                            lengths.data(), NowMs());
      ok = count == inbound.size();
      arriving[round].resize(count);
      size_t offset = 0;
      for (size_t i = 0; i < count; i++) {
        arriving[round][i] = {slab + offset, lengths[i]};
        offset += lengths[i];
      }
    }
    double started = ThreadCpuNs();
    for (uint32_t round = 0; ok && round < chunk; round++) {
      ok = engine.Seal(outbound.data(), outbound.size(), sealed.data(), lengths.data(),
                       NowMs()) == outbound.size();
    }
    sealCpu += ThreadCpuNs() - started;
    started = ThreadCpuNs();
    for (uint32_t round = 0; ok && round < chunk; round++) {
      ok = engine.Open(arriving[round].data(), arriving[round].size(), opened.data(),
                       lengths.data(), outcomes.data(), NowMs()) == arriving[round].size();
    }
    openCpu += ThreadCpuNs() - started;
    done += chunk;
  }
  if (!ok) {
    Napi::Error::New(env, "engineCost: a packet was dropped").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("sealNs", sealCpu / (static_cast<double>(rounds) * outbound.size()));
  result.Set("openNs", openCpu / (static_cast<double>(rounds) * inbound.size()));
  return result;
}

}  // namespace

void DefineEvpBaseline(Napi::Env env, Napi::Object exports) {
  exports.Set("evpBaseline", Napi::Function::New<EvpBaseline>(env, "evpBaseline"));
  exports.Set("engineCost", Napi::Function::New<EngineCost>(env, "engineCost"));
}

}  // namespace addon
