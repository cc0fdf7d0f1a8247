// The tunnel's hot loop without JavaScript, on two threads of its own: the outbound one reads
// the TUN (a blocking read, then what else is queued), seals the batch (esp-sa.h) and sends it
// as one UDP send batch; the inbound one takes a UDP receive batch (one blocking recvmmsg),
// demultiplexes it (RFC 3948 2.2, 2.3), opens it and writes it to the TUN. A lone packet thus
// costs its read, its crypto and its write, without an event loop turn or a poll. Each thread
// holds its own direction's lock of the EspEngine for a batch's crypto (esp-sa.h), never across
// a system call, so neither waits for the other's crypto and an SA installed from JavaScript is
// in place for the next batch. A signal that
// interrupts the blocking read stops a thread (WakeAndJoin).
// JavaScript hears, through a uv_async, only of what is its business: an IKE message on the
// NAT-T port (with what followed it in the batch, which must wait for the IKE handler's turn:
// the inbound thread waits with it), lifetime events and receive errors.
#include <napi.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
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

// The wake signal's handler: it only has to exist, so the blocking call returns EINTR.
void InstallWakeHandler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction action = {};
    action.sa_handler = [](int) {};
    sigemptyset(&action.sa_mask);
    sigaction(WakeSignal(), &action, nullptr);  // no SA_RESTART
  });
}

// A data path thread takes only the wake signal (and the faults it causes itself): the
// process's signals go to Node's threads.
void TakeOnlyWakeSignal() {
  sigset_t blocked;
  sigfillset(&blocked);
  for (int signal : {WakeSignal(), SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP}) {
    sigdelset(&blocked, signal);
  }
  pthread_sigmask(SIG_SETMASK, &blocked, nullptr);
}

// One direction's thread.
struct Worker {
  std::thread thread;
  std::atomic<bool> stop{false};
  bool done = false;  // under DataPath::mail_
};

class DataPath : public Napi::ObjectWrap<DataPath>, public PortBorrower {
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
  // Uint32Array), onEvents()): reads the socket from now on.
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
    uv_loop_t* loop = nullptr;
    napi_get_uv_event_loop(env, &loop);
    async_ = new uv_async_t;
    async_->data = this;
    uv_async_init(loop, async_, OnMail);
    // the sockets' and timers' own handles say whether the process stays alive
    uv_unref(reinterpret_cast<uv_handle_t*>(async_));
    napi_add_env_cleanup_hook(env, AtTeardown, this);
    static std::once_flag once;
    std::call_once(once, [] {
      Live();  // constructed first, so destroyed after HaltAllAtExit ran
      std::atexit(HaltAllAtExit);
    });
    Live().push_back(this);
    InstallWakeHandler();
    udp_->Lend(this);
    Launch(&inbound_, [this] {
      int failure = udp_->ReadLoop(&fromUdp_, inbound_.stop);
      if (failure != 0) Post([this, failure] { udpFailures_.push_back(failure); });
    });
    Ref();  // the threads point at this object until close()
  }

 private:
  struct FromTun : BatchSink {
    DataPath* path;
    explicit FromTun(DataPath* owner) : path(owner) {}
    void TakeBatch(const iovec* packets, uint32_t count) override { path->Seal(packets, count); }
    void ReadFailed(int errnum) override {
      path->Post([this, errnum] { path->tunFailure_ = errnum; });
    }
    // A packet the inbound thread's TUN write made (a TCP ACK for the data written) wakes this
    // thread while that write goes on: wait for its end, so its other ACKs leave in the same
    // send batch instead of one by one.
    void FirstArrived() override { std::lock_guard<std::mutex> wait(path->tunLock_); }
  };
  struct FromUdp : BatchSink {
    DataPath* path;
    explicit FromUdp(DataPath* owner) : path(owner) {}
    void TakeBatch(const iovec* packets, uint32_t count) override {
      path->lastReceivedAt_.store(NowMs(), std::memory_order_relaxed);
      path->OpenOnThread(packets, count);
    }
    void ReadFailed(int errnum) override {
      path->Post([this, errnum] { path->udpFailures_.push_back(errnum); });
    }
  };

  // setTun(tun | null): the TUN the opened packets go to and whose reads are sealed. Without
  // one, opened packets are counted and dropped.
  Napi::Value SetTun(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    PacketPort* tun = info[0].IsNull() ? nullptr : TunPortOf(env, info[0]);
    if (tun == nullptr && !info[0].IsNull()) {
      Napi::TypeError::New(env, "setTun(Tun | null)").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    if (closed_) return env.Undefined();
    DetachTun();
    if (tun == nullptr) return env.Undefined();
    tunRef_ = Napi::Persistent(info[0].As<Napi::Object>());
    tun->Lend(this);
    {
      std::lock_guard<std::mutex> hold(tunLock_);
      tun_ = tun;
    }
    Launch(&outbound_, [this, tun] {
      int failure = tun->ReadLoop(&fromTun_, outbound_.stop);
      if (failure != 0) Post([this, failure] { tunFailure_ = failure; });
    });
    return env.Undefined();
  }

  // resume(slab, lengths): what followed an IKE message in a receive batch, handed back on a
  // later turn (after the IKE handler ran); the inbound thread goes on once it is opened.
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
    if (closed_) return env.Undefined();
    uint32_t count = static_cast<uint32_t>(resumed_.size());
    uint32_t ike = OpenUpTo(resumed_.data(), count, &resumedOut_);
    if (ike < count) {
      HandUpIke(resumed_.data() + ike, count - ike);
    } else {
      ReleaseInbound();
    }
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
    out[0] = lastReceivedAt_.load(std::memory_order_relaxed);
    out[1] = lastSentAt_.load(std::memory_order_relaxed);
    out[2] = sendDrops_.get();
    return env.Undefined();
  }

  // close(): the threads stop and the devices are no longer read; safe to repeat.
  Napi::Value Close(const Napi::CallbackInfo& info) {
    Shutdown();
    return info.Env().Undefined();
  }

  // JavaScript closes a device while it is lent: its thread stops first.
  void Returned(PacketPort* port) override {
    if (port == tun_) {
      DetachTun();
    } else if (port == udp_) {
      Shutdown();
    }
  }

  void Shutdown() {
    if (closed_) return;
    StopThreads();
    DetachTun();
    udp_->Lend(nullptr);
    napi_remove_env_cleanup_hook(Env(), AtTeardown, this);
    udpRef_.Reset();
    espRef_.Reset();
    Unref();
  }

  // Before the environment's objects go (Node exits with the data path open): no thread may
  // outlive what it points at.
  static void AtTeardown(void* self) { static_cast<DataPath*>(self)->StopThreads(); }

  // process.exit() leaves the threads running while exit() runs its handlers, libcrypto's
  // cleanup among them; this one, registered after libcrypto's, runs first and halts them.
  static std::vector<DataPath*>& Live() {
    static std::vector<DataPath*> live;  // on the main thread only
    return live;
  }

  static void HaltAllAtExit() {
    for (DataPath* path : Live()) {
      path->Halt(&path->outbound_);
      path->Halt(&path->inbound_);
    }
  }

  void StopThreads() {
    closed_ = true;
    Halt(&outbound_);
    Halt(&inbound_);
    Live().erase(std::find(Live().begin(), Live().end(), this));
    uv_close(reinterpret_cast<uv_handle_t*>(async_),
             [](uv_handle_t* handle) { delete reinterpret_cast<uv_async_t*>(handle); });
  }

  void Launch(Worker* worker, std::function<void()> body) {
    worker->stop.store(false);
    worker->done = false;
    worker->thread = std::thread([this, worker, body] {
      TakeOnlyWakeSignal();
      body();
      std::lock_guard<std::mutex> hold(mail_);
      worker->done = true;
      ended_.notify_all();
    });
  }

  void Halt(Worker* worker) {
    {
      std::lock_guard<std::mutex> hold(mail_);
      worker->stop.store(true);
    }
    released_.notify_all();  // the inbound thread may wait for an IKE message's turn
    WakeAndJoin(&worker->thread, &mail_, &ended_, worker->done);
  }

  // The TUN's thread stopped and the device returned; opened packets are dropped from now on.
  void DetachTun() {
    if (tun_ == nullptr) return;
    Halt(&outbound_);
    PacketPort* tun = tun_;
    {
      std::lock_guard<std::mutex> hold(tunLock_);
      tun_ = nullptr;
    }
    tun->Lend(nullptr);
    tunRef_.Reset();
  }

  // On a thread: `write` (changes to the mail) under the mail lock, then the main thread woken.
  void Post(const std::function<void()>& write) {
    {
      std::lock_guard<std::mutex> hold(mail_);
      write();
    }
    uv_async_send(async_);
  }

  static void OnMail(uv_async_t* handle) { static_cast<DataPath*>(handle->data)->TakeMail(); }

  // On the main thread: what the threads posted, to JavaScript.
  void TakeMail() {
    if (closed_) return;
    bool ike = false;
    bool events = false;
    std::vector<int> udpFailures;
    int tunFailure = 0;
    {
      std::lock_guard<std::mutex> hold(mail_);
      std::swap(ike, ikeWaiting_);
      std::swap(events, eventsWaiting_);
      udpFailures.swap(udpFailures_);
      std::swap(tunFailure, tunFailure_);
    }
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (ike) {
      // the inbound thread waits until released: ikeSlab_ is ours meanwhile
      ikeViews_.resize(ikeLengths_.size());
      size_t offset = 0;
      for (size_t i = 0; i < ikeLengths_.size(); i++) {
        ikeViews_[i] = iovec{ikeSlab_.data() + offset, ikeLengths_[i]};
        offset += ikeLengths_[i];
      }
      HandUpIke(ikeViews_.data(), static_cast<uint32_t>(ikeViews_.size()));
    }
    if (events && !closed_) {
      esp_->Flag();
      Deliver(env, Value(), onEvents_, {}, *context_);
    }
    for (int failure : udpFailures) {
      if (!closed_) udp_->ReportFailure(failure);
    }
    if (tunFailure != 0 && !closed_ && tun_ != nullptr) tun_->ReportFailure(tunFailure);
  }

  // TUN -> ESP -> UDP, in order (outbound thread)
  void Seal(const iovec* packets, uint32_t count) {
    sealed_.inputs.resize(count);
    for (uint32_t i = 0; i < count; i++) {
      sealed_.inputs[i] = {static_cast<const uint8_t*>(packets[i].iov_base), packets[i].iov_len};
    }
    esp::Engine& engine = esp_->engine();
    sealed_.Fit(count, engine.SealRoom(sealed_.inputs.data(), count));
    size_t done = engine.Seal(sealed_.inputs.data(), count, sealed_.slab.data(),
                              sealed_.lengths.data(), NowMs());
    bool events = engine.HasEvents();
    if (done > 0) {
      lastSentAt_.store(NowMs(), std::memory_order_relaxed);
      sendDrops_ += static_cast<double>(done - udp_->WritePackets(sealed_.Views(done)));
    }
    if (events) Post([this] { eventsWaiting_ = true; });
  }

  // UDP -> ESP -> TUN (inbound thread), up to the first IKE message, which waits for
  // JavaScript with the rest of the batch (copied: the reader reuses its slab), and so does
  // this thread, until the rest is resumed.
  void OpenOnThread(const iovec* datagrams, uint32_t count) {
    uint32_t ike = OpenUpTo(datagrams, count, &opened_);
    if (ike == count) return;
    std::unique_lock<std::mutex> hold(mail_);
    ikeLengths_.resize(count - ike);
    size_t bytes = 0;
    for (uint32_t i = ike; i < count; i++) {
      ikeLengths_[i - ike] = static_cast<uint32_t>(datagrams[i].iov_len);
      bytes += datagrams[i].iov_len;
    }
    ikeSlab_.resize(bytes);
    size_t offset = 0;
    for (uint32_t i = ike; i < count; i++) {
      std::memcpy(ikeSlab_.data() + offset, datagrams[i].iov_base, datagrams[i].iov_len);
      offset += datagrams[i].iov_len;
    }
    ikeWaiting_ = true;
    inboundHeld_ = true;
    uv_async_send(async_);
    released_.wait(hold, [this] { return !inboundHeld_ || inbound_.stop.load(); });
  }

  void ReleaseInbound() {
    {
      std::lock_guard<std::mutex> hold(mail_);
      inboundHeld_ = false;
    }
    released_.notify_all();
  }

  // Opens and writes to the TUN, in order, the datagrams before the first IKE message: its
  // index (count if none).
  uint32_t OpenUpTo(const iovec* datagrams, uint32_t count, Outputs* out) {
    uint32_t stop = count;
    size_t room = 0;
    out->inputs.clear();
    for (uint32_t i = 0; i < count; i++) {
      if (IsIke(datagrams[i])) {
        stop = i;
        break;
      }
      if (datagrams[i].iov_len < kEspHeader) continue;
      out->inputs.push_back(
          {static_cast<const uint8_t*>(datagrams[i].iov_base), datagrams[i].iov_len});
      room += datagrams[i].iov_len;
    }
    size_t inputs = out->inputs.size();
    esp::Engine& engine = esp_->engine();
    out->Fit(inputs, room);
    size_t delivered = engine.Open(out->inputs.data(), inputs, out->slab.data(),
                                   out->lengths.data(), out->outcomes.data(), NowMs());
    bool events = engine.HasEvents();
    if (delivered > 0) {
      std::lock_guard<std::mutex> hold(tunLock_);
      if (tun_ != nullptr) tun_->WritePackets(out->Views(delivered));
    }
    if (events) Post([this] { eventsWaiting_ = true; });
    return stop;
  }

  // On the main thread: the IKE message (the first datagram) to JavaScript with the rest of
  // its batch; with no rest, the inbound thread goes on at once.
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
    if (count == 1) ReleaseInbound();
  }

  EspPort* esp_ = nullptr;
  PacketPort* udp_ = nullptr;
  PacketPort* tun_ = nullptr;  // changed on the main thread under tunLock_
  std::mutex tunLock_;  // the inbound thread's TUN writes against setTun()
  Napi::ObjectReference espRef_;
  Napi::ObjectReference udpRef_;
  Napi::ObjectReference tunRef_;
  Napi::FunctionReference onIke_;
  Napi::FunctionReference onEvents_;
  std::unique_ptr<Napi::AsyncContext> context_;
  uv_async_t* async_ = nullptr;  // freed in its close callback
  FromTun fromTun_{this};
  FromUdp fromUdp_{this};
  Worker outbound_;
  Worker inbound_;
  Outputs sealed_;       // outbound thread
  Outputs opened_;       // inbound thread
  Outputs resumedOut_;   // main thread
  std::vector<iovec> resumed_;
  std::vector<iovec> ikeViews_;
  std::atomic<double> lastReceivedAt_{0};
  std::atomic<double> lastSentAt_{0};
  Tally sendDrops_;
  bool closed_ = false;
  // the mail: what the threads hand the main thread, and the threads' ends
  std::mutex mail_;
  std::condition_variable released_;  // the inbound thread's IKE message handed up
  std::condition_variable ended_;
  bool ikeWaiting_ = false;
  bool inboundHeld_ = false;
  std::vector<uint8_t> ikeSlab_;
  std::vector<uint32_t> ikeLengths_;
  bool eventsWaiting_ = false;
  std::vector<int> udpFailures_;
  int tunFailure_ = 0;
};

}  // namespace

void DefineDataPath(Napi::Env env, Napi::Object exports) {
  exports.Set("DataPath", DataPath::Define(env));
}

}  // namespace addon
