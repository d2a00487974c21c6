// SHA-256 in hex: key lookups (a secret is stored and compared only as its digest), secret
// fingerprints and the plugin allow-list (plugins.allowed_sha256).
#pragma once

#include <string>
#include <string_view>

namespace sy {

// Lower-case hex SHA-256 of `data` (64 characters).
std::string sha256_hex(std::string_view data);

// Lower-case hex SHA-256 of everything readable from `fd` (from its current offset); false with
// `error` set when a read fails.
bool sha256_fd_hex(int fd, std::string& hex, std::string& error);

}  // namespace sy
