// peerCredentials(fd) -> { pid, uid, gid, groups } of the process at the other end of a
// connected Unix domain socket, and groupId(name) -> gid | undefined. Node has no API for
// SO_PEERCRED / SO_PEERGROUPS (socket(7)) nor getgrnam(3). The kernel records the peer's
// credentials and supplementary groups at connect() time, so they cannot be forged by what the
// peer sends, and they are exactly what the kernel checked against the socket file's mode.
#include <napi.h>

#ifdef __linux__
#include <grp.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <vector>
#endif

namespace {

#ifdef __linux__
Napi::Value ThrowErrno(Napi::Env env, const char* what, int error) {
  Napi::Error::New(env, std::string(what) + " failed: " + std::strerror(error))
      .ThrowAsJavaScriptException();
  return env.Undefined();
}

// SO_PEERGROUPS (Linux 4.13): ERANGE tells the size needed
bool PeerGroups(int fd, std::vector<gid_t>& groups, int& error) {
  groups.resize(64);
  for (int attempt = 0; attempt < 4; attempt++) {
    socklen_t length = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &length) == 0) {
      groups.resize(length / sizeof(gid_t));
      return true;
    }
    if (errno != ERANGE) {
      error = errno;
      return false;
    }
    groups.resize(length / sizeof(gid_t) + 1);
  }
  error = ERANGE;
  return false;
}
#endif

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
    return ThrowErrno(env, "SO_PEERCRED", errno);
  }
  std::vector<gid_t> groups;
  int error = 0;
  if (!PeerGroups(fd, groups, error)) return ThrowErrno(env, "SO_PEERGROUPS", error);
  Napi::Object result = Napi::Object::New(env);
  result.Set("pid", Napi::Number::New(env, cred.pid));
  result.Set("uid", Napi::Number::New(env, cred.uid));
  result.Set("gid", Napi::Number::New(env, cred.gid));
  Napi::Array list = Napi::Array::New(env, groups.size());
  for (size_t i = 0; i < groups.size(); i++) list.Set(i, Napi::Number::New(env, groups[i]));
  result.Set("groups", list);
  return result;
#else
  // macOS (getpeereid/LOCAL_PEERPID) and Windows (named-pipe client token) are designed in
  // app/helper/README.md, not built.
  Napi::Error::New(env, "peer credentials are not supported on this platform yet")
      .ThrowAsJavaScriptException();
  return env.Undefined();
#endif
}

// getgrnam_r(3), so groups from NSS (LDAP, sssd) resolve as they do for the kernel's users
Napi::Value GroupId(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsString()) {
    Napi::TypeError::New(env, "groupId(name): name must be a string").ThrowAsJavaScriptException();
    return env.Undefined();
  }
#ifdef __linux__
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  long suggested = sysconf(_SC_GETGR_R_SIZE_MAX);
  std::vector<char> buffer(suggested > 0 ? static_cast<size_t>(suggested) : 16384);
  for (;;) {
    struct group entry {};
    struct group* found = nullptr;
    const int error = getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
    if (error == ERANGE && buffer.size() < (1u << 22)) {
      buffer.resize(buffer.size() * 2);
      continue;
    }
    if (error != 0) return ThrowErrno(env, "getgrnam_r", error);
    if (found == nullptr) return env.Undefined();
    return Napi::Number::New(env, found->gr_gid);
  }
#else
  Napi::Error::New(env, "group lookup is not supported on this platform yet")
      .ThrowAsJavaScriptException();
  return env.Undefined();
#endif
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("peerCredentials", Napi::Function::New(env, PeerCredentials, "peerCredentials"));
  exports.Set("groupId", Napi::Function::New(env, GroupId, "groupId"));
  return exports;
}

}  // namespace

NODE_API_MODULE(peer_credentials, Init)
