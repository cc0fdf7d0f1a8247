// The tunnel's hot loop without JavaScript: a TUN read batch is sealed (esp-sa.h) and leaves as
// one UDP send batch; a UDP receive batch is demultiplexed (RFC 3948 2.2, 2.3), opened and
// written to the TUN as one batch. Both run in the readers' libuv poll callbacks on Node's own
// loop, so an SA installed from JavaScript is in place for the very next packet, without locks.
// JavaScript hears only of what is its business: an IKE message on the NAT-T port (with what
// followed it in the batch, which must wait for the IKE handler's turn) and lifetime events.
#include <napi.h>

#include <memory>
#include <vector>

#include "addon-support.h"
#include "esp-sa.h"

namespace addon {
namespace {

// RFC 3948 2.2: IKE on port 4500 starts with four zero bytes where ESP has its SPI.
constexpr size_t kNonEspMarker = 4;
// SPI and sequence number (RFC 4303 2.1, 2.2): anything shorter is a keepalive (RFC 3948 2.3,
// one 0xFF byte) or nothing that could be ESP
constexpr size_t kEspHeader = 8;
// activity(): lastReceivedAt, lastSentAt, sendDrops
constexpr size_t kActivityFields = 3;

bool IsIke(const iovec& datagram) {
  const uint8_t* data = static_cast<const uint8_t*>(datagram.iov_base);
  return datagram.iov_len > kNonEspMarker && data[0] == 0 && data[1] == 0 && data[2] == 0 &&
         data[3] == 0;
}

// A direction's output: packets back to back in a slab that grows (rarely) and is reused, so a
// batch allocates nothing in steady state.
struct Outputs {
  std::vector<uint8_t> slab;
  std::vector<uint32_t> lengths;
  std::vector<uint8_t> outcomes;
  std::vector<esp::Engine::Packet> inputs;
  std::vector<iovec> views;

  void Fit(size_t packets, size_t bytes) {
    if (lengths.size() < packets) {
      lengths.resize(packets);
      outcomes.resize(packets);
    }
    if (slab.size() < bytes) slab.resize(bytes);
  }

  // views of the first `count` outputs
  const std::vector<iovec>& Views(size_t count) {
    views.resize(count);
    size_t offset = 0;
    for (size_t i = 0; i < count; i++) {
      views[i] = iovec{slab.data() + offset, lengths[i]};
      offset += lengths[i];
    }
    return views;
  }
};

class DataPath : public Napi::ObjectWrap<DataPath> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "DataPath",
                       {
                           InstanceMethod<&DataPath::SetTun>("setTun"),
                           InstanceMethod<&DataPath::Resume>("resume"),
                           InstanceMethod<&DataPath::Activity>("activity"),
                           InstanceMethod<&DataPath::Close>("close"),
                       });
  }

  // new DataPath(esp: EspEngine, udp: UdpSocket, onIke(packet, rest: Buffer, restLengths:
  // Uint32Array), onEvents()): takes the socket's receive batches from now on.
  explicit DataPath(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DataPath>(info) {
    Napi::Env env = info.Env();
    esp_ = EspPortOf(env, info[0]);
    udp_ = UdpPortOf(env, info[1]);
    if (esp_ == nullptr || udp_ == nullptr || !info[2].IsFunction() || !info[3].IsFunction()) {
      Napi::TypeError::New(env, "new DataPath(EspEngine, UdpSocket, onIke, onEvents)")
          .ThrowAsJavaScriptException();
      return;
    }
    espRef_ = Napi::Persistent(info[0].As<Napi::Object>());
    udpRef_ = Napi::Persistent(info[1].As<Napi::Object>());
    onIke_ = Napi::Persistent(info[2].As<Napi::Function>());
    onEvents_ = Napi::Persistent(info[3].As<Napi::Function>());
    context_ = std::make_unique<Napi::AsyncContext>(env, "DataPath", Value());
    udp_->SetSink(&fromUdp_);
    Ref();  // the readers point at this object until close()
  }

 private:
  struct FromTun : BatchSink {
    DataPath* path;
    explicit FromTun(DataPath* owner) : path(owner) {}
    void TakeBatch(const iovec* packets, uint32_t count) override { path->Seal(packets, count); }
  };
  struct FromUdp : BatchSink {
    DataPath* path;
    explicit FromUdp(DataPath* owner) : path(owner) {}
    void TakeBatch(const iovec* packets, uint32_t count) override {
      path->lastReceivedAt_ = NowMs();
      path->Open(packets, count);
    }
  };

  // setTun(tun | null): the TUN the opened packets go to and whose read batches are sealed.
  // Without one, opened packets are counted and dropped.
  Napi::Value SetTun(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    PacketPort* tun = info[0].IsNull() ? nullptr : TunPortOf(env, info[0]);
    if (tun == nullptr && !info[0].IsNull()) {
      Napi::TypeError::New(env, "setTun(Tun | null)").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    if (closed_) return env.Undefined();
    if (tun_ != nullptr) tun_->SetSink(nullptr);
    tun_ = tun;
    if (tun_ != nullptr) {
      tunRef_ = Napi::Persistent(info[0].As<Napi::Object>());
      tun_->SetSink(&fromTun_);
    } else {
      tunRef_.Reset();
    }
    return env.Undefined();
  }

  // resume(slab, lengths): what followed an IKE message in a receive batch, handed back on a
  // later turn (after the IKE handler ran).
  Napi::Value Resume(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsBuffer() || !info[1].IsTypedArray() ||
        info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array) {
      Napi::TypeError::New(env, "resume(slab, lengths)").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    Napi::Buffer<uint8_t> slab = info[0].As<Napi::Buffer<uint8_t>>();
    Napi::Uint32Array lengths = info[1].As<Napi::Uint32Array>();
    resumed_.resize(lengths.ElementLength());
    size_t offset = 0;
    for (size_t i = 0; i < resumed_.size(); i++) {
      if (lengths[i] > slab.Length() - offset) {
        Napi::RangeError::New(env, "lengths overrun the slab").ThrowAsJavaScriptException();
        return env.Undefined();
      }
      resumed_[i] = iovec{slab.Data() + offset, lengths[i]};
      offset += lengths[i];
    }
    if (!closed_) Open(resumed_.data(), static_cast<uint32_t>(resumed_.size()));
    return env.Undefined();
  }

  // activity(out: Float64Array(3)): lastReceivedAt, lastSentAt (ms, 0 = never), sendDrops
  Napi::Value Activity(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsTypedArray() ||
        info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array ||
        info[0].As<Napi::TypedArray>().ElementLength() < kActivityFields) {
      Napi::TypeError::New(env, "activity(Float64Array(3))").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    double* out = info[0].As<Napi::Float64Array>().Data();
    out[0] = lastReceivedAt_;
    out[1] = lastSentAt_;
    out[2] = static_cast<double>(sendDrops_);
    return env.Undefined();
  }

  // close(): the readers deliver to JavaScript again; safe to repeat.
  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (!closed_) {
      closed_ = true;
      udp_->SetSink(nullptr);
      if (tun_ != nullptr) tun_->SetSink(nullptr);
      tun_ = nullptr;
      tunRef_.Reset();
      Unref();
    }
    return info.Env().Undefined();
  }

  // TUN -> ESP -> UDP, in order
  void Seal(const iovec* packets, uint32_t count) {
    esp::Engine& engine = esp_->engine();
    sealed_.inputs.resize(count);
    for (uint32_t i = 0; i < count; i++) {
      sealed_.inputs[i] = {static_cast<const uint8_t*>(packets[i].iov_base), packets[i].iov_len};
    }
    sealed_.Fit(count, engine.SealRoom(sealed_.inputs.data(), count));
    size_t done = engine.Seal(sealed_.inputs.data(), count, sealed_.slab.data(),
                              sealed_.lengths.data(), NowMs());
    if (done > 0) {
      lastSentAt_ = NowMs();
      sendDrops_ += done - udp_->WritePackets(sealed_.Views(done));
    }
    RaiseEvents();
  }

  // UDP -> ESP -> TUN, in order, up to the first IKE message, which goes to JavaScript with the
  // rest of the batch (copies: the reader reuses its slab).
  void Open(const iovec* datagrams, uint32_t count) {
    esp::Engine& engine = esp_->engine();
    uint32_t stop = count;
    size_t room = 0;
    opened_.inputs.clear();
    for (uint32_t i = 0; i < count; i++) {
      if (IsIke(datagrams[i])) {
        stop = i;
        break;
      }
      if (datagrams[i].iov_len < kEspHeader) continue;
      opened_.inputs.push_back(
          {static_cast<const uint8_t*>(datagrams[i].iov_base), datagrams[i].iov_len});
      room += datagrams[i].iov_len;
    }
    size_t inputs = opened_.inputs.size();
    opened_.Fit(inputs, room);
    size_t delivered = engine.Open(opened_.inputs.data(), inputs, opened_.slab.data(),
                                   opened_.lengths.data(), opened_.outcomes.data(), NowMs());
    if (delivered > 0 && tun_ != nullptr) tun_->WritePackets(opened_.Views(delivered));
    RaiseEvents();
    if (stop < count) HandUpIke(datagrams + stop, count - stop);
  }

  void HandUpIke(const iovec* datagrams, uint32_t count) {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    const uint8_t* ike = static_cast<const uint8_t*>(datagrams[0].iov_base);
    Napi::Buffer<uint8_t> packet = Napi::Buffer<uint8_t>::Copy(
        env, ike + kNonEspMarker, datagrams[0].iov_len - kNonEspMarker);
    size_t restBytes = 0;
    for (uint32_t i = 1; i < count; i++) restBytes += datagrams[i].iov_len;
    Napi::Buffer<uint8_t> rest = Napi::Buffer<uint8_t>::New(env, restBytes);
    Napi::Uint32Array restLengths = Napi::Uint32Array::New(env, count - 1);
    size_t offset = 0;
    for (uint32_t i = 1; i < count; i++) {
      std::memcpy(rest.Data() + offset, datagrams[i].iov_base, datagrams[i].iov_len);
      restLengths[i - 1] = static_cast<uint32_t>(datagrams[i].iov_len);
      offset += datagrams[i].iov_len;
    }
    Deliver(env, Value(), onIke_, {packet, rest, restLengths}, *context_);
  }

  void RaiseEvents() {
    if (esp_->engine().events().empty()) return;
    esp_->Flag();
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    Deliver(env, Value(), onEvents_, {}, *context_);
  }

  EspPort* esp_ = nullptr;
  PacketPort* udp_ = nullptr;
  PacketPort* tun_ = nullptr;
  Napi::ObjectReference espRef_;
  Napi::ObjectReference udpRef_;
  Napi::ObjectReference tunRef_;
  Napi::FunctionReference onIke_;
  Napi::FunctionReference onEvents_;
  std::unique_ptr<Napi::AsyncContext> context_;
  FromTun fromTun_{this};
  FromUdp fromUdp_{this};
  Outputs sealed_;
  Outputs opened_;
  std::vector<iovec> resumed_;
  double lastReceivedAt_ = 0;
  double lastSentAt_ = 0;
  uint64_t sendDrops_ = 0;
  bool closed_ = false;
};

}  // namespace

void DefineDataPath(Napi::Env env, Napi::Object exports) {
  exports.Set("DataPath", DataPath::Define(env));
}

}  // namespace addon
