// The upstream-safety keys: security.client_base_urls and tls_ca_file (providers, embedders, tracing).
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

constexpr std::string_view kRemote = R"(
providers:
  - name: tenant
    plugin: openai
    base_url: https://api.example.com/v1
  - name: unverified
    plugin: openai
    base_url: https://10.0.0.9/v1
    tls_verify: false
  - name: inproc
    plugin: mock
models:
  - name: m
    deployments: [{provider: tenant}]
)";

std::string with_security(std::string_view security) { return std::string(kRemote) + "security:\n" + std::string(security); }

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

TEST(ClientBaseUrlConfigTest, IsOffByDefault) {
    Config cfg = load_ok(kRemote);
    EXPECT_FALSE(cfg.security.client_base_urls.enabled());
}

TEST(ClientBaseUrlConfigTest, ReadsHostsNetworksAndProviders) {
    Config cfg = load_ok(with_security(R"(
  client_base_urls:
    allow_hosts: ["*.tenants.example.com:8443", "10.0.0.5:*", "[fd00::1]"]
    allow_networks: [10.0.0.0/8, "fd00::/8"]
    providers: [tenant]
)"));
    const ClientBaseUrlConfig& c = cfg.security.client_base_urls;
    EXPECT_TRUE(c.enabled());
    EXPECT_EQ(c.allow_hosts, (std::vector<std::string>{"*.tenants.example.com:8443", "10.0.0.5:*", "[fd00::1]"}));
    EXPECT_EQ(c.allow_networks, (std::vector<std::string>{"10.0.0.0/8", "fd00::/8"}));
    EXPECT_EQ(c.providers, (std::vector<std::string>{"tenant"}));
}

TEST(ClientBaseUrlConfigTest, RefusesWhatWouldWidenItSilently) {
    EXPECT_THAT(load_error(with_security("  client_base_urls: {allow_hosts: ['*'], providers: [tenant]}\n")),
                StartsWith("security.client_base_urls.allow_hosts[0]: a bare '*'"));
    EXPECT_THAT(load_error(with_security("  client_base_urls: {allow_hosts: ['2130706433'], providers: [tenant]}\n")),
                AllOf(StartsWith("security.client_base_urls.allow_hosts[0]: "), HasSubstr("numeric host")));
    EXPECT_THAT(load_error(with_security("  client_base_urls: {allow_hosts: [], providers: [tenant]}\n")),
                StartsWith("security.client_base_urls.allow_hosts: needs at least one host pattern"));
    EXPECT_THAT(load_error(with_security("  client_base_urls: {allow_hosts: [a.example], allow_networks: [10.0.0.1/8], "
                                         "providers: [tenant]}\n")),
                AllOf(StartsWith("security.client_base_urls.allow_networks[0]: "), HasSubstr("10.0.0.0/8")));
}

TEST(ClientBaseUrlConfigTest, NeedsListedRemoteVerifyingProviders) {
    EXPECT_THAT(load_error(with_security("  client_base_urls: {allow_hosts: [a.example]}\n")),
                StartsWith("security.client_base_urls.providers: needs at least one provider"));
    EXPECT_THAT(load_error(with_security("  client_base_urls: {allow_hosts: [a.example], providers: [nope]}\n")),
                StartsWith("security.client_base_urls.providers[0]: unknown provider 'nope'"));
    EXPECT_THAT(load_error(with_security("  client_base_urls: {allow_hosts: [a.example], providers: [inproc]}\n")),
                HasSubstr("runs in process"));
    EXPECT_THAT(load_error(with_security("  client_base_urls: {allow_hosts: [a.example], providers: [unverified]}\n")),
                HasSubstr("always verified"));
    EXPECT_THAT(load_error(with_security("  client_base_urls: {allow_host: [a.example]}\n")),
                StartsWith("security.client_base_urls.allow_host: unknown key"));
}

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
