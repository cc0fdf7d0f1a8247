// The DER encoding of a certificate's subject name (RFC 5280 4.1.2.6), which node:crypto's
// X509Certificate gives only as text. Our IKEv1 certificate requests name each CA of the
// profile by it, as the Certification Authority field of a CR payload holds (RFC 2408 3.10).
// OpenSSL's d2i_X509 reads the certificate and i2d_X509_NAME writes the name it parsed.
#include <napi.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "openssl_owned.h"

namespace {

using Certificate = Owned<X509, X509_free>;

// subjectDer(certificateDer): the DER of its subject Name; null for bytes that are not exactly
// one DER certificate.
Napi::Value SubjectDer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsBuffer()) {
    Napi::TypeError::New(env, "subjectDer(certificateDer: Buffer)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto der = info[0].As<Napi::Buffer<uint8_t>>();
  const unsigned char* cursor = der.Data();
  // OpenSSL's error queue is per thread and shared with Node's own crypto: leave it empty
  Certificate certificate(d2i_X509(nullptr, &cursor, static_cast<long>(der.Length())));
  if (!certificate || cursor != der.Data() + der.Length()) {
    ERR_clear_error();
    return env.Null();
  }
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

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("subjectDer", Napi::Function::New(env, SubjectDer, "subjectDer"));
  return exports;
}

}  // namespace

NODE_API_MODULE(x509_name, Init)
