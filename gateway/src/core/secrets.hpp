// The secrets of the configs this process loaded (provider and embedder keys, client keys, the
// admin key, Redis passwords, values of configured auth headers), so that every place text
// leaves the process (log lines, the access log, exported traces, /admin answers, error bodies
// built from an upstream's or a plugin's message) can replace them with their fingerprint.
//
// The copies kept here live in memory mapped apart from the heap, marked MADV_DONTDUMP (left
// out of core dumps) and mlock'ed when the memlock limit allows (never swapped).
// docs/security.md#secrets says what this covers and what it does not.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sy::secrets {

// Shorter values are not registered: replacing every occurrence of a short word would mangle
// ordinary text, and a key that short is not a secret worth the name.
inline constexpr size_t kMinLength = 8;

// How a secret is shown wherever it would appear: "fp:" and the first 8 hex digits of its
// SHA-256 (the same digest the gateway stores for client keys).
std::string fingerprint(std::string_view secret);
// The fingerprint from a known hex SHA-256 digest.
std::string fingerprint_of_hash(std::string_view sha256_hex);

// Registers values (kept until the process exits: requests of an older config may still be in
// flight after a reload). Values shorter than kMinLength, and duplicates, are skipped.
void add(const std::vector<std::string>& values);

// Replaces every registered secret in `text` with its fingerprint.
void scrub(std::string& text);
std::string scrubbed(std::string_view text);
// As scrub, for text that was cut to fit a buffer: a registered secret's beginning (at least
// kMinLength bytes) at the very end is replaced too.
void scrub_truncated(std::string& text);

// How many secrets are registered, and whether their memory is excluded from core dumps.
size_t count();
bool excluded_from_core_dumps();
bool locked_in_memory();
// Where the newest registered copies are (null before the first), so that a test can find
// their mapping in /proc/self/smaps.
const void* storage_address();

}  // namespace sy::secrets
