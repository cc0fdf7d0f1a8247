// UDP socket for the NAT-T leg (RFC 3948), where every ESP packet of the tunnel passes. Unlike
// node:dgram it moves datagrams in batches: recvmmsg on libuv's poll with one JS callback per
// batch (like the TUN device), or, lent to the data path, one blocking recvmmsg per batch on its
// thread; and sendmmsg for a batch of packets, where each run of
// equal-size datagrams becomes one UDP GSO send (UDP_SEGMENT), so the kernel walks its stack
// once per run instead of once per packet. Datagrams stay separate on the wire either way.
#include <napi.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "addon-support.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103  // linux/udp.h, Linux 4.18
#endif

namespace addon {
namespace {

// What one GSO send may carry: the kernel refuses more than 64 KiB of payload per send and
// more segments than UDP_MAX_SEGMENTS (64 before Linux 6.x).
constexpr size_t kMaxGsoBytes = 65000;
constexpr uint32_t kMaxGsoSegments = 64;
// marks UdpSocket objects, so the data path can tell one from any other object (Node-API 8)
constexpr napi_type_tag kUdpTag = {0x2f8d94c17e3a6b05, 0xc41e7a9d03b65f28};

// "address" + port into a sockaddr of the socket's family; false if it is not an address of it.
bool ToSockaddr(int family, const std::string& address, uint16_t port, sockaddr_storage* out,
                socklen_t* length) {
  std::memset(out, 0, sizeof(*out));
  if (family == AF_INET6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(out);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    *length = sizeof(*in6);
    return address.empty() || inet_pton(AF_INET6, address.c_str(), &in6->sin6_addr) == 1;
  }
  auto* in4 = reinterpret_cast<sockaddr_in*>(out);
  in4->sin_family = AF_INET;
  in4->sin_port = htons(port);
  *length = sizeof(*in4);
  return address.empty() || inet_pton(AF_INET, address.c_str(), &in4->sin_addr) == 1;
}

// A port number argument; false, with a RangeError thrown, if it is not one (a cast would wrap
// 70000 to some other port without a word).
bool PortArgument(Napi::Env env, Napi::Value value, uint16_t* out) {
  double port = value.As<Napi::Number>().DoubleValue();
  if (!(port >= 0 && port <= 65535) || port != static_cast<uint16_t>(port)) {
    Napi::RangeError::New(env, "not a port number: " + value.ToString().Utf8Value())
        .ThrowAsJavaScriptException();
    return false;
  }
  *out = static_cast<uint16_t>(port);
  return true;
}

class UdpSocket : public BatchReader<UdpSocket> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "UdpSocket",
                       WithReaderMethods({
                           InstanceMethod<&UdpSocket::Connect>("connect"),
                           InstanceMethod<&UdpSocket::Local>("local"),
                           InstanceMethod<&UdpSocket::Send>("send"),
                           InstanceMethod<&UdpSocket::SendBatch>("sendBatch"),
                       }));
  }

  // new UdpSocket(ipVersion 4 | 6, localPort, bufferBytes): bound to the wildcard address.
  explicit UdpSocket(const Napi::CallbackInfo& info) : BatchReader<UdpSocket>(info) {
    Napi::Env env = info.Env();
    if (!info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsNumber()) {
      Napi::TypeError::New(env, "new UdpSocket(ipVersion, localPort, bufferBytes)")
          .ThrowAsJavaScriptException();
      return;
    }
    napi_type_tag_object(env, info.This(), &kUdpTag);
    family_ = info[0].As<Napi::Number>().Int32Value() == 6 ? AF_INET6 : AF_INET;
    uint16_t port = 0;
    if (!PortArgument(env, info[1], &port)) return;
    int bufferBytes = info[2].As<Napi::Number>().Int32Value();
    int fd = socket(family_, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      ErrnoError(env, "socket", errno, "udp").ThrowAsJavaScriptException();
      return;
    }
    // like dgram's recvBufferSize/sendBufferSize: the kernel caps them at rmem_max/wmem_max
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufferBytes, sizeof(bufferBytes));
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufferBytes, sizeof(bufferBytes));
    sockaddr_storage local;
    socklen_t length = 0;
    ToSockaddr(family_, "", port, &local, &length);
    if (bind(fd, reinterpret_cast<sockaddr*>(&local), length) < 0) {
      int errnum = errno;
      close(fd);
      ErrnoError(env, "bind", errnum, std::to_string(port)).ThrowAsJavaScriptException();
      return;
    }
    fd_ = fd;
  }

  const std::string& Subject() const { return subject_; }
  uint32_t BatchCapacity() const { return kBatchLimit; }

  // Every packet its own datagram, in order: how many the kernel took (the others are
  // dropped, like a full router queue drops).
  uint32_t WritePackets(const std::vector<iovec>& packets) override {
    sendIov_ = packets;
    return SendAll();
  }

  // recvmmsg of up to kBatchLimit datagrams, one JS call for all of them. Receive errors
  // (ICMP unreachable reported on the connected socket) go to onError; reading goes on.
  void ReadBatch(int status) {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    int failure = 0;
    if (status < 0) {
      // libuv reports POLLERR as EBADF and stops the poll. On this socket POLLERR is a pending
      // ICMP error (port or host unreachable, RFC 1122 4.1.3.3): report that one and poll on.
      int pending = 0;
      socklen_t length = sizeof(pending);
      if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &pending, &length) == 0 && pending != 0 &&
          RestartPolling() == 0) {
        failure = pending;
      } else {
        // anything else ends reading, as on the TUN: release the stopped poll and its reference
        StopReading();
        Deliver(onError_, {ErrnoError(env, "poll", -status, subject_).Value()});
        return;
      }
    } else {
      iovec slots[kBatchLimit];
      mmsghdr messages[kBatchLimit] = {};
      for (uint32_t i = 0; i < kBatchLimit; i++) {
        slots[i] = {slab_.get() + i * kMaxPacket, kMaxPacket};
        messages[i].msg_hdr.msg_iov = &slots[i];
        messages[i].msg_hdr.msg_iovlen = 1;
      }
      int received;
      do {
        received = recvmmsg(fd_, messages, kBatchLimit, MSG_DONTWAIT, nullptr);
      } while (received < 0 && errno == EINTR);
      if (received < 0 && errno != EAGAIN) failure = errno;
      size_t total = 0;
      for (int i = 0; i < received; i++) total += messages[i].msg_len;
      if (received > 0) {
        Napi::Buffer<uint8_t> slab = Napi::Buffer<uint8_t>::New(env, total);
        size_t offset = 0;
        for (int i = 0; i < received; i++) {
          std::memcpy(slab.Data() + offset, slots[i].iov_base, messages[i].msg_len);
          lengths_[i] = messages[i].msg_len;
          offset += messages[i].msg_len;
        }
        Deliver(onBatch_, {slab, Napi::Number::New(env, received)});
      }
    }
    if (failure != 0 && poll_ != nullptr) {
      Deliver(onError_, {ErrnoError(env, ReadCall(), failure, subject_).Value()});
    }
  }

  static const char* ReadCall() { return "recvmmsg"; }

  // Lent: one blocking recvmmsg per batch (MSG_WAITFORONE: it waits for the first datagram
  // only), so a lone packet costs one system call. A pending ICMP error is reported and reading
  // goes on; an error of the fd itself ends it.
  int ReadLoop(BatchSink* sink, const std::atomic<bool>& stop) override {
    iovec slots[kBatchLimit];
    mmsghdr messages[kBatchLimit] = {};
    for (uint32_t i = 0; i < kBatchLimit; i++) messages[i].msg_hdr.msg_iov = &slots[i];
    while (!stop.load(std::memory_order_relaxed)) {
      for (uint32_t i = 0; i < kBatchLimit; i++) {
        slots[i] = {slab_.get() + i * kMaxPacket, kMaxPacket};
        messages[i].msg_hdr.msg_iovlen = 1;
      }
      int received = recvmmsg(fd_, messages, kBatchLimit, MSG_WAITFORONE, nullptr);
      if (received > 0) {
        for (int i = 0; i < received; i++) slots[i].iov_len = messages[i].msg_len;
        sink->TakeBatch(slots, static_cast<uint32_t>(received));
      } else if (received < 0 && (errno == EBADF || errno == ENOTSOCK || errno == EFAULT ||
                                  errno == EINVAL)) {
        return errno;
      } else if (received < 0 && errno != EINTR && errno != EAGAIN) {
        sink->ReadFailed(errno);
      }
    }
    return 0;
  }

 private:
  // connect(address, port): the peer every send goes to and the only one received from.
  Napi::Value Connect(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsString() || !info[1].IsNumber()) {
      Napi::TypeError::New(env, "connect(address, port)").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    std::string address = info[0].As<Napi::String>().Utf8Value();
    uint16_t port = 0;
    if (!PortArgument(env, info[1], &port)) return env.Undefined();
    sockaddr_storage peer;
    socklen_t length = 0;
    if (address.empty() || !ToSockaddr(family_, address, port, &peer, &length)) {
      Napi::TypeError::New(env, "not an IP address of the socket's family: " + address)
          .ThrowAsJavaScriptException();
      return env.Undefined();
    }
    if (fd_ < 0 || connect(fd_, reinterpret_cast<sockaddr*>(&peer), length) < 0) {
      ErrnoError(env, "connect", fd_ < 0 ? EBADF : errno, address).ThrowAsJavaScriptException();
    }
    return env.Undefined();
  }

  // local(): { address, port } the socket is bound to (the source address once connected).
  Napi::Value Local(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    sockaddr_storage local;
    socklen_t length = sizeof(local);
    if (fd_ < 0 || getsockname(fd_, reinterpret_cast<sockaddr*>(&local), &length) < 0) {
      ErrnoError(env, "getsockname", fd_ < 0 ? EBADF : errno, "udp").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    char text[INET6_ADDRSTRLEN] = "";
    uint16_t port = 0;
    if (local.ss_family == AF_INET6) {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(&local);
      inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
      port = ntohs(in6->sin6_port);
    } else {
      auto* in4 = reinterpret_cast<sockaddr_in*>(&local);
      inet_ntop(AF_INET, &in4->sin_addr, text, sizeof(text));
      port = ntohs(in4->sin_port);
    }
    Napi::Object result = Napi::Object::New(env);
    result.Set("address", text);
    result.Set("port", port);
    return result;
  }

  // send(packet): one datagram; false if the kernel did not take it.
  Napi::Value Send(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    iovec packet;
    if (!BufferArgument(env, info[0], &packet)) return env.Undefined();
    ssize_t sent = -1;
    if (fd_ >= 0) {
      do {
        sent = send(fd_, packet.iov_base, packet.iov_len, MSG_DONTWAIT);
      } while (sent < 0 && errno == EINTR);
    }
    return Napi::Boolean::New(env, sent >= 0);
  }

  // sendBatch(packets): every packet its own datagram, in order; returns how many the kernel
  // took (the others are dropped, like a full router queue drops).
  Napi::Value SendBatch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (borrower_ != nullptr) {  // its thread sends with the same scratch
      Napi::Error::New(env, "a data path sends on this socket").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    if (!BufferArrayArgument(env, info[0], &sendIov_)) return env.Undefined();
    return Napi::Number::New(env, SendAll());
  }

  // sendIov_ as sendBatch() sends it: how many the kernel took
  uint32_t SendAll() {
    uint32_t count = static_cast<uint32_t>(sendIov_.size());
    uint32_t taken = 0;
    for (uint32_t next = 0; next < count && fd_ >= 0;) {
      uint32_t done = SendFrom(next, count, &taken);
      next += done;
    }
    return taken;
  }

  // Sends sendIov_[first..count) as far as one sendmmsg goes; returns how many packets it
  // dealt with (sent or dropped), at least one.
  uint32_t SendFrom(uint32_t first, uint32_t count, uint32_t* taken) {
    messages_.clear();
    segments_.clear();
    for (uint32_t i = first; i < count;) {
      uint32_t run = gso_ ? GsoRun(i, count) : 1;
      mmsghdr message = {};
      message.msg_hdr.msg_iov = &sendIov_[i];
      message.msg_hdr.msg_iovlen = run;
      messages_.push_back(message);
      segments_.push_back(run);
      i += run;
    }
    // control buffers only now: messages_ no longer moves
    control_.assign(messages_.size(), Control{});
    for (size_t m = 0; m < messages_.size(); m++) {
      if (segments_[m] < 2) continue;
      msghdr& header = messages_[m].msg_hdr;
      header.msg_control = control_[m].bytes;
      header.msg_controllen = sizeof(control_[m].bytes);
      cmsghdr* cmsg = CMSG_FIRSTHDR(&header);
      cmsg->cmsg_level = SOL_UDP;
      cmsg->cmsg_type = UDP_SEGMENT;
      cmsg->cmsg_len = CMSG_LEN(sizeof(uint16_t));
      uint16_t segment = static_cast<uint16_t>(static_cast<const iovec*>(header.msg_iov)->iov_len);
      std::memcpy(CMSG_DATA(cmsg), &segment, sizeof(segment));
    }
    int sent;
    do {
      // the fd blocks while lent to the data path; a send never waits (a full queue drops)
      sent = sendmmsg(fd_, messages_.data(), static_cast<unsigned>(messages_.size()), MSG_DONTWAIT);
    } while (sent < 0 && errno == EINTR);
    uint32_t handled = 0;
    for (int m = 0; m < sent; m++) handled += segments_[m];
    *taken += handled;
    if (sent >= 0 && static_cast<size_t>(sent) == messages_.size()) return handled;
    if (sent > 0) return handled;  // the rest goes in the next call, which reports its error
    // the first message failed: GSO refused (no checksum offload toward the peer, old kernel)
    // means send again without it; anything else drops that message's packets
    if (segments_[0] > 1 && (errno == EIO || errno == EINVAL || errno == EMSGSIZE ||
                             errno == ENOPROTOOPT || errno == EOPNOTSUPP)) {
      gso_ = false;
      return 0;
    }
    return segments_[0];
  }

  // How many packets from `first` one GSO send can carry: equal sizes, of which only the last
  // may be shorter (the kernel cuts the payload at every segment size).
  uint32_t GsoRun(uint32_t first, uint32_t count) {
    size_t size = sendIov_[first].iov_len;
    size_t bytes = size;
    uint32_t run = 1;
    while (first + run < count && run < kMaxGsoSegments) {
      size_t next = sendIov_[first + run].iov_len;
      if (next > size || next == 0 || bytes + next > kMaxGsoBytes) break;
      bytes += next;
      run++;
      if (next < size) break;
    }
    return run;
  }

  struct Control {
    alignas(cmsghdr) char bytes[CMSG_SPACE(sizeof(uint16_t))];
  };

  int family_ = AF_INET;
  bool gso_ = true;
  const std::string subject_ = "udp";
  // scratch of sendBatch, kept to avoid allocating per call
  std::vector<iovec> sendIov_;
  std::vector<mmsghdr> messages_;
  std::vector<uint32_t> segments_;
  std::vector<Control> control_;
};

}  // namespace

PacketPort* UdpPortOf(Napi::Env env, Napi::Value value) {
  return UnwrapTagged<UdpSocket>(env, value, kUdpTag);
}

void DefineUdpSocket(Napi::Env env, Napi::Object exports) {
  exports.Set("UdpSocket", UdpSocket::Define(env));
}

}  // namespace addon
