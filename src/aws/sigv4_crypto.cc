#include "aws/sigv4_crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace snapkeep::aws::sigv4_crypto {

namespace {

constexpr std::string_view kHexDigits = "0123456789abcdef";

// OpenSSL cannot fail here short of running out of memory or missing its
// default provider; neither leaves a way to sign, and a wrong signature would
// only surface later as a confusing AuthFailure.
[[noreturn]] void crypto_failure(const char* what) {
  std::fprintf(stderr, "snapkeep: OpenSSL failure in %s\n", what);
  std::abort();
}

// Fetching an algorithm walks the provider tables under a lock, so it is done
// once per process; the objects live until exit.
struct Algorithms {
  EVP_MD* sha256 = nullptr;
  EVP_MAC* hmac = nullptr;
};

const Algorithms& algorithms() {
  static const Algorithms kFetched = [] {
    Algorithms a;
    a.sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    a.hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (a.sha256 == nullptr || a.hmac == nullptr) crypto_failure("EVP fetch");
    return a;
  }();
  return kFetched;
}

// Per-thread contexts, reused for every hash and HMAC so that signing does
// no OpenSSL allocation in the steady state. `sign_mac` stays keyed with the
// last signing key: consecutive signatures under the same key (the common
// case) skip the HMAC key set-up.
struct ThreadCrypto {
  EVP_MD_CTX* md = nullptr;
  EVP_MAC_CTX* mac = nullptr;
  EVP_MAC_CTX* sign_mac = nullptr;
  std::array<unsigned char, kDigestSize> sign_key{};
  bool sign_key_set = false;

  ThreadCrypto() {
    const Algorithms& algs = algorithms();
    md = EVP_MD_CTX_new();
    mac = EVP_MAC_CTX_new(algs.hmac);
    sign_mac = EVP_MAC_CTX_new(algs.hmac);
    if (md == nullptr || mac == nullptr || sign_mac == nullptr) crypto_failure("context");
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                 OSSL_PARAM_construct_end()};
    if (EVP_MAC_CTX_set_params(mac, params) != 1 || EVP_MAC_CTX_set_params(sign_mac, params) != 1) {
      crypto_failure("HMAC digest");
    }
  }
  ~ThreadCrypto() {
    OPENSSL_cleanse(sign_key.data(), sign_key.size());
    EVP_MAC_CTX_free(sign_mac);
    EVP_MAC_CTX_free(mac);
    EVP_MD_CTX_free(md);
  }
  ThreadCrypto(const ThreadCrypto&) = delete;
  ThreadCrypto& operator=(const ThreadCrypto&) = delete;
};

ThreadCrypto& thread_crypto() {
  thread_local ThreadCrypto crypto;
  return crypto;
}

void mac_finish(EVP_MAC_CTX* ctx, std::string_view data, unsigned char* out) {
  std::size_t length = 0;
  if (EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
      EVP_MAC_final(ctx, out, &length, kDigestSize) != 1 || length != kDigestSize) {
    crypto_failure("HMAC");
  }
}

}  // namespace

void sha256(std::string_view data, unsigned char* out) {
  ThreadCrypto& tc = thread_crypto();
  if (EVP_DigestInit_ex2(tc.md, algorithms().sha256, nullptr) != 1 ||
      EVP_DigestUpdate(tc.md, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(tc.md, out, nullptr) != 1) {
    crypto_failure("SHA-256");
  }
}

void hmac(const unsigned char* key, std::size_t key_size, std::string_view data,
          unsigned char* out) {
  ThreadCrypto& tc = thread_crypto();
  // An empty key must still be passed as a key, not as "keep the last one".
  static const unsigned char kEmptyKey = 0;
  if (EVP_MAC_init(tc.mac, key_size == 0 ? &kEmptyKey : key, key_size, nullptr) != 1) {
    crypto_failure("HMAC init");
  }
  mac_finish(tc.mac, data, out);
}

// HMAC under a 32-byte signing key, keeping the keyed context for the next call.
void hmac_with_signing_key(const unsigned char* key, std::string_view data, unsigned char* out) {
  ThreadCrypto& tc = thread_crypto();
  const bool same_key = tc.sign_key_set && std::memcmp(tc.sign_key.data(), key, kDigestSize) == 0;
  if (EVP_MAC_init(tc.sign_mac, same_key ? nullptr : key, same_key ? 0 : kDigestSize, nullptr) !=
      1) {
    crypto_failure("HMAC init");
  }
  if (!same_key) {
    std::memcpy(tc.sign_key.data(), key, kDigestSize);
    tc.sign_key_set = true;
  }
  mac_finish(tc.sign_mac, data, out);
}

void append_hex(std::string& out, const unsigned char* bytes, std::size_t size) {
  const std::size_t start = out.size();
  out.resize(start + 2 * size);
  char* cursor = out.data() + start;
  for (std::size_t i = 0; i < size; ++i) {
    *cursor++ = kHexDigits[bytes[i] >> 4];
    *cursor++ = kHexDigits[bytes[i] & 0x0F];
  }
}

}  // namespace snapkeep::aws::sigv4_crypto
