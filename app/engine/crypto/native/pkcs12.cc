// PKCS#12 (RFC 7292) client certificate files, opened by OpenSSL: node:crypto reads PEM and DER
// keys and certificates but not PKCS#12. d2i_PKCS12 parses the file, PKCS12_verify_mac checks
// the passphrase against its integrity MAC (RFC 7292 5.1), PKCS12_parse decrypts its bags and
// finds the private key and the certificate that belongs to it. What comes back is DER for
// node:crypto: the key as PKCS#8, the certificate and any others (the CA chain) as X.509.
// Every failure is an Error with a `code` the TypeScript side names for people.
#include <napi.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include <string>
#include <vector>

#include "openssl_owned.h"

namespace {

void FreeCerts(STACK_OF(X509) * certs) { sk_X509_pop_free(certs, X509_free); }

using Pkcs12 = Owned<PKCS12, PKCS12_free>;
using Pkey = Owned<EVP_PKEY, EVP_PKEY_free>;
using Cert = Owned<X509, X509_free>;
using Certs = Owned<STACK_OF(X509), FreeCerts>;
using Pkcs8 = Owned<PKCS8_PRIV_KEY_INFO, PKCS8_PRIV_KEY_INFO_free>;

// The passphrase as the C string OpenSSL takes, wiped when done with.
class Passphrase {
 public:
  explicit Passphrase(const Napi::Buffer<uint8_t>& bytes) {
    // room for the terminator first: a reallocation would leave a copy behind, unwiped
    text_.reserve(bytes.Length() + 1);
    text_.assign(bytes.Data(), bytes.Data() + bytes.Length());
    text_.push_back('\0');
  }
  ~Passphrase() { OPENSSL_cleanse(text_.data(), text_.size()); }
  Passphrase(const Passphrase&) = delete;
  Passphrase& operator=(const Passphrase&) = delete;
  const char* c_str() const { return reinterpret_cast<const char*>(text_.data()); }
  bool empty() const { return text_.size() == 1; }

 private:
  std::vector<uint8_t> text_;
};

// What OpenSSL's error queue says, taken off it: the queue is per thread and shared with Node's
// own crypto, so it is left empty. `unsupported`: an algorithm this OpenSSL does not offer (the
// legacy provider's RC2, say) somewhere in the queue, as opposed to bytes it cannot make sense of.
struct OpensslError {
  std::string text;
  bool unsupported = false;
};
OpensslError TakeOpensslError() {
  OpensslError error;
  unsigned long code;
  while ((code = ERR_get_error()) != 0) {
    if (ERR_GET_REASON(code) == ERR_R_UNSUPPORTED) error.unsupported = true;
    char text[256];
    ERR_error_string_n(code, text, sizeof(text));
    error.text = text;
  }
  return error;
}

Napi::Value Fail(Napi::Env env, const char* code, const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Value().Set("code", Napi::String::New(env, code));
  error.ThrowAsJavaScriptException();
  return env.Null();
}

Napi::Value Der(Napi::Env env, X509* cert) {
  unsigned char* encoded = nullptr;
  const int length = i2d_X509(cert, &encoded);
  if (length <= 0) return env.Null();
  auto out = Napi::Buffer<uint8_t>::Copy(env, encoded, static_cast<size_t>(length));
  OPENSSL_free(encoded);
  return out;
}

// PKCS#8 DER of the key; the intermediate copy OpenSSL made is wiped before it is freed.
Napi::Value KeyDer(Napi::Env env, EVP_PKEY* key) {
  Pkcs8 info(EVP_PKEY2PKCS8(key));
  unsigned char* encoded = nullptr;
  const int length = info ? i2d_PKCS8_PRIV_KEY_INFO(info.get(), &encoded) : -1;
  if (length <= 0) return env.Null();
  auto out = Napi::Buffer<uint8_t>::Copy(env, encoded, static_cast<size_t>(length));
  OPENSSL_clear_free(encoded, static_cast<size_t>(length));
  return out;
}

// The MAC over the contents (RFC 7292 5.1) is keyed by the passphrase, so a mismatch means a
// wrong one. An empty passphrase is tried both as empty and as absent, which writers disagree
// on (OpenSSL's own PKCS12_parse does the same). A failure that leaves an OpenSSL error is the
// MAC's algorithm or the file, not the passphrase. A file without a MAC (openssl pkcs12 -nomac) is judged
// by its decryption alone (which OpenSSL 3.0's PKCS12_parse refuses with a passphrase: "no-mac").
enum class MacCheck { kVerified, kWrong, kFailed };
MacCheck CheckMac(PKCS12* p12, const Passphrase& pass, OpensslError* why) {
  if (!PKCS12_mac_present(p12)) return MacCheck::kVerified;
  ERR_clear_error();
  if (PKCS12_verify_mac(p12, pass.c_str(), -1) == 1) return MacCheck::kVerified;
  if (pass.empty() && PKCS12_verify_mac(p12, nullptr, 0) == 1) return MacCheck::kVerified;
  *why = TakeOpensslError();
  return why->text.empty() ? MacCheck::kWrong : MacCheck::kFailed;
}

// Decryption or parsing failed: an algorithm OpenSSL lacks, or a damaged file.
Napi::Value FailOpening(Napi::Env env, const OpensslError& why) {
  return Fail(env, why.unsupported ? "unsupported" : "damaged", why.text);
}

// open(der, passphrase): { key: PKCS#8 DER, certificate: DER, chain: DER[] }
Napi::Value Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsBuffer() || !info[1].IsBuffer()) {
    Napi::TypeError::New(env, "open(der: Buffer, passphrase: Buffer)").ThrowAsJavaScriptException();
    return env.Null();
  }
  auto der = info[0].As<Napi::Buffer<uint8_t>>();
  const Passphrase pass(info[1].As<Napi::Buffer<uint8_t>>());
  const unsigned char* cursor = der.Data();
  ERR_clear_error();
  Pkcs12 p12(d2i_PKCS12(nullptr, &cursor, static_cast<long>(der.Length())));
  if (!p12) return Fail(env, "not-pkcs12", TakeOpensslError().text);

  OpensslError why;
  switch (CheckMac(p12.get(), pass, &why)) {
    case MacCheck::kWrong:
      return Fail(env, "wrong-passphrase", "the integrity MAC does not match the passphrase");
    case MacCheck::kFailed:
      return FailOpening(env, why);
    case MacCheck::kVerified:
      break;
  }

  EVP_PKEY* rawKey = nullptr;
  X509* rawCert = nullptr;
  STACK_OF(X509)* rawChain = nullptr;
  // the MAC is verified above; PKCS12_parse checks it again, with the same outcome
  const int parsed = PKCS12_parse(p12.get(), pass.empty() ? nullptr : pass.c_str(), &rawKey,
                                  &rawCert, &rawChain);
  Pkey key(rawKey);
  Cert cert(rawCert);
  Certs chain(rawChain);
  if (parsed != 1) {
    why = TakeOpensslError();
    if (!PKCS12_mac_present(p12.get()) && !pass.empty())
      return Fail(env, "no-mac", "the file has no integrity MAC: " + why.text);
    // a passphrase the MAC accepted that still cannot decrypt: the cipher or its key derivation
    // is one this OpenSSL does not offer (RC2-40 is in the legacy provider only)
    return FailOpening(env, why);
  }
  ERR_clear_error();
  if (!key) return Fail(env, "no-key", "the file holds no private key");
  if (!cert) return Fail(env, "no-certificate", "the file holds no certificate for its key");

  Napi::Object out = Napi::Object::New(env);
  Napi::Value keyDer = KeyDer(env, key.get());
  Napi::Value certDer = Der(env, cert.get());
  if (keyDer.IsNull() || certDer.IsNull())
    return Fail(env, "damaged", "the key or certificate cannot be encoded: " + TakeOpensslError().text);
  out.Set("key", keyDer);
  out.Set("certificate", certDer);
  const int count = chain ? sk_X509_num(chain.get()) : 0;
  Napi::Array others = Napi::Array::New(env);
  for (int i = 0; i < count; i++) {
    Napi::Value encoded = Der(env, sk_X509_value(chain.get(), i));
    if (!encoded.IsNull()) others.Set(others.Length(), encoded);
  }
  ERR_clear_error();
  out.Set("chain", others);
  return out;
}

// isPkcs12(bytes): whether OpenSSL parses the bytes as a PKCS#12 structure (nothing decrypted)
Napi::Value IsPkcs12(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsBuffer()) {
    Napi::TypeError::New(env, "isPkcs12(bytes: Buffer)").ThrowAsJavaScriptException();
    return env.Null();
  }
  auto bytes = info[0].As<Napi::Buffer<uint8_t>>();
  const unsigned char* cursor = bytes.Data();
  Pkcs12 p12(d2i_PKCS12(nullptr, &cursor, static_cast<long>(bytes.Length())));
  ERR_clear_error();
  return Napi::Boolean::New(env, p12 != nullptr);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("open", Napi::Function::New(env, Open));
  exports.Set("isPkcs12", Napi::Function::New(env, IsPkcs12));
  return exports;
}

}  // namespace

NODE_API_MODULE(pkcs12, Init)
