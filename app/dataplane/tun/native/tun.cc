// Linux TUN device for Node: open /dev/net/tun (IFF_TUN | IFF_NO_PI), read packets in batches
// on libuv's poll (one JS callback per batch, never busy polling), write one packet per write()
// so packets never merge, and set MTU / link up by ioctl.
#include <napi.h>
#include <uv.h>

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

namespace {

// Packets per readable event: bounded so a flood cannot starve the rest of the event loop.
constexpr uint32_t kBatchLimit = 64;
// IPv4 total length is 16 bits (RFC 791 3.1): no packet read from the TUN is longer.
constexpr size_t kMaxPacket = 65535;

Napi::Error ErrnoError(Napi::Env env, const char* syscall, int errnum, const std::string& subject) {
  std::string message = std::string(syscall) + " " + subject + ": " + std::strerror(errnum);
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, uv_err_name(-errnum)));
  error.Set("errno", Napi::Number::New(env, -errnum));
  error.Set("syscall", Napi::String::New(env, syscall));
  return error;
}

struct Stats {
  double packetsIn = 0;
  double bytesIn = 0;
  double readBatches = 0;
  double readErrors = 0;
  double packetsOut = 0;
  double bytesOut = 0;
  // the kernel had no room: the packet is dropped, as a router would
  double writeAgain = 0;
  double writeErrors = 0;
};

class Tun : public Napi::ObjectWrap<Tun> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Tun",
                       {
                           InstanceAccessor<&Tun::Name>("name"),
                           InstanceAccessor<&Tun::Fd>("fd"),
                           InstanceMethod<&Tun::Start>("start"),
                           InstanceMethod<&Tun::Write>("write"),
                           InstanceMethod<&Tun::WriteBatch>("writeBatch"),
                           InstanceMethod<&Tun::GetStats>("stats"),
                           InstanceMethod<&Tun::SetRef>("ref"),
                           InstanceMethod<&Tun::SetUnref>("unref"),
                           InstanceMethod<&Tun::Close>("close"),
                       });
  }

  // new Tun(name): an empty name or one with %d lets the kernel choose.
  explicit Tun(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Tun>(info) {
    Napi::Env env = info.Env();
    if (!info[0].IsString()) {
      Napi::TypeError::New(env, "name must be a string").ThrowAsJavaScriptException();
      return;
    }
    std::string requested = info[0].As<Napi::String>().Utf8Value();
    if (requested.size() >= IFNAMSIZ) {
      Napi::RangeError::New(env, "interface name too long").ThrowAsJavaScriptException();
      return;
    }
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
      ErrnoError(env, "open", errno, "/dev/net/tun").ThrowAsJavaScriptException();
      return;
    }
    struct ifreq request = {};
    request.ifr_flags = IFF_TUN | IFF_NO_PI;
    std::memcpy(request.ifr_name, requested.data(), requested.size());
    if (ioctl(fd, TUNSETIFF, &request) < 0) {
      int errnum = errno;
      close(fd);
      // TUNSETIFF says EINVAL when the name belongs to a device that is not a TUN
      if (errnum == EINVAL && !requested.empty() && if_nametoindex(requested.c_str()) != 0) {
        errnum = EEXIST;
      }
      ErrnoError(env, "TUNSETIFF", errnum, requested).ThrowAsJavaScriptException();
      return;
    }
    fd_ = fd;
    name_ = std::string(request.ifr_name, strnlen(request.ifr_name, IFNAMSIZ));
  }

  // Reached with an active poll only at environment teardown: stop it before closing the fd.
  ~Tun() override {
    if (poll_ != nullptr) StopPolling();
    Release();
  }

 private:
  Napi::Value Name(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), name_); }
  Napi::Value Fd(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), fd_); }

  // start(onBatch(slab, count), lengths: Uint32Array(kBatchLimit), onError(error)): packets of a
  // batch arrive back to back in one Buffer, their lengths in `lengths`.
  Napi::Value Start(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (fd_ < 0 || poll_ != nullptr) return env.Undefined();
    if (!info[0].IsFunction() || !info[1].IsTypedArray() || !info[2].IsFunction() ||
        info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array ||
        info[1].As<Napi::TypedArray>().ElementLength() < kBatchLimit) {
      Napi::TypeError::New(env, "start(onBatch, Uint32Array(batchLimit), onError)")
          .ThrowAsJavaScriptException();
      return env.Undefined();
    }
    onBatch_ = Napi::Persistent(info[0].As<Napi::Function>());
    lengthsRef_ = Napi::Persistent(info[1].As<Napi::Uint32Array>());
    lengths_ = lengthsRef_.Value().Data();
    onError_ = Napi::Persistent(info[2].As<Napi::Function>());
    context_ = std::make_unique<Napi::AsyncContext>(env, "TunRead", Value());
    slab_.reset(new uint8_t[kBatchLimit * kMaxPacket]);  // untouched pages cost nothing

    uv_loop_t* loop = nullptr;
    napi_get_uv_event_loop(env, &loop);
    poll_ = new uv_poll_t;
    poll_->data = this;
    int status = uv_poll_init(loop, poll_, fd_);
    if (status == 0) status = uv_poll_start(poll_, UV_READABLE, OnReadable);
    if (status != 0) {
      delete poll_;  // never initialised as a handle, or not started: no close needed
      poll_ = nullptr;
      ErrnoError(env, "uv_poll_start", -status, name_).ThrowAsJavaScriptException();
      return env.Undefined();
    }
    if (!referenced_) uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
    Ref();  // the JS object must outlive the active poll that points at it
    return env.Undefined();
  }

  static void OnReadable(uv_poll_t* handle, int status, int /*events*/) {
    static_cast<Tun*>(handle->data)->ReadBatch(status);
  }

  void ReadBatch(int status) {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    const char* failedCall = status < 0 ? "poll" : "read";
    int failure = status < 0 ? -status : 0;
    size_t used = 0;
    uint32_t count = 0;
    while (failure == 0 && count < kBatchLimit) {
      ssize_t n = read(fd_, slab_.get() + used, kMaxPacket);
      if (n > 0) {
        lengths_[count++] = static_cast<uint32_t>(n);
        used += static_cast<size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && errno != EAGAIN) {
        failure = errno;
        stats_.readErrors++;
      } else {
        break;
      }
    }
    if (count > 0) {
      stats_.packetsIn += count;
      stats_.bytesIn += used;
      stats_.readBatches++;
      Napi::Buffer<uint8_t> slab = Napi::Buffer<uint8_t>::Copy(env, slab_.get(), used);
      Deliver(onBatch_, {slab, Napi::Number::New(env, count)});
    }
    // a read error (e.g. EBADFD once the interface is deleted) would make the poll fire forever
    if (failure != 0 && poll_ != nullptr) {
      StopPolling();
      Unref();
      Deliver(onError_, {ErrnoError(env, failedCall, failure, name_).Value()});
    }
  }

  // Calls into JS from the event loop; a throwing listener becomes an uncaught exception.
  void Deliver(const Napi::FunctionReference& callback, const std::initializer_list<napi_value>& args) {
    Napi::Env env = Env();
    callback.MakeCallback(Value(), args, *context_);
    if (env.IsExceptionPending()) {
      napi_fatal_exception(env, env.GetAndClearPendingException().Value());
    }
  }

  bool WriteOne(const void* data, size_t length) {
    for (;;) {
      ssize_t n = write(fd_, data, length);
      if (n >= 0) {
        stats_.packetsOut++;
        stats_.bytesOut += static_cast<double>(n);
        return true;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        stats_.writeAgain++;
      } else {
        stats_.writeErrors++;
      }
      return false;
    }
  }

  // write(packet): false when the packet was not taken (closed, EAGAIN, error: see stats()).
  Napi::Value Write(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    void* data = nullptr;
    size_t length = 0;
    if (napi_get_buffer_info(env, info[0], &data, &length) != napi_ok) {
      Napi::TypeError::New(env, "packet must be a Buffer").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    return Napi::Boolean::New(env, fd_ >= 0 && WriteOne(data, length));
  }

  // writeBatch(packets): one write() per packet; returns how many were taken.
  Napi::Value WriteBatch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsArray()) {
      Napi::TypeError::New(env, "packets must be an array of Buffers").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    Napi::Array packets = info[0].As<Napi::Array>();
    uint32_t total = packets.Length();
    uint32_t written = 0;
    for (uint32_t i = 0; i < total && fd_ >= 0; i++) {
      napi_value element;
      void* data = nullptr;
      size_t length = 0;
      if (napi_get_element(env, packets, i, &element) != napi_ok ||
          napi_get_buffer_info(env, element, &data, &length) != napi_ok) {
        Napi::TypeError::New(env, "packets must be an array of Buffers").ThrowAsJavaScriptException();
        return env.Undefined();
      }
      if (WriteOne(data, length)) written++;
    }
    return Napi::Number::New(env, written);
  }

  Napi::Value GetStats(const Napi::CallbackInfo& info) {
    Napi::Object stats = Napi::Object::New(info.Env());
    stats.Set("packetsIn", stats_.packetsIn);
    stats.Set("bytesIn", stats_.bytesIn);
    stats.Set("readBatches", stats_.readBatches);
    stats.Set("readErrors", stats_.readErrors);
    stats.Set("packetsOut", stats_.packetsOut);
    stats.Set("bytesOut", stats_.bytesOut);
    stats.Set("writeAgain", stats_.writeAgain);
    stats.Set("writeErrors", stats_.writeErrors);
    return stats;
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

  // close(): stop reading, close the fd (the interface goes away with it); safe to repeat.
  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (poll_ != nullptr) {
      StopPolling();
      Unref();
    }
    Release();
    return info.Env().Undefined();
  }

  void StopPolling() {
    uv_poll_stop(poll_);
    uv_close(reinterpret_cast<uv_handle_t*>(poll_),
             [](uv_handle_t* handle) { delete reinterpret_cast<uv_poll_t*>(handle); });
    poll_ = nullptr;
  }

  // Only after polling stopped: libuv must not watch an fd number that may be reused.
  void Release() {
    if (fd_ >= 0) {
      close(fd_);
      fd_ = -1;
    }
  }

  int fd_ = -1;
  std::string name_;
  uv_poll_t* poll_ = nullptr;  // freed in its close callback, after libuv is done with it
  bool referenced_ = true;
  Napi::FunctionReference onBatch_;
  Napi::FunctionReference onError_;
  Napi::Reference<Napi::Uint32Array> lengthsRef_;
  uint32_t* lengths_ = nullptr;
  std::unique_ptr<Napi::AsyncContext> context_;
  std::unique_ptr<uint8_t[]> slab_;
  Stats stats_;
};

// configureLink(name, mtu): SIOCSIFMTU then SIOCSIFFLAGS |= IFF_UP, without spawning `ip`.
Napi::Value ConfigureLink(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsNumber()) {
    Napi::TypeError::New(env, "configureLink(name, mtu)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string name = info[0].As<Napi::String>().Utf8Value();
  if (name.empty() || name.size() >= IFNAMSIZ) {
    Napi::RangeError::New(env, "bad interface name").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) {
    ErrnoError(env, "socket", errno, name).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  struct ifreq request = {};
  std::memcpy(request.ifr_name, name.data(), name.size());
  request.ifr_mtu = info[1].As<Napi::Number>().Int32Value();
  const char* failed = nullptr;
  if (ioctl(sock, SIOCSIFMTU, &request) < 0) {
    failed = "SIOCSIFMTU";
  } else if (ioctl(sock, SIOCGIFFLAGS, &request) < 0) {
    failed = "SIOCGIFFLAGS";
  } else {
    request.ifr_flags |= IFF_UP;
    if (ioctl(sock, SIOCSIFFLAGS, &request) < 0) failed = "SIOCSIFFLAGS";
  }
  int errnum = errno;
  close(sock);
  if (failed != nullptr) ErrnoError(env, failed, errnum, name).ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Tun", Tun::Define(env));
  exports.Set("configureLink", Napi::Function::New<ConfigureLink>(env, "configureLink"));
  exports.Set("batchLimit", Napi::Number::New(env, kBatchLimit));
  return exports;
}

}  // namespace

NODE_API_MODULE(tun, Init)
