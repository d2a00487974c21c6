// Shared by the security integration tests: the hostile upstream (tests/fakes/hostile_upstream.py,
// which echoes the credentials it receives), random canary secrets, and small helpers.
#pragma once

#include <string>

#include "support/servers.hpp"

namespace sy::test {

// The hostile upstream on a free loopback port; stopped by PID when destroyed.
class HostileUpstream : public FakeUpstream {
public:
    HostileUpstream() : FakeUpstream("", "hostile_upstream.py") {}
    // The credentials it received, as JSON ({"credentials": [...]}).
    std::string seen() const;
};

// "<prefix>-<24 random hex digits>": unique per run, so a match can only come from this run.
std::string canary(const std::string& prefix);

// How the gateway shows a secret: "fp:" and the first 8 hex digits of its SHA-256.
std::string fingerprint_of(const std::string& secret);

// Lower-case hex SHA-256 of a file's bytes ("" when it cannot be read).
std::string sha256_of_file(const std::string& path);

}  // namespace sy::test
