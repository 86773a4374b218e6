// SHA-256 and HMAC-SHA256 for the SigV4 signer (aws/sigv4.h), internal to
// aws/: OpenSSL 3's EVP interfaces with the algorithms fetched once per
// process and one set of contexts per thread, so that signing allocates
// nothing in the steady state.
//
// Thread safety: every function may be called from any thread; the contexts
// are thread_local.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace snapkeep::aws::sigv4_crypto {

constexpr std::size_t kDigestSize = 32;

// SHA-256 of `data` into `out` (kDigestSize bytes).
void sha256(std::string_view data, unsigned char* out);

// HMAC-SHA256 of `data` under `key` (any size, empty allowed) into `out`.
void hmac(const unsigned char* key, std::size_t key_size, std::string_view data,
          unsigned char* out);

// HMAC under a 32-byte signing key, keeping the keyed context for the next call.
void hmac_with_signing_key(const unsigned char* key, std::string_view data, unsigned char* out);

// Lower-case hex of `size` bytes, appended to `out`.
void append_hex(std::string& out, const unsigned char* bytes, std::size_t size);

}  // namespace snapkeep::aws::sigv4_crypto
