// The upstream-safety keys: tls_ca_file (providers, embedders, tracing).
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config_test_util.hpp"

namespace sy::config::test {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// A directory with a PEM file and a file that is not one; removed at the end.
class CaFiles {
public:
    CaFiles() : dir_(std::filesystem::temp_directory_path() / ("sy-ca-" + std::to_string(::getpid()))) {
        std::filesystem::create_directories(dir_);
        std::ofstream(dir_ / "ca.pem") << "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        std::ofstream(dir_ / "key.pem") << "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n";
    }
    ~CaFiles() { std::filesystem::remove_all(dir_); }
    std::string path(const char* name) const { return (dir_ / name).string(); }

private:
    std::filesystem::path dir_;
};

TEST(TlsCaFileConfigTest, ResolvesAndChecksTheBundleAtLoad) {
    CaFiles files;
    Config cfg = load_ok("providers:\n  - {name: p, plugin: openai, base_url: 'https://h/v1', tls_ca_file: '" +
                         files.path("ca.pem") + "'}\n");
    EXPECT_EQ(cfg.providers[0].tls_ca_file, files.path("ca.pem"));
    // A relative path resolves against the config's directory (load_ok's config lives in /etc/switchyard).
    EXPECT_THAT(load_error("providers:\n  - {name: p, plugin: openai, base_url: 'https://h/v1', tls_ca_file: certs/ca.pem}\n"),
                StartsWith("providers[0].tls_ca_file: cannot read '/etc/switchyard/certs/ca.pem'"));
}

TEST(TlsCaFileConfigTest, NamesTheKeyOfAMissingOrWrongFile) {
    CaFiles files;
    EXPECT_THAT(load_error("providers:\n  - {name: p, plugin: openai, base_url: 'https://h/v1', tls_ca_file: '" +
                           files.path("missing.pem") + "'}\n"),
                AllOf(StartsWith("providers[0].tls_ca_file: cannot read '"), HasSubstr("No such file")));
    EXPECT_THAT(load_error("providers:\n  - {name: p, plugin: openai, base_url: 'https://h/v1', tls_ca_file: '" +
                           files.path("key.pem") + "'}\n"),
                StartsWith("providers[0].tls_ca_file: '" + files.path("key.pem") + "' holds no PEM certificate"));
    EXPECT_THAT(load_error("providers:\n  - {name: p, plugin: openai, base_url: 'https://h/v1', tls_verify: false, "
                           "tls_ca_file: '" + files.path("ca.pem") + "'}\n"),
                StartsWith("providers[0].tls_ca_file: has no effect with tls_verify: false"));
    EXPECT_THAT(load_error("embedders:\n  - {name: e, base_url: 'https://h/v1', model: x, dim: 4, tls_ca_file: '" +
                           files.path("missing.pem") + "'}\n"),
                StartsWith("embedders[0].tls_ca_file: cannot read"));
    EXPECT_THAT(load_error("telemetry:\n  tracing: {endpoint: 'https://h', tls_ca_file: '" + files.path("missing.pem") + "'}\n"),
                StartsWith("telemetry.tracing.tls_ca_file: cannot read"));
}

}  // namespace
}  // namespace sy::config::test
