// The secret registry: fingerprints, scrubbing (whole, longest first, cut at the end of a
// buffer), values too short to register, and the copies' mapping (MADV_DONTDUMP, as
// /proc/self/smaps shows it); server.core_dumps through prctl.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "core/core_dumps.hpp"
#include "core/secrets.hpp"
#include "core/sha256.hpp"

namespace sy {
namespace {

TEST(SecretRegistryTest, AFingerprintIsEightHexDigitsOfTheSha256) {
    EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(secrets::fingerprint("abc"), "fp:ba7816bf");
    EXPECT_EQ(secrets::fingerprint_of_hash(sha256_hex("abc")), "fp:ba7816bf");
}

TEST(SecretRegistryTest, RegisteredValuesAreReplacedEverywhereInAText) {
    const std::string key = "sk-unit-test-key-0123456789";
    secrets::add({key});
    std::string text = "Incorrect API key provided: " + key + " (" + key + ")";
    secrets::scrub(text);
    std::string fp = secrets::fingerprint(key);
    EXPECT_EQ(text, "Incorrect API key provided: " + fp + " (" + fp + ")");
    EXPECT_EQ(secrets::scrubbed("nothing secret here"), "nothing secret here");
}

TEST(SecretRegistryTest, TheLongestSecretIsReplacedFirst) {
    // A Bearer header value and the token inside it are both registered (config/secret_fields).
    secrets::add({"token-inside-0123", "Bearer token-inside-0123"});
    EXPECT_EQ(secrets::scrubbed("sent Bearer token-inside-0123"), "sent " + secrets::fingerprint("Bearer token-inside-0123"));
    EXPECT_EQ(secrets::scrubbed("token-inside-0123"), secrets::fingerprint("token-inside-0123"));
}

TEST(SecretRegistryTest, ShortValuesAreNotRegistered) {
    size_t before = secrets::count();
    secrets::add({"", "abc", "1234567"});
    EXPECT_EQ(secrets::count(), before);
    EXPECT_EQ(secrets::scrubbed("abc 1234567"), "abc 1234567");
}

TEST(SecretRegistryTest, ABufferCutInsideASecretLosesItsBeginningToo) {
    const std::string key = "sk-truncated-secret-abcdefghij";
    secrets::add({key});
    std::string cut = "invalid key " + key.substr(0, 12);
    secrets::scrub_truncated(cut);
    EXPECT_EQ(cut, "invalid key " + secrets::fingerprint(key));
    std::string short_tail = "ends with sk-tr";  // fewer than kMinLength bytes: too common to cut
    secrets::scrub_truncated(short_tail);
    EXPECT_EQ(short_tail, "ends with sk-tr");
}

// The VmFlags of the /proc/self/smaps entry whose range holds `address`.
std::string vm_flags_of(const void* address) {
    std::ifstream smaps("/proc/self/smaps");
    std::string line;
    bool inside = false;
    auto at = reinterpret_cast<uintptr_t>(address);
    while (std::getline(smaps, line)) {
        unsigned long long lo = 0, hi = 0;
        if (std::sscanf(line.c_str(), "%llx-%llx ", &lo, &hi) == 2 && line.find(':') > line.find('-')) {
            inside = at >= lo && at < hi;
            continue;
        }
        if (inside && line.rfind("VmFlags:", 0) == 0) return line;
    }
    return {};
}

TEST(SecretRegistryTest, CopiesLiveInAMappingLeftOutOfCoreDumps) {
    secrets::add({"sk-for-the-mapping-test-0001"});
    ASSERT_NE(secrets::storage_address(), nullptr);
    EXPECT_TRUE(secrets::excluded_from_core_dumps());
    std::string flags = vm_flags_of(secrets::storage_address());
    ASSERT_FALSE(flags.empty()) << "no smaps entry for the registry";
    EXPECT_NE(flags.find(" dd"), std::string::npos) << flags;  // dd: do not dump
#ifndef __SANITIZE_ADDRESS__  // ASan's mlock interceptor returns 0 without locking anything
    if (secrets::locked_in_memory()) {
        EXPECT_NE(flags.find(" lo"), std::string::npos) << flags;  // lo: mlock'ed
    }
#endif
}

TEST(CoreDumpsTest, TheSettingMakesTheProcessDumpableOrNot) {
    bool before = process_dumpable();
    EXPECT_EQ(apply_core_dump_setting(false), "core dumps disabled (server.core_dumps: false)");
    EXPECT_FALSE(process_dumpable());
    EXPECT_NE(apply_core_dump_setting(true).find("core dumps allowed (server.core_dumps: true)"), std::string::npos);
    EXPECT_TRUE(process_dumpable());
    apply_core_dump_setting(before);
}

}  // namespace
}  // namespace sy
