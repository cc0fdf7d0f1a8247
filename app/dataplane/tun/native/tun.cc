// Linux TUN device for Node: open /dev/net/tun (IFF_TUN | IFF_NO_PI), read packets in batches
// on libuv's poll (one JS callback per batch, never busy polling), write them back, and set
// MTU / link up by ioctl. In offload mode (IFF_VNET_HDR with TSO and checksum offload) the
// kernel's TCP hands us super-packets, cut into ordinary packets before JS sees them, and takes
// runs of TCP segments merged into one write (tun-offload.h); otherwise one packet per read()
// and per write(), and packets never merge. Lent to the data path, the device is read by its
// thread in blocking reads, woken by a signal to stop.
#include <napi.h>

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#include "addon-support.h"
#include "tun-offload.h"

namespace {

using addon::ErrnoError;
using addon::kBatchLimit;
using addon::kMaxPacket;
using tunoffload::kVnetHdrLen;

// linux/if_tun.h: checksums left to us, and TCP super-packets of either IP version
constexpr unsigned kOffloads = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
// Packets one batch may carry in offload mode: the lengths array JS must pass to start()
constexpr uint32_t kOffloadBatchLimit = tunoffload::kMaxSegments;
// marks Tun objects, so the data path can tell one from any other object (Node-API 8)
constexpr napi_type_tag kTunTag = {0x7b3c61e2a4d94f10, 0x9e57c0d1b28a3f46};

// Written by the thread that reads (In) or writes (Out) the device, read by JavaScript.
struct Stats {
  addon::Tally packetsIn;
  addon::Tally bytesIn;
  addon::Tally readBatches;
  addon::Tally readErrors;
  // offload mode: frames read that were TCP super-packets (cut into packetsIn)
  addon::Tally superPacketsIn;
  // offload mode: frames read that were malformed, of a GSO type we did not ask for, or too big
  addon::Tally framesDropped;
  addon::Tally packetsOut;
  addon::Tally bytesOut;
  // the kernel had no room: the packet is dropped, as a router would
  addon::Tally writeAgain;
  addon::Tally writeErrors;
  // offload mode: writes that carried a merged run of TCP segments (counted in packetsOut)
  addon::Tally superPacketsOut;
};

class Tun : public addon::BatchReader<Tun> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Tun",
                       WithReaderMethods({
                           InstanceAccessor<&Tun::Name>("name"),
                           InstanceAccessor<&Tun::Fd>("fd"),
                           InstanceAccessor<&Tun::Offload>("offload"),
                           InstanceAccessor<&Tun::BatchLimit>("batchLimit"),
                           InstanceMethod<&Tun::Write>("write"),
                           InstanceMethod<&Tun::WriteBatch>("writeBatch"),
                           InstanceMethod<&Tun::GetStats>("stats"),
                       }));
  }

  // new Tun(name, offload = false): an empty name or one with %d lets the kernel choose;
  // offload asks for offload mode, which falls back to the plain one if the kernel refuses it.
  explicit Tun(const Napi::CallbackInfo& info) : BatchReader<Tun>(info) {
    Napi::Env env = info.Env();
    if (!info[0].IsString() || !(info[1].IsUndefined() || info[1].IsBoolean())) {
      Napi::TypeError::New(env, "new Tun(name, offload)").ThrowAsJavaScriptException();
      return;
    }
    std::string requested = info[0].As<Napi::String>().Utf8Value();
    if (requested.size() >= IFNAMSIZ) {
      Napi::RangeError::New(env, "interface name too long").ThrowAsJavaScriptException();
      return;
    }
    bool offload = info[1].IsBoolean() && info[1].As<Napi::Boolean>().Value();
    napi_type_tag_object(env, info.This(), &kTunTag);
    if (!Attach(env, requested, offload)) return;
    if (offload && ioctl(fd_, TUNSETOFFLOAD, kOffloads) < 0) {
      // the frame header stays until the fd closes: the device keeps its name, so attach
      // again without it
      close(fd_);
      fd_ = -1;
      if (!Attach(env, std::string(name_), false)) return;
      offload = false;
    }
    offload_ = offload;
    if (offload_) readFrame_.reset(new uint8_t[kVnetHdrLen + kMaxPacket]);
  }

  const std::string& Subject() const { return name_; }
  // the length of the lengths array start() needs
  uint32_t BatchCapacity() const { return offload_ ? kOffloadBatchLimit : kBatchLimit; }

  // The packets in order, one write() each, or in offload mode one per merged run: how many
  // were taken.
  uint32_t WritePackets(const std::vector<iovec>& packets) override {
    uint32_t written = 0;
    if (!offload_) {
      for (size_t i = 0; i < packets.size() && fd_ >= 0; i++) {
        if (WriteOne(packets[i])) written++;
      }
      return written;
    }
    coalescer_.Plan(packets);
    for (const tunoffload::Write& write : coalescer_.writes()) {
      if (fd_ < 0) break;
      coalescer_.Frame(write, packets, &frame_);
      if (WriteFrame(frame_.data(), static_cast<int>(frame_.size()), write.memberCount,
                     write.packetBytes)) {
        written += write.memberCount;
      }
    }
    return written;
  }

  static const char* ReadCall() { return "read"; }

  // Lent: a blocking read, then what else is queued without waiting (RWF_NOWAIT, which the
  // TUN honours on a blocking fd since Linux 5.x; before, one read per batch), up to
  // kBatchLimit reads per batch.
  int ReadLoop(addon::BatchSink* sink, const std::atomic<bool>& stop) override {
    while (!stop.load(std::memory_order_relaxed)) {
      int failure = 0;
      for (uint32_t reads = 0; reads < (nowait_ ? kBatchLimit : 1);) {
        iovec slot = offload_ ? iovec{readFrame_.get(), kVnetHdrLen + kMaxPacket}
                              : iovec{slab_.get() + used_, kMaxPacket};
        ssize_t n = preadv2(fd_, &slot, 1, -1, reads == 0 ? 0 : RWF_NOWAIT);
        if (n > 0) {
          if (reads++ == 0) sink->FirstArrived();
          Take(static_cast<size_t>(n), sink);
        } else if (n < 0 && errno == EINTR && reads == 0) {
          if (stop.load(std::memory_order_relaxed)) break;
        } else if (n < 0 && errno == EOPNOTSUPP && reads > 0) {
          nowait_ = false;
          break;
        } else if (n < 0 && errno != EINTR && errno != EAGAIN) {
          failure = errno;
          stats_.readErrors++;
          break;
        } else {
          break;
        }
      }
      DeliverTo(sink);
      if (failure != 0) return failure;
    }
    return 0;
  }

  // reading until EAGAIN or kBatchLimit reads, one JS call for all their packets (in offload
  // mode more than one if they do not fit one batch)
  void ReadBatch(int status) {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    const char* failedCall = status < 0 ? "poll" : "read";
    int failure = status < 0 ? -status : 0;
    for (uint32_t reads = 0; failure == 0 && reads < kBatchLimit && fd_ >= 0;) {
      ssize_t n = offload_ ? read(fd_, readFrame_.get(), kVnetHdrLen + kMaxPacket)
                           : read(fd_, slab_.get() + used_, kMaxPacket);
      if (n > 0) {
        reads++;
        Take(static_cast<size_t>(n), nullptr);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && errno != EAGAIN) {
        failure = errno;
        stats_.readErrors++;
      } else {
        break;
      }
    }
    DeliverTo(nullptr);
    // a read error (e.g. EBADFD once the interface is deleted) would make the poll fire forever
    if (failure != 0 && poll_ != nullptr) {
      StopReading();
      Deliver(onError_, {ErrnoError(env, failedCall, failure, name_).Value()});
    }
  }

 private:
  Napi::Value Name(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), name_); }
  Napi::Value Fd(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), fd_); }
  Napi::Value Offload(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), offload_);
  }
  Napi::Value BatchLimit(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), BatchCapacity());
  }

  // TUNSETIFF on a fresh fd; false with the error thrown.
  bool Attach(Napi::Env env, const std::string& requested, bool frameHeader) {
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
      ErrnoError(env, "open", errno, "/dev/net/tun").ThrowAsJavaScriptException();
      return false;
    }
    struct ifreq request = {};
    // IFF_TUN_EXCL: never attach (as root) to a device that exists already under that name
    request.ifr_flags =
        static_cast<short>(IFF_TUN | IFF_NO_PI | IFF_TUN_EXCL | (frameHeader ? IFF_VNET_HDR : 0));
    std::memcpy(request.ifr_name, requested.data(), requested.size());
    if (ioctl(fd, TUNSETIFF, &request) < 0) {
      int errnum = errno;
      close(fd);
      // TUNSETIFF says EINVAL when the name belongs to a device that is not a TUN
      if (errnum == EINVAL && !requested.empty() && if_nametoindex(requested.c_str()) != 0) {
        errnum = EEXIST;
      }
      ErrnoError(env, "TUNSETIFF", errnum, requested).ThrowAsJavaScriptException();
      return false;
    }
    fd_ = fd;
    name_ = std::string(request.ifr_name, strnlen(request.ifr_name, IFNAMSIZ));
    return true;
  }

  // What one read of `length` bytes brought into the batch (sink as for DeliverTo).
  void Take(size_t length, addon::BatchSink* sink) {
    if (offload_) {
      TakeFrame(length, sink);
      return;
    }
    lengths_[count_++] = static_cast<uint32_t>(length);
    used_ += length;
    stats_.packetsIn++;
    stats_.bytesIn += static_cast<double>(length);
  }

  // Offload mode: one frame's packets into the batch, delivering the batch first if they do
  // not fit what is left of it.
  void TakeFrame(size_t length, addon::BatchSink* sink) {
    tunoffload::Produced produced;
    tunoffload::ReadOutcome outcome = SegmentInto(length, &produced);
    if (outcome == tunoffload::ReadOutcome::kNoRoom && count_ > 0) {
      DeliverTo(sink);
      outcome = SegmentInto(length, &produced);
    }
    if (outcome != tunoffload::ReadOutcome::kPackets) {
      stats_.framesDropped++;
      return;
    }
    if (readFrame_[offsetof(tunoffload::VnetHdr, gsoType)] != tunoffload::kGsoNone) {
      stats_.superPacketsIn++;
    }
    count_ += produced.packets;
    used_ += produced.bytes;
    stats_.packetsIn += produced.packets;
    stats_.bytesIn += static_cast<double>(produced.bytes);
  }

  tunoffload::ReadOutcome SegmentInto(size_t length, tunoffload::Produced* produced) {
    size_t slabBytes = static_cast<size_t>(kBatchLimit) * kMaxPacket;
    // a frame gets at most the room of an empty batch (what segmentFrame() gives it too)
    tunoffload::Room room = {
        slab_.get() + used_, std::min(slabBytes - used_, tunoffload::kMaxSegmentBytes),
        lengths_ + count_, std::min(lengthsCapacity_, kOffloadBatchLimit) - count_};
    return tunoffload::Segment(readFrame_.get(), length, room, produced);
  }

  // the packets gathered so far as views to the data path's sink (on its thread), or without
  // one as one JS call
  void DeliverTo(addon::BatchSink* sink) {
    if (count_ == 0) return;
    stats_.readBatches++;
    if (sink != nullptr) {
      sinkIov_.resize(count_);
      size_t offset = 0;
      for (uint32_t i = 0; i < count_; i++) {
        sinkIov_[i] = iovec{slab_.get() + offset, lengths_[i]};
        offset += lengths_[i];
      }
      uint32_t count = count_;
      count_ = 0;
      used_ = 0;
      sink->TakeBatch(sinkIov_.data(), count);
      return;
    }
    Napi::Env env = Env();
    Napi::Buffer<uint8_t> slab = Napi::Buffer<uint8_t>::Copy(env, slab_.get(), used_);
    uint32_t count = count_;
    count_ = 0;
    used_ = 0;
    Deliver(onBatch_, {slab, Napi::Number::New(env, count)});
  }

  // One frame, packets counts the IP packets it carries and bytes their own bytes.
  bool WriteFrame(const iovec* parts, int partCount, uint32_t packets, size_t bytes) {
    for (;;) {
      ssize_t n = writev(fd_, parts, partCount);
      if (n >= 0) {
        stats_.packetsOut += packets;
        stats_.bytesOut += static_cast<double>(bytes);
        if (packets > 1) stats_.superPacketsOut++;
        return true;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        stats_.writeAgain += packets;
      } else {
        stats_.writeErrors += packets;
      }
      return false;
    }
  }

  // One packet as it is: in offload mode behind a header that asks nothing of the kernel.
  bool WriteOne(const iovec& packet) {
    static const uint8_t kNoOffload[kVnetHdrLen] = {};
    iovec parts[2] = {{const_cast<uint8_t*>(kNoOffload), kVnetHdrLen}, packet};
    return offload_ ? WriteFrame(parts, 2, 1, packet.iov_len)
                    : WriteFrame(&packet, 1, 1, packet.iov_len);
  }

  // write(packet): false when the packet was not taken (closed, EAGAIN, error: see stats()).
  Napi::Value Write(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    iovec packet;
    if (!addon::BufferArgument(env, info[0], &packet)) return env.Undefined();
    return Napi::Boolean::New(env, fd_ >= 0 && WriteOne(packet));
  }

  // writeBatch(packets): one write() per packet, or in offload mode per merged run; returns
  // how many packets were taken.
  Napi::Value WriteBatch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (borrower_ != nullptr) {  // its thread writes with the same scratch
      Napi::Error::New(env, "a data path writes to this device").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    if (!addon::BufferArrayArgument(env, info[0], &packets_)) return env.Undefined();
    return Napi::Number::New(env, WritePackets(packets_));
  }

  Napi::Value GetStats(const Napi::CallbackInfo& info) {
    Napi::Object stats = Napi::Object::New(info.Env());
    stats.Set("packetsIn", stats_.packetsIn.get());
    stats.Set("bytesIn", stats_.bytesIn.get());
    stats.Set("readBatches", stats_.readBatches.get());
    stats.Set("readErrors", stats_.readErrors.get());
    stats.Set("packetsOut", stats_.packetsOut.get());
    stats.Set("bytesOut", stats_.bytesOut.get());
    stats.Set("writeAgain", stats_.writeAgain.get());
    stats.Set("writeErrors", stats_.writeErrors.get());
    stats.Set("superPacketsIn", stats_.superPacketsIn.get());
    stats.Set("framesDropped", stats_.framesDropped.get());
    stats.Set("superPacketsOut", stats_.superPacketsOut.get());
    return stats;
  }

  std::string name_;
  Stats stats_;
  bool offload_ = false;
  bool nowait_ = true;  // the reader thread's: whether RWF_NOWAIT works here
  // the batch being gathered in slab_ / lengths_
  size_t used_ = 0;
  uint32_t count_ = 0;
  std::unique_ptr<uint8_t[]> readFrame_;  // offload mode: one frame as read
  std::vector<iovec> packets_;  // writeBatch's scratch, kept to avoid allocating per call
  tunoffload::Coalescer coalescer_;
  std::vector<iovec> frame_;  // one write's parts
  std::vector<iovec> sinkIov_;  // a batch's views for the sink, kept to avoid allocating
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

}  // namespace

namespace addon {

PacketPort* TunPortOf(Napi::Env env, Napi::Value value) {
  return UnwrapTagged<Tun>(env, value, kTunTag);
}

}  // namespace addon

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Tun", Tun::Define(env));
  exports.Set("configureLink", Napi::Function::New<ConfigureLink>(env, "configureLink"));
  exports.Set("batchLimit", Napi::Number::New(env, kBatchLimit));
  addon::DefineUdpSocket(env, exports);
  addon::DefineRtnetlink(env, exports);
  addon::DefineEspEngine(env, exports);
  addon::DefineDataPath(env, exports);
  tunoffload::DefineOffloadFunctions(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(tun, Init)
