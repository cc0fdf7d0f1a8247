// Linux TUN device for Node: open /dev/net/tun (IFF_TUN | IFF_NO_PI), read packets in batches
// on libuv's poll (one JS callback per batch, never busy polling), write one packet per write()
// so packets never merge, and set MTU / link up by ioctl.
#include <napi.h>

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "addon-support.h"

namespace {

using addon::ErrnoError;
using addon::kBatchLimit;
using addon::kMaxPacket;

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

class Tun : public addon::BatchReader<Tun> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Tun",
                       WithReaderMethods({
                           InstanceAccessor<&Tun::Name>("name"),
                           InstanceAccessor<&Tun::Fd>("fd"),
                           InstanceMethod<&Tun::Write>("write"),
                           InstanceMethod<&Tun::WriteBatch>("writeBatch"),
                           InstanceMethod<&Tun::GetStats>("stats"),
                       }));
  }

  // new Tun(name): an empty name or one with %d lets the kernel choose.
  explicit Tun(const Napi::CallbackInfo& info) : BatchReader<Tun>(info) {
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

  const std::string& Subject() const { return name_; }

  // reading packets until EAGAIN or kBatchLimit, one JS call for all of them
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
      StopReading();
      Deliver(onError_, {ErrnoError(env, failedCall, failure, name_).Value()});
    }
  }

 private:
  Napi::Value Name(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), name_); }
  Napi::Value Fd(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), fd_); }

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
    iovec packet;
    if (!addon::BufferArgument(env, info[0], &packet)) return env.Undefined();
    return Napi::Boolean::New(env, fd_ >= 0 && WriteOne(packet.iov_base, packet.iov_len));
  }

  // writeBatch(packets): one write() per packet; returns how many were taken.
  Napi::Value WriteBatch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!addon::BufferArrayArgument(env, info[0], &packets_)) return env.Undefined();
    uint32_t written = 0;
    for (size_t i = 0; i < packets_.size() && fd_ >= 0; i++) {
      if (WriteOne(packets_[i].iov_base, packets_[i].iov_len)) written++;
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

  std::string name_;
  Stats stats_;
  std::vector<iovec> packets_;  // writeBatch's scratch, kept to avoid allocating per call
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
  addon::DefineUdpSocket(env, exports);
  addon::DefineRtnetlink(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(tun, Init)
