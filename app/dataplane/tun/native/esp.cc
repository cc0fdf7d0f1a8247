// The ESP engine (esp-sa.h) as a Node-API class: one call seals or opens a whole batch of
// packets into an output slab the caller owns and reuses, so a batch costs one crossing into
// native code and no allocation. JavaScript installs and removes SAs, reads counters and
// drains lifetime events (a flag in a shared Uint32Array says when there are any). The engine
// locks for itself (a lock per direction), so these calls and the data path's threads
// (datapath.cc) can use it at once.
#include <napi.h>

#include <openssl/crypto.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "addon-support.h"
#include "esp-sa.h"

namespace addon {
namespace {

constexpr uint32_t kCounterFields = 12;

bool Fail(Napi::Env env, const std::string& message) {
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  return false;
}

bool BytesField(Napi::Env env, Napi::Object from, const char* name, std::vector<uint8_t>* out) {
  Napi::Value value = from.Get(name);
  if (!value.IsBuffer()) return Fail(env, std::string(name) + " must be a Buffer");
  Napi::Buffer<uint8_t> buffer = value.As<Napi::Buffer<uint8_t>>();
  out->assign(buffer.Data(), buffer.Data() + buffer.Length());
  return true;
}

bool NumberField(Napi::Env env, Napi::Object from, const char* name, double* out) {
  Napi::Value value = from.Get(name);
  if (!value.IsNumber()) return Fail(env, std::string(name) + " must be a number");
  *out = value.As<Napi::Number>().DoubleValue();
  return true;
}

bool DirectionField(Napi::Env env, Napi::Object from, const char* name, esp::DirectionKeys* out) {
  Napi::Value value = from.Get(name);
  if (!value.IsObject()) return Fail(env, std::string(name) + " must be an object");
  Napi::Object keys = value.As<Napi::Object>();
  double spi = 0;
  if (!NumberField(env, keys, "spi", &spi) || !BytesField(env, keys, "encryptionKey", &out->encryptionKey) ||
      !BytesField(env, keys, "integrityKey", &out->integrityKey) ||
      !BytesField(env, keys, "salt", &out->salt)) {
    return false;
  }
  out->spi = static_cast<uint32_t>(spi);
  return true;
}

// [network, mask, network, mask, ...]
bool RangesField(Napi::Env env, Napi::Object from, const char* name,
                 std::vector<esp::Ipv4Range>* out) {
  Napi::Value value = from.Get(name);
  if (!value.IsTypedArray() ||
      value.As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array) {
    return Fail(env, std::string(name) + " must be a Uint32Array");
  }
  Napi::Uint32Array ranges = value.As<Napi::Uint32Array>();
  for (size_t i = 0; i + 1 < ranges.ElementLength(); i += 2) {
    out->push_back(esp::Ipv4Range{ranges[i], ranges[i + 1]});
  }
  return true;
}

// [network 16 bytes, mask 16 bytes, ...]
bool Ranges6Field(Napi::Env env, Napi::Object from, const char* name,
                  std::vector<esp::Ipv6Range>* out) {
  Napi::Value value = from.Get(name);
  if (!value.IsTypedArray() ||
      value.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array ||
      value.As<Napi::Uint8Array>().ElementLength() % 32 != 0) {
    return Fail(env, std::string(name) + " must be a Uint8Array of 32-byte ranges");
  }
  Napi::Uint8Array ranges = value.As<Napi::Uint8Array>();
  for (size_t i = 0; i < ranges.ElementLength(); i += 32) {
    esp::Ipv6Range range;
    std::memcpy(range.network, ranges.Data() + i, 16);
    std::memcpy(range.mask, ranges.Data() + i + 16, 16);
    out->push_back(range);
  }
  return true;
}

void WipeConfig(esp::SaConfig* config) {
  for (esp::DirectionKeys* keys : {&config->inbound, &config->outbound}) {
    for (std::vector<uint8_t>* bytes : {&keys->encryptionKey, &keys->integrityKey, &keys->salt}) {
      if (!bytes->empty()) OPENSSL_cleanse(bytes->data(), bytes->size());
    }
  }
}

// marks EspEngine objects, so the data path can tell one from any other object (Node-API 8)
constexpr napi_type_tag kEspTag = {0x5a0e3f9b71c24d86, 0xb3d86e1f4a9c0725};

class EspEngine : public Napi::ObjectWrap<EspEngine>, public EspPort {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "EspEngine",
                       {
                           InstanceMethod<&EspEngine::Install>("install"),
                           InstanceMethod<&EspEngine::Remove>("remove"),
                           InstanceMethod<&EspEngine::Seal>("seal"),
                           InstanceMethod<&EspEngine::Open>("open"),
                           InstanceMethod<&EspEngine::SaCounters>("saCounters"),
                           InstanceMethod<&EspEngine::Totals>("totals"),
                           InstanceMethod<&EspEngine::TakeEvents>("takeEvents"),
                       });
  }

  // new EspEngine(signal: Uint32Array(1)): signal[0] becomes non-zero when events wait.
  explicit EspEngine(const Napi::CallbackInfo& info) : Napi::ObjectWrap<EspEngine>(info) {
    Napi::Env env = info.Env();
    if (!info[0].IsTypedArray() ||
        info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array ||
        info[0].As<Napi::TypedArray>().ElementLength() < 1) {
      Fail(env, "new EspEngine(Uint32Array(1))");
      return;
    }
    signalRef_ = Napi::Persistent(info[0].As<Napi::Uint32Array>());
    signal_ = signalRef_.Value().Data();
    napi_type_tag_object(env, info.This(), &kEspTag);
  }

  esp::Engine& engine() override { return engine_; }

  void Flag() override {
    if (engine_.HasEvents()) signal_[0] = 1;
  }

 private:
  // install(handle, spec): spec as NativeSaSpec in native-esp-engine.ts. Throws a TypeError
  // for a malformed spec, an Error when OpenSSL refuses it or handle/inbound SPI is taken.
  Napi::Value Install(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsNumber() || !info[1].IsObject()) {
      Fail(env, "install(handle, spec)");
      return env.Undefined();
    }
    Napi::Object spec = info[1].As<Napi::Object>();
    esp::SaConfig config;
    double icvLength = 0, replayWindow = 0, firstSequence = 0;
    Napi::Value cipher = spec.Get("cipher");
    Napi::Value digest = spec.Get("digest");
    if (!cipher.IsString() || !digest.IsString()) {
      Fail(env, "cipher and digest must be strings");
      return env.Undefined();
    }
    config.cipher = cipher.As<Napi::String>().Utf8Value();
    config.digest = digest.As<Napi::String>().Utf8Value();
    bool ok = NumberField(env, spec, "icvLength", &icvLength) &&
              NumberField(env, spec, "replayWindow", &replayWindow) &&
              NumberField(env, spec, "softLifetimeBytes", &config.softLifetimeBytes) &&
              NumberField(env, spec, "hardLifetimeBytes", &config.hardLifetimeBytes) &&
              NumberField(env, spec, "firstSequence", &firstSequence) &&
              DirectionField(env, spec, "inbound", &config.inbound) &&
              DirectionField(env, spec, "outbound", &config.outbound) &&
              RangesField(env, spec, "local", &config.local) &&
              RangesField(env, spec, "remote", &config.remote) &&
              Ranges6Field(env, spec, "local6", &config.local6) &&
              Ranges6Field(env, spec, "remote6", &config.remote6);
    if (ok && (replayWindow < 1 || replayWindow > (1 << 20) || icvLength < 0 || icvLength > 64 ||
               firstSequence < 0 || firstSequence > 4294967296.0)) {
      ok = Fail(env, "replayWindow, icvLength or firstSequence out of range");
    }
    if (!ok) {
      WipeConfig(&config);
      return env.Undefined();
    }
    config.icvLength = static_cast<uint32_t>(icvLength);
    config.replayWindow = static_cast<uint32_t>(replayWindow);
    config.firstSequence = static_cast<uint64_t>(firstSequence);
    std::string error;
    std::unique_ptr<esp::SecurityAssociation> sa = esp::SecurityAssociation::Create(config, &error);
    WipeConfig(&config);
    if (!sa) {
      Napi::Error::New(env, error).ThrowAsJavaScriptException();
      return env.Undefined();
    }
    if (!engine_.Install(info[0].As<Napi::Number>().Uint32Value(), std::move(sa))) {
      Napi::Error::New(env, "SA handle or inbound SPI already installed")
          .ThrowAsJavaScriptException();
    }
    return env.Undefined();
  }

  // remove(handle): whether it was installed. Its key schedules are freed (cleansed).
  Napi::Value Remove(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(),
                              engine_.Remove(info[0].As<Napi::Number>().Uint32Value()));
  }

  // The packets argument as views; false, with a TypeError thrown, if it is not Buffer[].
  bool Packets(Napi::Env env, Napi::Value value) {
    if (!BufferArrayArgument(env, value, &views_)) return false;
    packets_.resize(views_.size());
    for (size_t i = 0; i < views_.size(); i++) {
      packets_[i] = esp::Engine::Packet{static_cast<const uint8_t*>(views_[i].iov_base),
                                        views_[i].iov_len};
    }
    return true;
  }

  // The output slab and lengths arguments, lengths long enough for the batch.
  bool Outputs(Napi::Env env, const Napi::CallbackInfo& info, Napi::Buffer<uint8_t>* slab,
               Napi::Uint32Array* lengths) {
    if (!info[1].IsBuffer() || !info[2].IsTypedArray() ||
        info[2].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array ||
        info[2].As<Napi::TypedArray>().ElementLength() < packets_.size()) {
      return Fail(env, "(packets, slab: Buffer, lengths: Uint32Array(packets.length))");
    }
    *slab = info[1].As<Napi::Buffer<uint8_t>>();
    *lengths = info[2].As<Napi::Uint32Array>();
    return true;
  }

  // seal(packets, slab, lengths): the ESP packets back to back in slab, their lengths in
  // lengths; how many (drops are counted, not returned). -(bytes needed) if slab is too small,
  // with nothing sealed.
  Napi::Value Seal(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Buffer<uint8_t> slab;
    Napi::Uint32Array lengths;
    if (!Packets(env, info[0]) || !Outputs(env, info, &slab, &lengths)) return env.Undefined();
    size_t room = engine_.SealRoom(packets_.data(), packets_.size());
    if (room > slab.Length()) return Napi::Number::New(env, -static_cast<double>(room));
    size_t sealed =
        engine_.Seal(packets_.data(), packets_.size(), slab.Data(), lengths.Data(), NowMs());
    Flag();
    return Napi::Number::New(env, static_cast<double>(sealed));
  }

  // open(packets, slab, lengths, outcomes: Uint8Array(packets.length)): the inner packets back
  // to back in slab, their lengths in lengths, each input's outcome (0 delivered, else the
  // drop reason's index in ESP_DROP_REASONS plus one); how many were delivered. -(bytes
  // needed) if slab is too small, with nothing opened.
  Napi::Value Open(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Buffer<uint8_t> slab;
    Napi::Uint32Array lengths;
    if (!Packets(env, info[0]) || !Outputs(env, info, &slab, &lengths)) return env.Undefined();
    if (!info[3].IsTypedArray() ||
        info[3].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array ||
        info[3].As<Napi::TypedArray>().ElementLength() < packets_.size()) {
      Fail(env, "outcomes must be a Uint8Array(packets.length)");
      return env.Undefined();
    }
    size_t room = 0;
    for (const esp::Engine::Packet& packet : packets_) room += packet.length;
    if (room > slab.Length()) return Napi::Number::New(env, -static_cast<double>(room));
    size_t delivered =
        engine_.Open(packets_.data(), packets_.size(), slab.Data(), lengths.Data(),
                     info[3].As<Napi::Uint8Array>().Data(), NowMs());
    Flag();
    return Napi::Number::New(env, static_cast<double>(delivered));
  }

  // saCounters(handle, Float64Array(12)): false if no such SA. Field order: COUNTER_FIELDS in
  // native-esp-engine.ts.
  Napi::Value SaCounters(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[1].IsTypedArray() ||
        info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array ||
        info[1].As<Napi::TypedArray>().ElementLength() < kCounterFields) {
      Fail(env, "saCounters(handle, Float64Array(12))");
      return env.Undefined();
    }
    esp::Counters c;
    if (!engine_.CountersOf(info[0].As<Napi::Number>().Uint32Value(), &c)) {
      return Napi::Boolean::New(env, false);
    }
    double* out = info[1].As<Napi::Float64Array>().Data();
    const double fields[kCounterFields] = {
        double(c.in.packets),       double(c.in.bytes),          double(c.out.packets),
        double(c.out.bytes),        double(c.in.icvFailures),    double(c.in.replayDrops),
        double(c.in.decryptErrors), double(c.in.paddingErrors),  double(c.in.selectorDrops),
        double(c.out.sendErrors),   c.in.lastAt,                 c.out.lastAt,
    };
    std::copy(fields, fields + kCounterFields, out);
    return Napi::Boolean::New(env, true);
  }

  // totals(): { noSaDrops, noRouteDrops, malformedDrops }.
  Napi::Value Totals(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const esp::Totals totals = engine_.totals();
    Napi::Object out = Napi::Object::New(env);
    out.Set("noSaDrops", double(totals.noSaDrops));
    out.Set("noRouteDrops", double(totals.noRouteDrops));
    out.Set("malformedDrops", double(totals.malformedDrops));
    return out;
  }

  // takeEvents(): [handle, reason (esp::RekeyReason: 0 sequence-space, 1 kilobyte-lifetime soft,
  // 2 sequence space exhausted, 3 kilobyte hard limit), ...] since the last call; clears the
  // signal.
  Napi::Value TakeEvents(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::vector<esp::Engine::Event> events = engine_.TakeEvents();
    Napi::Array out = Napi::Array::New(env, events.size() * 2);
    for (size_t i = 0; i < events.size(); i++) {
      out.Set(static_cast<uint32_t>(2 * i), events[i].handle);
      out.Set(static_cast<uint32_t>(2 * i + 1), static_cast<uint32_t>(events[i].reason));
    }
    signal_[0] = 0;
    return out;
  }

  esp::Engine engine_;
  Napi::Reference<Napi::Uint32Array> signalRef_;
  uint32_t* signal_ = nullptr;
  // per-call scratch, kept so a batch allocates nothing once they reached its size
  std::vector<iovec> views_;
  std::vector<esp::Engine::Packet> packets_;
};

}  // namespace

void DefineEvpBaseline(Napi::Env env, Napi::Object exports);  // esp-evp-baseline.cc

EspPort* EspPortOf(Napi::Env env, Napi::Value value) {
  return UnwrapTagged<EspEngine>(env, value, kEspTag);
}

void DefineEspEngine(Napi::Env env, Napi::Object exports) {
  exports.Set("EspEngine", EspEngine::Define(env));
  DefineEvpBaseline(env, exports);
}

}  // namespace addon
