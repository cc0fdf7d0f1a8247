// What node:crypto's X509Certificate does not give of a certificate: the DER encoding of its
// subject name (RFC 5280 4.1.2.6; it gives names only as text), by which our IKEv1 certificate
// requests name each CA of the profile, as the Certification Authority field of a CR payload
// holds (RFC 2408 3.10); and its KeyUsage bits (RFC 5280 4.2.1.3; it gives only the extended
// key usages), which decide whether the gateway's key may sign. OpenSSL's d2i_X509 reads the
// certificate, i2d_X509_NAME writes the name it parsed, X509_get_key_usage reads the extension.
#include <napi.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>

#include "openssl_owned.h"

namespace {

using Certificate = Owned<X509, X509_free>;

// The certificate in the call's one Buffer argument. Throws a TypeError naming `usage` when
// the argument is not a Buffer (*thrown set); an empty result when the bytes are not exactly
// one DER certificate.
Certificate ArgumentCertificate(const Napi::CallbackInfo& info, const char* usage,
                                bool* thrown) {
  *thrown = info.Length() != 1 || !info[0].IsBuffer();
  if (*thrown) {
    Napi::TypeError::New(info.Env(), usage).ThrowAsJavaScriptException();
    return Certificate(nullptr);
  }
  auto der = info[0].As<Napi::Buffer<uint8_t>>();
  const unsigned char* cursor = der.Data();
  Certificate certificate(d2i_X509(nullptr, &cursor, static_cast<long>(der.Length())));
  // OpenSSL's error queue is per thread and shared with Node's own crypto: leave it empty
  ERR_clear_error();
  if (certificate && cursor != der.Data() + der.Length()) return Certificate(nullptr);
  return certificate;
}

// subjectDer(certificateDer): the DER of its subject Name; null for bytes that are not exactly
// one DER certificate.
Napi::Value SubjectDer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool thrown = false;
  Certificate certificate =
      ArgumentCertificate(info, "subjectDer(certificateDer: Buffer)", &thrown);
  if (thrown) return env.Undefined();
  if (!certificate) return env.Null();
  unsigned char* name = nullptr;
  const int length = i2d_X509_NAME(X509_get_subject_name(certificate.get()), &name);
  if (length <= 0) {
    ERR_clear_error();
    return env.Null();
  }
  Napi::Buffer<uint8_t> copy = Napi::Buffer<uint8_t>::Copy(env, name, static_cast<size_t>(length));
  OPENSSL_free(name);
  return copy;
}

// keyUsage(certificateDer): the KeyUsage bits as X509_get_key_usage gives them (KU_* of
// openssl/x509v3.h: digitalSignature 0x80, nonRepudiation 0x40, ...); -1 without the extension;
// null for bytes that are not exactly one DER certificate.
Napi::Value KeyUsage(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool thrown = false;
  Certificate certificate = ArgumentCertificate(info, "keyUsage(certificateDer: Buffer)", &thrown);
  if (thrown) return env.Undefined();
  if (!certificate) return env.Null();
  // UINT32_MAX: no KeyUsage extension (every use allowed)
  const uint32_t bits = X509_get_key_usage(certificate.get());
  ERR_clear_error();
  return Napi::Number::New(env, bits == UINT32_MAX ? -1 : static_cast<double>(bits));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("subjectDer", Napi::Function::New(env, SubjectDer, "subjectDer"));
  exports.Set("keyUsage", Napi::Function::New(env, KeyUsage, "keyUsage"));
  return exports;
}

}  // namespace

NODE_API_MODULE(x509_name, Init)
