// peerCredentials(fd) -> { pid, uid, gid } of the process at the other end of a connected
// Unix domain socket. Node has no API for SO_PEERCRED (socket(7)); the kernel records the
// peer's credentials at connect() time, so they cannot be forged by what the peer sends.
#include <napi.h>

#ifdef __linux__
#include <sys/socket.h>
#include <cerrno>
#include <cstring>
#endif

namespace {

Napi::Value PeerCredentials(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "peerCredentials(fd): fd must be a number").ThrowAsJavaScriptException();
    return env.Undefined();
  }
#ifdef __linux__
  const int fd = info[0].As<Napi::Number>().Int32Value();
  struct ucred cred {};
  socklen_t length = sizeof(cred);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &length) != 0 || length != sizeof(cred)) {
    const int error = errno;
    Napi::Error::New(env, std::string("SO_PEERCRED failed: ") + std::strerror(error))
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("pid", Napi::Number::New(env, cred.pid));
  result.Set("uid", Napi::Number::New(env, cred.uid));
  result.Set("gid", Napi::Number::New(env, cred.gid));
  return result;
#else
  // macOS (getpeereid/LOCAL_PEERPID) and Windows (named-pipe client token) are designed in
  // app/helper/README.md, not built.
  Napi::Error::New(env, "peer credentials are not supported on this platform yet")
      .ThrowAsJavaScriptException();
  return env.Undefined();
#endif
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("peerCredentials", Napi::Function::New(env, PeerCredentials, "peerCredentials"));
  return exports;
}

}  // namespace

NODE_API_MODULE(peer_credentials, Init)
