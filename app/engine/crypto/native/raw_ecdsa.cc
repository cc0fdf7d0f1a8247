// ECDSA over a digest (IKEv1 phase 1 signatures, RFC 4754): SIG_I / SIG_R sign HASH_I / HASH_R
// itself, with no second hash, as strongSwan's IKEv1 does. node:crypto's sign and verify always
// hash their input, so this is done here on OpenSSL's EVP interface: EVP_PKEY_sign /
// EVP_PKEY_verify on a context with no message digest set take their input as the digest.
// On the wire the signature is r and s, each as long as the curve's order, concatenated
// (RFC 4754 7); OpenSSL reads and writes the DER ECDSA-Sig-Value, converted here with its
// ECDSA_SIG functions.
#include <napi.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <string>
#include <vector>

#include "openssl_owned.h"

namespace {

using Pkey = Owned<EVP_PKEY, EVP_PKEY_free>;
using Ctx = Owned<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using Sig = Owned<ECDSA_SIG, ECDSA_SIG_free>;

// OpenSSL's error queue is per thread and shared with Node's own crypto: leave it empty.
std::string TakeOpensslError(const char* what) {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return what;
  char reason[256];
  ERR_error_string_n(code, reason, sizeof(reason));
  return std::string(what) + ": " + reason;
}

// Bytes of r and of s on the wire: the length of the curve's order (66 for P-521).
size_t ScalarLength(EVP_PKEY* key) {
  return static_cast<size_t>((EVP_PKEY_get_bits(key) + 7) / 8);
}

bool IsEc(EVP_PKEY* key) { return EVP_PKEY_get_base_id(key) == EVP_PKEY_EC; }

bool BufferArgs(const Napi::CallbackInfo& info, size_t count) {
  if (info.Length() < count) return false;
  for (size_t i = 0; i < count; i++)
    if (!info[i].IsBuffer()) return false;
  return true;
}

// signDigest(pkcs8Der, digest): r || s
Napi::Value SignDigest(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!BufferArgs(info, 2)) {
    Napi::TypeError::New(env, "signDigest(pkcs8Der: Buffer, digest: Buffer)")
        .ThrowAsJavaScriptException();
    return env.Null();
  }
  auto der = info[0].As<Napi::Buffer<uint8_t>>();
  auto digest = info[1].As<Napi::Buffer<uint8_t>>();
  const unsigned char* cursor = der.Data();
  Pkey key(d2i_AutoPrivateKey(nullptr, &cursor, static_cast<long>(der.Length())));
  if (!key || !IsEc(key.get())) {
    Napi::Error::New(env, TakeOpensslError("not an EC private key (PKCS#8 DER)"))
        .ThrowAsJavaScriptException();
    return env.Null();
  }
  Ctx ctx(EVP_PKEY_CTX_new(key.get(), nullptr));
  size_t length = 0;
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) <= 0 ||
      EVP_PKEY_sign(ctx.get(), nullptr, &length, digest.Data(), digest.Length()) <= 0) {
    Napi::Error::New(env, TakeOpensslError("ECDSA signing failed")).ThrowAsJavaScriptException();
    return env.Null();
  }
  std::vector<unsigned char> encoded(length);
  if (EVP_PKEY_sign(ctx.get(), encoded.data(), &length, digest.Data(), digest.Length()) <= 0) {
    Napi::Error::New(env, TakeOpensslError("ECDSA signing failed")).ThrowAsJavaScriptException();
    return env.Null();
  }
  const unsigned char* sigCursor = encoded.data();
  Sig sig(d2i_ECDSA_SIG(nullptr, &sigCursor, static_cast<long>(length)));
  const size_t n = ScalarLength(key.get());
  auto out = Napi::Buffer<uint8_t>::New(env, 2 * n);
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  if (sig) ECDSA_SIG_get0(sig.get(), &r, &s);
  if (!sig || BN_bn2binpad(r, out.Data(), static_cast<int>(n)) < 0 ||
      BN_bn2binpad(s, out.Data() + n, static_cast<int>(n)) < 0) {
    Napi::Error::New(env, TakeOpensslError("ECDSA signature encoding failed"))
        .ThrowAsJavaScriptException();
    return env.Null();
  }
  return out;
}

// verifyDigest(spkiDer, digest, rs): whether rs (r || s) signs digest. Any malformed input but
// the argument types is simply false.
Napi::Value VerifyDigest(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!BufferArgs(info, 3)) {
    Napi::TypeError::New(env, "verifyDigest(spkiDer: Buffer, digest: Buffer, rs: Buffer)")
        .ThrowAsJavaScriptException();
    return env.Null();
  }
  auto der = info[0].As<Napi::Buffer<uint8_t>>();
  auto digest = info[1].As<Napi::Buffer<uint8_t>>();
  auto rs = info[2].As<Napi::Buffer<uint8_t>>();
  const unsigned char* cursor = der.Data();
  Pkey key(d2i_PUBKEY(nullptr, &cursor, static_cast<long>(der.Length())));
  bool valid = false;
  if (key && IsEc(key.get())) {
    const size_t n = ScalarLength(key.get());
    Sig sig(rs.Length() == 2 * n ? ECDSA_SIG_new() : nullptr);
    BIGNUM* r = sig ? BN_bin2bn(rs.Data(), static_cast<int>(n), nullptr) : nullptr;
    BIGNUM* s = sig ? BN_bin2bn(rs.Data() + n, static_cast<int>(n), nullptr) : nullptr;
    if (r && s && ECDSA_SIG_set0(sig.get(), r, s) == 1) {
      r = s = nullptr;  // owned by sig now
      unsigned char* encoded = nullptr;
      const int length = i2d_ECDSA_SIG(sig.get(), &encoded);
      Ctx ctx(length > 0 ? EVP_PKEY_CTX_new(key.get(), nullptr) : nullptr);
      valid = ctx && EVP_PKEY_verify_init(ctx.get()) > 0 &&
              EVP_PKEY_verify(ctx.get(), encoded, static_cast<size_t>(length), digest.Data(),
                              digest.Length()) == 1;
      OPENSSL_free(encoded);
    }
    BN_free(r);
    BN_free(s);
  }
  ERR_clear_error();
  return Napi::Boolean::New(env, valid);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("signDigest", Napi::Function::New(env, SignDigest));
  exports.Set("verifyDigest", Napi::Function::New(env, VerifyDigest));
  return exports;
}

}  // namespace

NODE_API_MODULE(raw_ecdsa, Init)
