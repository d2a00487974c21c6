// Which config values count as secrets (registered for scrubbing when a config loads), and the
// keys of the secrets issue: server.admin_listen, server.core_dumps, plugins.allowed_sha256.
#include <algorithm>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/secret_fields.hpp"
#include "config_test_util.hpp"
#include "core/secrets.hpp"

namespace sy::config::test {
namespace {

using ::testing::HasSubstr;
using ::testing::IsSupersetOf;
using ::testing::Not;
using ::testing::Contains;

TEST(SecretFieldsTest, CollectsKeysPasswordsAndAuthHeaders) {
    Config cfg = load_ok(R"(
providers:
  - name: remote
    plugin: openai
    base_url: https://api.example/v1
    config: {api_key: sk-provider-000001, organization: org-public-name, headers: {X-Custom: header-value-0001}}
    health_check: {path: /models, headers: {Authorization: "Bearer sk-health-000001"}}
models: [{name: m, deployments: [{provider: remote}]}]
embedders: [{name: e, base_url: "https://api.example/v1", api_key: sk-embedder-0001, model: x, dim: 8}]
auth:
  keys: [{key: sk-client-000001, id: app}]
  admin_key: admin-key-000001
state:
  backend: redis
  redis: {address: "127.0.0.1:6379", password: redis-pass-0001}
telemetry:
  tracing: {endpoint: "http://127.0.0.1:4318", headers: {x-honeycomb-team: tracing-token-01}}
)");
    std::vector<std::string> found = secrets_of(cfg);
    EXPECT_THAT(found, IsSupersetOf({"sk-provider-000001", "header-value-0001", "Bearer sk-health-000001",
                                     "sk-health-000001", "sk-embedder-0001", "sk-client-000001", "admin-key-000001",
                                     "redis-pass-0001", "tracing-token-01"}));
    EXPECT_THAT(found, Not(Contains("org-public-name"))) << "a name that says nothing of a secret is not one";
}

TEST(SecretFieldsTest, ALoadedConfigsSecretsAreScrubbedFromThenOn) {
    load_ok(with_base("auth: {keys: [{key: sk-registered-on-load-01, id: a}]}\n"));
    EXPECT_EQ(secrets::scrubbed("echo sk-registered-on-load-01"),
              "echo " + secrets::fingerprint("sk-registered-on-load-01"));
}

TEST(SecretFieldsTest, AdminListenAndCoreDumps) {
    Config defaults = load_ok(kProvidersAndModels);
    EXPECT_EQ(defaults.server.admin_host, "");
    EXPECT_FALSE(defaults.server.core_dumps);
    Config set = load_ok(with_base("server: {admin_listen: \"127.0.0.1:9091\", core_dumps: true}\n"
                                   "auth: {admin_key: admin-key-000002}\n"));
    EXPECT_EQ(set.server.admin_host, "127.0.0.1");
    EXPECT_EQ(set.server.admin_port, 9091);
    EXPECT_TRUE(set.server.core_dumps);
    EXPECT_THAT(load_error(with_base("server: {admin_listen: \"127.0.0.1:9091\"}\n")),
                HasSubstr("auth.admin_key: is required when server.admin_listen is set"));
    EXPECT_THAT(load_error(with_base("server: {admin_listen: nowhere}\n")), HasSubstr("server.admin_listen:"));
}

TEST(SecretFieldsTest, AllowedSha256IsLowerCaseHex) {
    const std::string digest(64, 'A');
    Config cfg = load_ok(with_base("plugins: {allowed_sha256: [\"" + digest + "\"]}\n"));
    ASSERT_EQ(cfg.plugins.allowed_sha256.size(), 1u);
    EXPECT_EQ(cfg.plugins.allowed_sha256[0], std::string(64, 'a'));
    EXPECT_THAT(load_error(with_base("plugins: {allowed_sha256: [\"" + std::string(63, 'a') + "g\"]}\n")),
                HasSubstr("plugins.allowed_sha256[0]: expected a SHA-256 digest (64 hex digits"));
}

}  // namespace
}  // namespace sy::config::test
