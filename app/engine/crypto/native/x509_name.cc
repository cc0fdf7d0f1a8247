// What node:crypto's X509Certificate does not give of a certificate: the DER encoding of its
// subject name (RFC 5280 4.1.2.6; it gives names only as text), by which our IKEv1 certificate
// requests name each CA of the profile, as the Certification Authority field of a CR payload
// holds (RFC 2408 3.10); its KeyUsage bits (RFC 5280 4.2.1.3; it gives only the extended key
// usages), which decide whether the gateway's key may sign; and what a CRL (RFC 5280 5) says of
// it, which node:crypto cannot read at all. OpenSSL's d2i_X509 and d2i_X509_CRL read the DER,
// i2d_X509_NAME writes the name it parsed, X509_get_key_usage reads the extension,
// X509_CRL_verify checks a CRL's signature and X509_CRL_get0_by_cert finds a certificate in it.
// The policy (which CRL counts, when it is current) is the engine's (app/engine/crypto/crl.ts).
#include <napi.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cmath>
#include <cstdint>
#include <ctime>

#include "openssl_owned.h"

namespace {

using Certificate = Owned<X509, X509_free>;
using Crl = Owned<X509_CRL, X509_CRL_free>;
using ReasonCode = Owned<ASN1_ENUMERATED, ASN1_ENUMERATED_free>;

// Exactly one DER object of type T in `bytes`, else empty. OpenSSL's error queue is per thread
// and shared with Node's own crypto: it is left empty.
template <typename T, T* (*Decode)(T**, const unsigned char**, long), void (*Free)(T*)>
Owned<T, Free> ReadDer(const Napi::Buffer<uint8_t>& bytes) {
  const unsigned char* cursor = bytes.Data();
  Owned<T, Free> object(Decode(nullptr, &cursor, static_cast<long>(bytes.Length())));
  ERR_clear_error();
  if (object && cursor != bytes.Data() + bytes.Length()) return Owned<T, Free>(nullptr);
  return object;
}

const auto ReadCertificate = ReadDer<X509, d2i_X509, X509_free>;
const auto ReadCrl = ReadDer<X509_CRL, d2i_X509_CRL, X509_CRL_free>;

// The call's arguments must be `count` Buffers: else a TypeError naming `usage` (false).
bool BufferArguments(const Napi::CallbackInfo& info, size_t count, const char* usage) {
  bool valid = info.Length() == count;
  for (size_t i = 0; valid && i < count; i++) valid = info[i].IsBuffer();
  if (!valid) Napi::TypeError::New(info.Env(), usage).ThrowAsJavaScriptException();
  return valid;
}

// The certificate in the call's one Buffer argument. Throws a TypeError naming `usage` when
// the argument is not a Buffer (*thrown set); an empty result when the bytes are not exactly
// one DER certificate.
Certificate ArgumentCertificate(const Napi::CallbackInfo& info, const char* usage,
                                bool* thrown) {
  *thrown = !BufferArguments(info, 1, usage);
  if (*thrown) return Certificate(nullptr);
  return ReadCertificate(info[0].As<Napi::Buffer<uint8_t>>());
}

// subjectDer(certificateDer): the DER of its subject Name; null for bytes that are not exactly
// one DER certificate, or whose Name is not DER.
Napi::Value SubjectDer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool thrown = false;
  Certificate certificate =
      ArgumentCertificate(info, "subjectDer(certificateDer: Buffer)", &thrown);
  if (thrown) return env.Undefined();
  if (!certificate) return env.Null();
  unsigned char* name = nullptr;
  const int length = i2d_X509_NAME(X509_get_subject_name(certificate.get()), &name);
  ERR_clear_error();
  // i2d gives back the bytes d2i read, and d2i takes a Name whose SEQUENCE tag lost its
  // constructed bit (0x10): that is no DER Name (X.690 8.9.1), so no CR may carry it
  const bool sequence = length > 0 && name[0] == 0x30;
  Napi::Value result = env.Null();
  if (sequence) result = Napi::Buffer<uint8_t>::Copy(env, name, static_cast<size_t>(length));
  OPENSSL_free(name);
  return result;
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

// Seconds since the epoch of an ASN.1 time; NaN when it cannot be read.
double EpochSeconds(const ASN1_TIME* time) {
  struct tm parts = {};
  if (time == nullptr || ASN1_TIME_to_tm(time, &parts) != 1) {
    ERR_clear_error();
    return NAN;
  }
  return static_cast<double>(timegm(&parts));
}

// Whether the CRL has an extension marked critical: RFC 5280 5.2 has a client that does not
// process one refuse the CRL; the critical ones defined (delta CRL indicator, issuing
// distribution point) narrow its scope, which this check does not follow.
bool HasCriticalExtension(const X509_CRL* crl) {
  for (int i = 0; i < X509_CRL_get_ext_count(crl); i++) {
    if (X509_EXTENSION_get_critical(X509_CRL_get_ext(crl, i)) != 0) return true;
  }
  return false;
}

// crlStatus(crlDer, certificateDer, issuerDer): what the CRL says of the certificate:
// { issuedBy: the CRL names the certificate's issuer and the issuer's key signed it,
//   critical: it has a critical extension, thisUpdate, nextUpdate (seconds since the epoch;
//   NaN when absent), listed: the certificate is in its list, revokedAt (seconds; NaN when not
//   listed), reason (its CRLReason, RFC 5280 5.3.1; -1 without one) };
// null when an argument is not exactly one DER CRL or certificate.
Napi::Value CrlStatus(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!BufferArguments(info, 3,
                       "crlStatus(crlDer: Buffer, certificateDer: Buffer, issuerDer: Buffer)")) {
    return env.Undefined();
  }
  Crl crl = ReadCrl(info[0].As<Napi::Buffer<uint8_t>>());
  Certificate certificate = ReadCertificate(info[1].As<Napi::Buffer<uint8_t>>());
  Certificate issuer = ReadCertificate(info[2].As<Napi::Buffer<uint8_t>>());
  if (!crl || !certificate || !issuer) return env.Null();
  EVP_PKEY* issuerKey = X509_get0_pubkey(issuer.get());
  const bool issuedBy =
      X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_issuer_name(certificate.get())) ==
          0 &&
      issuerKey != nullptr && X509_CRL_verify(crl.get(), issuerKey) == 1;
  ERR_clear_error();
  double revokedAt = NAN;
  int reason = -1;
  X509_REVOKED* entry = nullptr;
  // 1: listed (2 would be a delta CRL's removeFromCRL entry)
  const bool listed =
      X509_CRL_get0_by_cert(crl.get(), &entry, certificate.get()) == 1 && entry != nullptr;
  if (listed) {
    revokedAt = EpochSeconds(X509_REVOKED_get0_revocationDate(entry));
    ReasonCode code(static_cast<ASN1_ENUMERATED*>(
        X509_REVOKED_get_ext_d2i(entry, NID_crl_reason, nullptr, nullptr)));
    if (code) reason = static_cast<int>(ASN1_ENUMERATED_get(code.get()));
  }
  ERR_clear_error();
  Napi::Object status = Napi::Object::New(env);
  status.Set("issuedBy", Napi::Boolean::New(env, issuedBy));
  status.Set("critical", Napi::Boolean::New(env, HasCriticalExtension(crl.get())));
  status.Set("thisUpdate",
             Napi::Number::New(env, EpochSeconds(X509_CRL_get0_lastUpdate(crl.get()))));
  status.Set("nextUpdate",
             Napi::Number::New(env, EpochSeconds(X509_CRL_get0_nextUpdate(crl.get()))));
  status.Set("listed", Napi::Boolean::New(env, listed));
  status.Set("revokedAt", Napi::Number::New(env, revokedAt));
  status.Set("reason", Napi::Number::New(env, reason));
  return status;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("subjectDer", Napi::Function::New(env, SubjectDer, "subjectDer"));
  exports.Set("keyUsage", Napi::Function::New(env, KeyUsage, "keyUsage"));
  exports.Set("crlStatus", Napi::Function::New(env, CrlStatus, "crlStatus"));
  return exports;
}

}  // namespace

NODE_API_MODULE(x509_name, Init)
