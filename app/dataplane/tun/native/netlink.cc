// One rtnetlink request, synchronously: the data plane configures addresses and routes with it
// instead of spawning `ip`, whose fork of this large process blocks the event loop for
// milliseconds. The messages are built and read in TypeScript (netconfig/rtnetlink.ts); this only
// moves bytes, optionally inside a named network namespace (as `ip -n <ns>` does).
#include <napi.h>

#include <fcntl.h>
#include <linux/netlink.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "addon-support.h"

namespace {

using addon::ErrnoError;

constexpr size_t kReceiveBuffer = 64 * 1024;
constexpr time_t kReplyTimeoutSeconds = 1;

// A NETLINK_ROUTE socket in the namespace /run/netns/<netns> (the caller's own when empty).
// A socket stays in the namespace it was created in, so this thread switches only for socket().
int RouteSocketIn(const std::string& netns, const char** failed) {
  if (netns.empty()) {
    *failed = "socket";
    return socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  }
  *failed = "open";
  int own = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (own < 0) return -1;
  int target = open(("/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
  int sock = -1;
  int errnum = errno;
  if (target >= 0) {
    *failed = "setns";
    if (setns(target, CLONE_NEWNET) == 0) {
      *failed = "socket";
      sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
      errnum = errno;
      // This is the event loop's thread: left in the other namespace, every later socket of
      // the process would silently open there. Not expected to fail; if it does, stop.
      if (setns(own, CLONE_NEWNET) != 0) {
        Napi::Error::Fatal("rtnetlink", "could not return to this thread's network namespace");
      }
    } else {
      errnum = errno;
    }
    close(target);
  }
  close(own);
  errno = errnum;
  return sock;
}

// Whether `data` ends the answer: an NLMSG_ERROR (the ack, or the request's errno in *errnum) or
// an NLMSG_DONE (the end of a dump, which may carry an errno too).
bool Complete(const uint8_t* data, size_t length, int* errnum) {
  // signed, as the NLMSG_* macros expect: NLMSG_NEXT past an unaligned last message takes it
  // below zero, where NLMSG_OK stops; an unsigned count would wrap and read past the buffer
  int remaining = static_cast<int>(length);
  for (auto* header = reinterpret_cast<const nlmsghdr*>(data); NLMSG_OK(header, remaining);
       header = NLMSG_NEXT(header, remaining)) {
    if (header->nlmsg_type != NLMSG_ERROR && header->nlmsg_type != NLMSG_DONE) continue;
    if (header->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) {
      int code;
      std::memcpy(&code, NLMSG_DATA(header), sizeof code);
      *errnum = -code;
    }
    return true;
  }
  return false;
}

// rtnetlink(netns, request): sends one request and returns every reply message up to and
// including the first NLMSG_ERROR (the ack) or NLMSG_DONE (the end of a dump), back to back in
// one Buffer. Throws errno errors: the kernel's refusal has syscall "rtnetlink" and the bare
// strerror() text as its message ("File exists"), as ip prints it.
Napi::Value Rtnetlink(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  iovec request;
  if (!info[0].IsString()) {
    Napi::TypeError::New(env, "rtnetlink(netns, request)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (!addon::BufferArgument(env, info[1], &request)) return env.Undefined();
  std::string netns = info[0].As<Napi::String>().Utf8Value();
  const char* failed = nullptr;
  int sock = RouteSocketIn(netns, &failed);
  if (sock < 0) {
    ErrnoError(env, failed, errno, netns.empty() ? "rtnetlink" : netns)
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  // the kernel answers in the sender's context: a reply that has not come in a second never will,
  // and without the timeout recv() would hold the event loop for good
  timeval timeout = {kReplyTimeoutSeconds, 0};
  sockaddr_nl kernel = {};
  kernel.nl_family = AF_NETLINK;
  std::vector<uint8_t> replies;
  std::vector<uint8_t> buffer(kReceiveBuffer);
  int refused = 0;
  failed = nullptr;
  if (setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) < 0) {
    failed = "setsockopt";
  } else if (sendto(sock, request.iov_base, request.iov_len, 0,
                    reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0) {
    failed = "sendto";
  }
  while (failed == nullptr) {
    ssize_t n = recv(sock, buffer.data(), buffer.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      failed = "recv";
      break;
    }
    replies.insert(replies.end(), buffer.begin(), buffer.begin() + n);
    if (Complete(buffer.data(), static_cast<size_t>(n), &refused)) break;
  }
  int errnum = errno;
  close(sock);
  if (failed != nullptr) {
    bool timedOut = std::strcmp(failed, "recv") == 0 && (errnum == EAGAIN || errnum == EWOULDBLOCK);
    ErrnoError(env, failed, errnum,
               timedOut ? "rtnetlink (no answer from the kernel within " +
                              std::to_string(kReplyTimeoutSeconds) + " s)"
                        : "rtnetlink")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (refused > 0) {
    addon::WordedErrnoError(env, "rtnetlink", refused, std::strerror(refused))
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return Napi::Buffer<uint8_t>::Copy(env, replies.data(), replies.size());
}

}  // namespace

namespace addon {

void DefineRtnetlink(Napi::Env env, Napi::Object exports) {
  exports.Set("rtnetlink", Napi::Function::New<Rtnetlink>(env, "rtnetlink"));
}

}  // namespace addon
