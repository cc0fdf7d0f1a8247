// Helpers both native devices of the addon (tun.cc, udp.cc) share.
#pragma once

#include <napi.h>
#include <uv.h>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace esp {
class Engine;  // esp-sa.h
}  // namespace esp

namespace addon {

// Packets per readable event, TUN and UDP alike: bounded so a flood cannot starve the rest of
// the event loop.
constexpr uint32_t kBatchLimit = 64;
// No IPv4 packet (RFC 791 3.1) and no UDP payload is longer: the room one packet of a batch gets.
constexpr size_t kMaxPacket = 65535;

// Wall-clock milliseconds, as Date.now() (the vDSO's coarse clock: a few ns per call).
inline double NowMs() {
  timespec now;
  clock_gettime(CLOCK_REALTIME_COARSE, &now);
  return static_cast<double>(now.tv_sec) * 1000 + static_cast<double>(now.tv_nsec / 1000000);
}

// Where a lent port's batches go (the data path, datapath.cc): views of the packets, valid only
// during the call, on the data path's thread.
class BatchSink {
 public:
  virtual void TakeBatch(const iovec* packets, uint32_t count) = 0;
  // A receive error that reading goes on after (UDP: a pending ICMP error, RFC 1122 4.1.3.3).
  virtual void ReadFailed(int errnum) = 0;
  // The first read of a batch returned: the sink may wait for more to be queued before the
  // reader takes what else is there without waiting.
  virtual void FirstArrived() {}

 protected:
  ~BatchSink() = default;
};

class PacketPort;

// Who a port is lent to: told when JavaScript closes the port, so its thread stops before the
// fd goes.
class PortBorrower {
 public:
  virtual void Returned(PacketPort* port) = 0;

 protected:
  ~PortBorrower() = default;
};

// A device the data path reads (on a thread of its own) and writes: the TUN and the UDP socket.
class PacketPort {
 public:
  // Lent to the data path: its thread reads the fd in blocking calls (ReadLoop), libuv polls it
  // no more. nullptr returns it (the fd non-blocking again, polled if JavaScript listens).
  virtual void Lend(PortBorrower* borrower) = 0;
  // On the borrower's thread: reads until `stop` is set and the thread woken (WakeThread), or
  // until reading fails; every batch to sink. Returns the errno that ended reading, 0 if stopped.
  virtual int ReadLoop(BatchSink* sink, const std::atomic<bool>& stop) = 0;
  // On the main thread: an error ReadLoop met, to start()'s onError as the poll would give it.
  virtual void ReportFailure(int errnum) = 0;
  // Writes (sends) the packets in order: how many were taken. One thread at a time.
  virtual uint32_t WritePackets(const std::vector<iovec>& packets) = 0;

 protected:
  ~PacketPort() = default;
};

// The signal that wakes a data path thread from a blocking read (EINTR: its handler does
// nothing and is installed without SA_RESTART). Only ever sent to those threads.
inline int WakeSignal() { return SIGRTMIN + 5; }

// Wakes `thread` until it has ended (done, set under `lock` and announced on `ended`), then
// joins it: a signal landing just before the thread enters its read is repeated.
inline void WakeAndJoin(std::thread* thread, std::mutex* lock, std::condition_variable* ended,
                        const bool& done) {
  if (!thread->joinable()) return;
  {
    std::unique_lock<std::mutex> hold(*lock);
    while (!done) {
      pthread_kill(thread->native_handle(), WakeSignal());
      ended->wait_for(hold, std::chrono::milliseconds(1));
    }
  }
  thread->join();
}

// An fd's O_NONBLOCK: off while a thread reads it in blocking calls.
inline void SetNonBlocking(int fd, bool on) {
  int flags = fcntl(fd, F_GETFL);
  if (flags >= 0) fcntl(fd, F_SETFL, on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK));
}

// A counter written by one thread and read by JavaScript's: relaxed atomics (no tearing, no
// ordering needed).
class Tally {
 public:
  void operator+=(double value) {
    value_.store(value_.load(std::memory_order_relaxed) + value, std::memory_order_relaxed);
  }
  void operator++(int) { *this += 1; }
  double get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// The T behind an object tagged `tag` at construction (napi_type_tag_object, Node-API 8), so
// one class's object is never taken for another's; nullptr if it is not one.
template <typename T>
T* UnwrapTagged(Napi::Env env, Napi::Value value, const napi_type_tag& tag) {
  bool tagged = false;
  if (!value.IsObject() || napi_check_object_type_tag(env, value, &tag, &tagged) != napi_ok ||
      !tagged) {
    return nullptr;
  }
  return T::Unwrap(value.As<Napi::Object>());
}

// An Error shaped like Node's own errno errors (code, errno, syscall), worded as given.
inline Napi::Error WordedErrnoError(Napi::Env env, const char* syscall, int errnum,
                                    const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, uv_err_name(-errnum)));
  error.Set("errno", Napi::Number::New(env, -errnum));
  error.Set("syscall", Napi::String::New(env, syscall));
  return error;
}

// The same, worded as Node words them: "<syscall> <subject>: <strerror>".
inline Napi::Error ErrnoError(Napi::Env env, const char* syscall, int errnum,
                              const std::string& subject) {
  return WordedErrnoError(env, syscall, errnum,
                          std::string(syscall) + " " + subject + ": " + std::strerror(errnum));
}

// Calls into JS from the event loop; a throwing listener becomes an uncaught exception.
inline void Deliver(Napi::Env env, Napi::Object receiver, const Napi::FunctionReference& callback,
                    const std::initializer_list<napi_value>& args, Napi::AsyncContext& context) {
  callback.MakeCallback(receiver, args, context);
  if (env.IsExceptionPending()) {
    napi_fatal_exception(env, env.GetAndClearPendingException().Value());
  }
}

// A Buffer argument as one iovec; false, with a TypeError thrown, if it is not a Buffer.
inline bool BufferArgument(Napi::Env env, Napi::Value value, iovec* out) {
  if (napi_get_buffer_info(env, value, &out->iov_base, &out->iov_len) == napi_ok) return true;
  Napi::TypeError::New(env, "packet must be a Buffer").ThrowAsJavaScriptException();
  return false;
}

// A batch of packets as iovecs (views, no copies): an array of Buffers, or a packet slab
// { slab: Buffer, lengths: Uint32Array, count } with packets back to back in slab, as the readers
// deliver them (no JavaScript object per packet). False, with a TypeError thrown, if it is
// neither or the lengths overrun the slab.
inline bool BufferArrayArgument(Napi::Env env, Napi::Value value, std::vector<iovec>* out) {
  bool ok = value.IsArray();
  if (ok) {
    Napi::Array packets = value.As<Napi::Array>();
    out->resize(packets.Length());
    for (uint32_t i = 0; ok && i < out->size(); i++) {
      napi_value element;
      ok = napi_get_element(env, packets, i, &element) == napi_ok &&
           napi_get_buffer_info(env, element, &(*out)[i].iov_base, &(*out)[i].iov_len) == napi_ok;
    }
  } else if (value.IsObject()) {
    Napi::Object batch = value.As<Napi::Object>();
    Napi::Value slab = batch.Get("slab");
    Napi::Value lengths = batch.Get("lengths");
    Napi::Value count = batch.Get("count");
    ok = slab.IsBuffer() && lengths.IsTypedArray() && count.IsNumber() &&
         lengths.As<Napi::TypedArray>().TypedArrayType() == napi_uint32_array;
    if (ok) {
      Napi::Buffer<uint8_t> bytes = slab.As<Napi::Buffer<uint8_t>>();
      Napi::Uint32Array sizes = lengths.As<Napi::Uint32Array>();
      double packets = count.As<Napi::Number>().DoubleValue();
      ok = packets >= 0 && packets <= static_cast<double>(sizes.ElementLength());
      out->resize(ok ? static_cast<size_t>(packets) : 0);
      size_t offset = 0;
      for (size_t i = 0; ok && i < out->size(); i++) {
        ok = sizes[i] <= bytes.Length() - offset;
        (*out)[i] = iovec{bytes.Data() + offset, sizes[i]};
        offset += sizes[i];
      }
    }
  }
  if (!ok) {
    Napi::TypeError::New(env, "packets must be an array of Buffers or a packet slab")
        .ThrowAsJavaScriptException();
  }
  return ok;
}

// What the TUN device and the UDP socket share: a non-blocking fd read in batches on libuv's
// poll (one JS callback per batch, never busy polling), or lent to the data path, whose thread
// reads it; ref()/unref() like a socket's, and close() that stops the poll (or the borrower's
// thread) before the fd goes. T provides ReadBatch(status), ReadLoop(), Subject() and
// ReadCall() (the system call its errors name).
template <typename T>
class BatchReader : public Napi::ObjectWrap<T>, public PacketPort {
 public:
  using Property = typename Napi::ObjectWrap<T>::PropertyDescriptor;

  explicit BatchReader(const Napi::CallbackInfo& info) : Napi::ObjectWrap<T>(info) {}

  // Reached with an active poll only at environment teardown: stop it before closing the fd.
  ~BatchReader() override {
    if (poll_ != nullptr) StopPolling();
    Release();
  }

  // T's own methods plus start, ref, unref and close.
  static std::vector<Property> WithReaderMethods(std::vector<Property> methods) {
    methods.push_back(Napi::ObjectWrap<T>::InstanceMethod("start", &BatchReader::Start));
    methods.push_back(Napi::ObjectWrap<T>::InstanceMethod("ref", &BatchReader::SetRef));
    methods.push_back(Napi::ObjectWrap<T>::InstanceMethod("unref", &BatchReader::SetUnref));
    methods.push_back(Napi::ObjectWrap<T>::InstanceMethod("close", &BatchReader::Close));
    return methods;
  }

  void Lend(PortBorrower* borrower) override {
    if (fd_ < 0) return;
    borrower_ = borrower;
    if (borrower != nullptr) {
      StopReading();
      Prepare(static_cast<T*>(this)->BatchCapacity());
      SetNonBlocking(fd_, false);
      return;
    }
    SetNonBlocking(fd_, true);
    if (!onBatch_.IsEmpty() && StartPolling() != 0) ReportFailure(EBADF);
  }

  void ReportFailure(int errnum) override {
    Napi::Env env = this->Env();
    Napi::HandleScope scope(env);
    Deliver(onError_,
            {ErrnoError(env, T::ReadCall(), errnum, static_cast<T*>(this)->Subject()).Value()});
  }

 protected:
  // start(onBatch(slab, count), lengths: Uint32Array(batchLimit), onError(error)): packets of a
  // batch arrive back to back in one Buffer, their lengths in `lengths`. start(null, null,
  // onError) when a data path reads the port (Lend): then no JavaScript runs per batch.
  Napi::Value Start(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (fd_ < 0 || poll_ != nullptr) return env.Undefined();
    uint32_t capacity = static_cast<T*>(this)->BatchCapacity();
    bool native = info[0].IsNull() && info[1].IsNull();
    if (!(native || (info[0].IsFunction() && info[1].IsTypedArray() &&
                     info[1].As<Napi::TypedArray>().TypedArrayType() == napi_uint32_array &&
                     info[1].As<Napi::TypedArray>().ElementLength() >= capacity)) ||
        !info[2].IsFunction()) {
      Napi::TypeError::New(env, "start(onBatch, Uint32Array(batchLimit), onError)")
          .ThrowAsJavaScriptException();
      return env.Undefined();
    }
    if (!native && borrower_ != nullptr) {
      Napi::TypeError::New(env, "a data path reads this port").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    onError_ = Napi::Persistent(info[2].As<Napi::Function>());
    context_ = std::make_unique<Napi::AsyncContext>(env, "BatchRead", this->Value());
    if (native) {
      Prepare(capacity);
      return env.Undefined();
    }
    onBatch_ = Napi::Persistent(info[0].As<Napi::Function>());
    lengthsRef_ = Napi::Persistent(info[1].As<Napi::Uint32Array>());
    lengths_ = lengthsRef_.Value().Data();
    lengthsCapacity_ = static_cast<uint32_t>(lengthsRef_.Value().ElementLength());
    if (!slab_) slab_.reset(new uint8_t[kBatchLimit * kMaxPacket]);  // untouched pages cost nothing
    int status = StartPolling();
    if (status != 0) {
      ErrnoError(env, "uv_poll_start", -status, static_cast<T*>(this)->Subject())
          .ThrowAsJavaScriptException();
    }
    return env.Undefined();
  }

  // Also after libuv stopped the poll on its own (it does on POLLERR).
  int RestartPolling() { return uv_poll_start(poll_, UV_READABLE, OnReadable); }

  static void OnReadable(uv_poll_t* handle, int status, int /*events*/) {
    static_cast<T*>(static_cast<BatchReader*>(handle->data))->ReadBatch(status);
  }

  void Deliver(const Napi::FunctionReference& callback,
               const std::initializer_list<napi_value>& args) {
    if (callback.IsEmpty()) return;
    addon::Deliver(this->Env(), this->Value(), callback, args, *context_);
  }

  // ref()/unref(): whether an active read keeps the process alive, like a socket's.
  Napi::Value SetRef(const Napi::CallbackInfo& info) {
    referenced_ = true;
    if (poll_ != nullptr) uv_ref(reinterpret_cast<uv_handle_t*>(poll_));
    return info.Env().Undefined();
  }

  Napi::Value SetUnref(const Napi::CallbackInfo& info) {
    referenced_ = false;
    if (poll_ != nullptr) uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
    return info.Env().Undefined();
  }

  // close(): stop reading (the borrower's thread first), close the fd; safe to repeat.
  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (borrower_ != nullptr) {
      PortBorrower* borrower = borrower_;
      borrower_ = nullptr;
      borrower->Returned(this);
    }
    StopReading();
    Release();
    return info.Env().Undefined();
  }

  // For a failure that ends reading (the fd stays open until close()).
  void StopReading() {
    if (poll_ == nullptr) return;
    StopPolling();
    this->Unref();
  }

  int fd_ = -1;
  uv_poll_t* poll_ = nullptr;  // freed in its close callback, after libuv is done with it
  Napi::FunctionReference onBatch_;
  Napi::FunctionReference onError_;
  uint32_t* lengths_ = nullptr;
  uint32_t lengthsCapacity_ = 0;  // at least T::BatchCapacity()
  // kBatchLimit slots of kMaxPacket bytes
  std::unique_ptr<uint8_t[]> slab_;
  PortBorrower* borrower_ = nullptr;

 private:
  // The slab and lengths a batch is gathered in without JavaScript (start(null, ...), Lend),
  // made once.
  void Prepare(uint32_t capacity) {
    if (ownLengths_) return;
    ownLengths_.reset(new uint32_t[capacity]);
    lengths_ = ownLengths_.get();
    lengthsCapacity_ = capacity;
    slab_.reset(new uint8_t[kBatchLimit * kMaxPacket]);  // untouched pages cost nothing
  }

  int StartPolling() {
    uv_loop_t* loop = nullptr;
    napi_get_uv_event_loop(this->Env(), &loop);
    poll_ = new uv_poll_t;
    poll_->data = this;
    int status = uv_poll_init(loop, poll_, fd_);
    if (status != 0) {
      delete poll_;  // never became a handle of the loop: nothing to close
    } else if ((status = RestartPolling()) != 0) {
      // an initialised handle is on the loop's list until closed, even if never started
      uv_close(reinterpret_cast<uv_handle_t*>(poll_), FreePoll);
    }
    if (status != 0) {
      poll_ = nullptr;
      return status;
    }
    if (!referenced_) uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
    this->Ref();  // the JS object must outlive the active poll that points at it
    return 0;
  }

  void StopPolling() {
    uv_poll_stop(poll_);
    uv_close(reinterpret_cast<uv_handle_t*>(poll_), FreePoll);
    poll_ = nullptr;
  }

  static void FreePoll(uv_handle_t* handle) { delete reinterpret_cast<uv_poll_t*>(handle); }

  // Only after polling stopped: libuv must not watch an fd number that may be reused.
  void Release() {
    if (fd_ >= 0) {
      close(fd_);
      fd_ = -1;
    }
  }

  bool referenced_ = true;
  Napi::Reference<Napi::Uint32Array> lengthsRef_;
  std::unique_ptr<uint32_t[]> ownLengths_;  // start(null, ...) or lent: no JavaScript array
  std::unique_ptr<Napi::AsyncContext> context_;
};

// Defined in udp.cc: adds the UdpSocket class to the addon's exports.
void DefineUdpSocket(Napi::Env env, Napi::Object exports);
// Defined in netlink.cc: adds rtnetlink(netns, request) to the addon's exports.
void DefineRtnetlink(Napi::Env env, Napi::Object exports);
// Defined in esp.cc: adds the EspEngine class (ESP over OpenSSL EVP) to the addon's exports.
void DefineEspEngine(Napi::Env env, Napi::Object exports);
// Defined in datapath.cc: adds the DataPath class (TUN <-> ESP <-> UDP without JavaScript).
void DefineDataPath(Napi::Env env, Napi::Object exports);
// The ESP engine behind an EspEngine object (esp.cc), as the data path uses it. The engine
// is thread-safe (a lock per direction, held for a batch's crypto, never across a system call).
class EspPort {
 public:
  virtual esp::Engine& engine() = 0;
  // Raises the JavaScript side's signal when lifetime events wait; on the main thread.
  virtual void Flag() = 0;

 protected:
  ~EspPort() = default;
};
EspPort* EspPortOf(Napi::Env env, Napi::Value value);
// The device behind a Tun (tun.cc) or UdpSocket (udp.cc) object; nullptr if it is not one.
PacketPort* TunPortOf(Napi::Env env, Napi::Value value);
PacketPort* UdpPortOf(Napi::Env env, Napi::Value value);

}  // namespace addon
