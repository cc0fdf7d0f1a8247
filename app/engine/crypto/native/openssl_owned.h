// OpenSSL objects owned by std::unique_ptr, freed by their own free function, so that every
// early return of the addons' functions releases what it had.
#ifndef ROADWARRIOR_OPENSSL_OWNED_H_
#define ROADWARRIOR_OPENSSL_OWNED_H_

#include <memory>

template <typename T, void (*Free)(T*)>
struct OpensslFree {
  void operator()(T* object) const { Free(object); }
};

template <typename T, void (*Free)(T*)>
using Owned = std::unique_ptr<T, OpensslFree<T, Free>>;

#endif  // ROADWARRIOR_OPENSSL_OWNED_H_
