// Loading valid configs: every field, defaults, paths, files, lookups.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config_test_util.hpp"

namespace sy::config::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The source tree: SY_SOURCE_DIR (set by the sy_test helper), else the tree this test was built from.
std::string source_dir() {
    const char* dir = std::getenv("SY_SOURCE_DIR");
    return dir ? dir : SY_TEST_SOURCE_DIR;
}

constexpr std::string_view kFullConfig = R"(
server:
  listen: 0.0.0.0:9090
  max_threads: 8
  max_queued: 32
  max_body_bytes: 1048576
  max_header_bytes: 8192
  max_header_count: 50
  keep_alive_timeout_ms: 5000
  max_keep_alive_requests: 1000
  drain_timeout_ms: 2000

plugins:
  search_paths: [plugins, /opt/switchyard/plugins]
  load: [extra/custom.so]

providers:
  - name: openai-main
    plugin: openai
    base_url: https://api.openai.com/v1
    timeouts: {connect_ms: 1000, first_byte_ms: 20000, idle_ms: 10000, total_ms: 120000}
    max_connections: 16
    tls_verify: false
    config:
      api_key: sk-test
      organization: org-1
  - name: local
    plugin: mock

models:
  - name: gpt-4o
    input_price_per_mtok: 2.5
    output_price_per_mtok: 10
    context_window: 128000
    aliases: [smart, gpt4]
    deployments:
      - provider: openai-main
        model: gpt-4o-2024-08-06
        weight: 3
      - provider: local
        model: mock-strong
        weight: 0.5
  - name: mini
    deployments:
      - provider: local

routers:
  - name: mf_1
    plugin: mf
    candidates: [gpt-4o, mini]
    threshold: 0.35
    config: {model_path: mf.bin}

routing:
  default_model: mini
  default_router: mf_1

auth:
  required: true
  admin_key: admin-secret
  keys:
    - key: sk-client-1
      id: alice
      tier: pro
      team: research
    - key: sk-client-2
      id: bob
)";

TEST(ConfigLoaderTest, LoadsEveryFieldOfAFullConfig) {
    Config c = load_ok(kFullConfig);
    EXPECT_EQ(c.source_path, kSourcePath);

    EXPECT_EQ(c.server.host, "0.0.0.0");
    EXPECT_EQ(c.server.port, 9090);
    EXPECT_EQ(c.server.max_threads, 8);
    EXPECT_EQ(c.server.max_queued, 32);
    EXPECT_EQ(c.server.max_body_bytes, 1048576);
    EXPECT_EQ(c.server.max_header_bytes, 8192);
    EXPECT_EQ(c.server.max_header_count, 50);
    EXPECT_EQ(c.server.keep_alive_timeout_ms, 5000);
    EXPECT_EQ(c.server.max_keep_alive_requests, 1000);
    EXPECT_EQ(c.server.drain_timeout_ms, 2000);

    EXPECT_THAT(c.plugins.search_paths, ElementsAre("/etc/switchyard/plugins", "/opt/switchyard/plugins"));
    EXPECT_THAT(c.plugins.load, ElementsAre("/etc/switchyard/extra/custom.so"));

    ASSERT_EQ(c.providers.size(), 2u);
    const ProviderConfig& p = c.providers[0];
    EXPECT_EQ(p.name, "openai-main");
    EXPECT_EQ(p.plugin, "openai");
    EXPECT_EQ(p.base_url, "https://api.openai.com/v1");
    EXPECT_EQ(p.timeouts.connect_ms, 1000);
    EXPECT_EQ(p.timeouts.first_byte_ms, 20000);
    EXPECT_EQ(p.timeouts.idle_ms, 10000);
    EXPECT_EQ(p.timeouts.total_ms, 120000);
    EXPECT_EQ(p.max_connections, 16);
    EXPECT_FALSE(p.tls_verify);
    EXPECT_EQ(p.plugin_config_json, R"({"api_key":"sk-test","organization":"org-1"})");
    EXPECT_EQ(c.providers[1].name, "local");

    ASSERT_EQ(c.models.size(), 2u);
    const ModelConfig& m = c.models[0];
    EXPECT_EQ(m.name, "gpt-4o");
    EXPECT_DOUBLE_EQ(m.input_price_per_mtok, 2.5);
    EXPECT_DOUBLE_EQ(m.output_price_per_mtok, 10);
    EXPECT_EQ(m.context_window, 128000);
    EXPECT_THAT(m.aliases, ElementsAre("smart", "gpt4"));
    ASSERT_EQ(m.deployments.size(), 2u);
    EXPECT_EQ(m.deployments[0].provider, "openai-main");
    EXPECT_EQ(m.deployments[0].model, "gpt-4o-2024-08-06");
    EXPECT_DOUBLE_EQ(m.deployments[0].weight, 3);
    EXPECT_EQ(m.deployments[1].provider, "local");
    EXPECT_EQ(m.deployments[1].model, "mock-strong");
    EXPECT_DOUBLE_EQ(m.deployments[1].weight, 0.5);

    ASSERT_EQ(c.routers.size(), 1u);
    const RouterConfig& r = c.routers[0];
    EXPECT_EQ(r.name, "mf_1");
    EXPECT_EQ(r.plugin, "mf");
    EXPECT_THAT(r.candidates, ElementsAre("gpt-4o", "mini"));
    ASSERT_TRUE(r.threshold.has_value());
    EXPECT_DOUBLE_EQ(*r.threshold, 0.35);
    EXPECT_EQ(r.plugin_config_json, R"({"model_path":"mf.bin"})");

    EXPECT_EQ(c.routing.default_model, "mini");
    EXPECT_EQ(c.routing.default_router, "mf_1");

    EXPECT_TRUE(c.auth.required);
    EXPECT_EQ(c.auth.admin_key, "admin-secret");
    ASSERT_EQ(c.auth.keys.size(), 2u);
    EXPECT_EQ(c.auth.keys[0].key, "sk-client-1");
    EXPECT_EQ(c.auth.keys[0].id, "alice");
    EXPECT_EQ(c.auth.keys[0].tier, "pro");
    EXPECT_EQ(c.auth.keys[0].team, "research");
    EXPECT_EQ(c.auth.keys[1].id, "bob");
    EXPECT_EQ(c.auth.keys[1].tier, "");
}

TEST(ConfigLoaderTest, AppliesDefaultsForAbsentKeys) {
    Config c = load_ok(R"(
providers:
  - name: local
    plugin: mock
models:
  - name: echo
    deployments:
      - provider: local
)");
    const ServerConfig defaults;
    EXPECT_EQ(c.server.host, "127.0.0.1");
    EXPECT_EQ(c.server.port, 8080);
    EXPECT_EQ(c.server.max_threads, defaults.max_threads);
    EXPECT_EQ(c.server.max_queued, defaults.max_queued);
    EXPECT_EQ(c.server.max_body_bytes, defaults.max_body_bytes);
    EXPECT_EQ(c.server.max_header_bytes, defaults.max_header_bytes);
    EXPECT_EQ(c.server.max_header_count, defaults.max_header_count);
    EXPECT_EQ(c.server.keep_alive_timeout_ms, defaults.keep_alive_timeout_ms);
    EXPECT_EQ(c.server.max_keep_alive_requests, 0);
    EXPECT_EQ(c.server.drain_timeout_ms, defaults.drain_timeout_ms);

    EXPECT_TRUE(c.plugins.search_paths.empty());
    EXPECT_TRUE(c.plugins.load.empty());

    const ProviderConfig& p = c.providers.at(0);
    EXPECT_EQ(p.base_url, "");
    EXPECT_EQ(p.timeouts.connect_ms, 5000);
    EXPECT_EQ(p.timeouts.first_byte_ms, 60000);
    EXPECT_EQ(p.timeouts.idle_ms, 30000);
    EXPECT_EQ(p.timeouts.total_ms, 600000);
    EXPECT_EQ(p.max_connections, 64);
    EXPECT_TRUE(p.tls_verify);
    EXPECT_EQ(p.plugin_config_json, "{}");

    const ModelConfig& m = c.models.at(0);
    EXPECT_EQ(m.input_price_per_mtok, 0);
    EXPECT_EQ(m.output_price_per_mtok, 0);
    EXPECT_EQ(m.context_window, 0);
    EXPECT_TRUE(m.aliases.empty());
    EXPECT_EQ(m.deployments.at(0).model, "echo");  // the model's own name
    EXPECT_EQ(m.deployments.at(0).weight, 1.0);

    EXPECT_TRUE(c.routers.empty());
    EXPECT_EQ(c.routing.default_model, "");
    EXPECT_EQ(c.routing.default_router, "");
    EXPECT_FALSE(c.auth.required);
    EXPECT_TRUE(c.auth.keys.empty());
    EXPECT_EQ(c.auth.admin_key, "");
}

TEST(ConfigLoaderTest, RouterWithoutThresholdOrConfigGetsDefaults) {
    Config c = load_ok(with_base(R"(
routers:
  - name: pick
    plugin: fixed
    candidates: [strong, cheap]
)"));
    ASSERT_EQ(c.routers.size(), 1u);
    EXPECT_FALSE(c.routers[0].threshold.has_value());
    EXPECT_EQ(c.routers[0].plugin_config_json, "{}");
    EXPECT_THAT(c.routers[0].candidates, ElementsAre("strong", "cheap"));  // aliases are accepted as written
}

TEST(ConfigLoaderTest, EmptyOrNullSectionsReadAsDefaults) {
    Config c = load_ok(R"(
server:
plugins: {}
providers: []
models:
routers: ~
routing:
auth: {}
)");
    EXPECT_EQ(c.server.port, 8080);
    EXPECT_TRUE(c.providers.empty());
    EXPECT_TRUE(c.models.empty());
}

TEST(ConfigLoaderTest, ReadsTracingAndMetricsSettings) {
    Config c = load_ok(with_base(R"(
telemetry:
  tracing: {endpoint: "http://otel:4318", sample_ratio: 0.25, headers: {x-tenant: ops}}
  metrics: {budget_refresh_ms: 500}
)"));
    EXPECT_EQ(c.telemetry.budget_refresh_ms, 500);
    EXPECT_EQ(c.models.size(), 2u);
    const TracingConfig& t = c.telemetry.tracing;
    EXPECT_EQ(t.endpoint, "http://otel:4318");
    EXPECT_EQ(t.sample_ratio, 0.25);
    EXPECT_EQ(t.service_name, "switchyard");
    EXPECT_EQ(t.queue_size, 8192);
    ASSERT_EQ(t.headers.size(), 1u);
    EXPECT_EQ(t.headers[0].second, "ops");
    EXPECT_TRUE(load_ok(with_base("")).telemetry.tracing.endpoint.empty()) << "off by default";
}

TEST(ConfigLoaderTest, ReadsDeploymentCapacityPricesPriorityAndTimeouts) {
    Config c = load_ok(R"(
providers: [{name: cloud, plugin: mock, timeouts: {connect_ms: 100}}, {name: box, plugin: mock}]
models:
  - name: m
    input_price_per_mtok: 2
    output_price_per_mtok: 8
    balancing: priority
    timeouts: {first_byte_ms: 700}
    deployments:
      - {provider: box, priority: 0, input_price_per_mtok: 0, output_price_per_mtok: 0, timeouts: {idle_ms: 50}}
      - {provider: cloud, priority: 1, rpm: 60, tpm: 10000}
)");
    const ModelConfig& m = c.models.at(0);
    EXPECT_EQ(m.balancing, "priority");
    EXPECT_EQ(m.timeouts.first_byte_ms, 700);
    EXPECT_FALSE(m.timeouts.connect_ms);
    const DeploymentConfig& box = m.deployments.at(0);
    const DeploymentConfig& cloud = m.deployments.at(1);
    EXPECT_EQ(box.prices.input_per_mtok, 0);
    EXPECT_EQ(box.prices.cached_input_per_mtok, 0);  // follows its own input price
    EXPECT_EQ(box.timeouts.idle_ms, 50);
    EXPECT_EQ(box.rpm, -1);
    EXPECT_EQ(cloud.priority, 1);
    EXPECT_EQ(cloud.rpm, 60);
    EXPECT_EQ(cloud.tpm, 10000);
    EXPECT_EQ(cloud.prices.output_per_mtok, 8);  // the model's
    EXPECT_EQ(cloud.prices.cached_input_per_mtok, 2);
    TimeoutConfig t = c.providers.at(0).timeouts;
    m.timeouts.apply_to(t);
    cloud.timeouts.apply_to(t);
    EXPECT_EQ(t.connect_ms, 100);
    EXPECT_EQ(t.first_byte_ms, 700);
}

TEST(ConfigLoaderTest, ReadsStateTeamsAndKeyLimits) {
    Config c = load_ok(with_base(R"(
state:
  redis: {address: "127.0.0.1:6390", password: pw, command_timeout_ms: 20}
  on_failure: local
  local_share: 0.25
teams:
  - name: search
    limits: {budget_usd: 100, period: monthly, rpm: 600}
    user_limits: {budget_usd: 0.5, period: 12h}
auth:
  required: true
  keys:
    - key: sk-1
      id: app
      team: search
      labels: {env: prod}
      models: [auto]
      limits: {budget_usd: 2.5, tpm: 10000, max_concurrent: 4}
)"));
    EXPECT_EQ(c.state.backend, "redis");  // implied by a redis section
    EXPECT_EQ(c.state.redis.port, 6390);
    EXPECT_EQ(c.state.redis.password, "pw");
    EXPECT_EQ(c.state.redis.command_timeout_ms, 20);
    EXPECT_EQ(c.state.on_failure, OnStoreFailure::local);
    EXPECT_DOUBLE_EQ(c.state.local_share, 0.25);
    ASSERT_NE(c.find_team("search"), nullptr);
    EXPECT_EQ(c.find_team("search")->limits.budget_nano_usd, 100000000000);
    EXPECT_EQ(c.find_team("search")->limits.period, "m");
    EXPECT_EQ(c.find_team("search")->limits.rpm, 600);
    EXPECT_EQ(c.find_team("search")->user_limits.period, "w43200");
    const ApiKeyConfig& k = c.auth.keys.at(0);
    EXPECT_EQ(k.limits.budget_nano_usd, 2500000000);
    EXPECT_EQ(k.limits.period, "d");
    EXPECT_EQ(k.limits.tpm, 10000);
    EXPECT_EQ(k.limits.max_concurrent, 4);
    EXPECT_EQ(k.limits.rpm, -1);
    ASSERT_EQ(k.labels.size(), 1u);
    EXPECT_EQ(k.labels[0].second, "prod");
    EXPECT_EQ(k.models, std::vector<std::string>{"auto"});
}

TEST(ConfigLoaderTest, ReadsPoliciesWithDefaultsAndResolvedPaths) {
    std::string dir = std::filesystem::temp_directory_path() / "sy-config-policies";
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/tiers.lua") << "function route(req) end";
    std::ofstream(dir + "/tiers_test.yaml") << "cases: []";
    std::ofstream(dir + "/privacy.lua") << "function route(req) end";
    LoadResult r = load_config_string(R"(
policies:
  - file: tiers.lua
  - name: pii
    file: privacy.lua
    on_error: closed
    max_instructions: 5000
    max_memory_bytes: 1048576
    timeout_ms: 3
)", dir + "/gateway.yaml");
    ASSERT_TRUE(r.config) << r.error;
    const auto& p = r.config->policies;
    ASSERT_EQ(p.size(), 2u);
    EXPECT_EQ(p[0].name, "tiers");
    EXPECT_EQ(p[0].file, dir + "/tiers.lua");
    EXPECT_FALSE(p[0].fail_closed);
    EXPECT_EQ(p[0].max_instructions, 1000000);
    EXPECT_EQ(p[0].cases_file, dir + "/tiers_test.yaml");
    EXPECT_EQ(p[1].name, "pii");
    EXPECT_TRUE(p[1].fail_closed);
    EXPECT_EQ(p[1].max_instructions, 5000);
    EXPECT_EQ(p[1].max_memory_bytes, 1048576);
    EXPECT_EQ(p[1].timeout_ms, 3);
    EXPECT_EQ(p[1].cases_file, "");
    std::filesystem::remove_all(dir);
}

TEST(ConfigLoaderTest, RefusesBadPolicies) {
    std::string dir = std::filesystem::temp_directory_path() / "sy-config-policies-bad";
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/a.lua") << "function route(req) end";
    auto error = [&](const std::string& yaml) { return load_config_string(yaml, dir + "/gateway.yaml").error; };
    EXPECT_NE(error("policies: [{file: missing.lua}]").find("policies[0].file: cannot read policy file"),
              std::string::npos);
    EXPECT_NE(error("policies: [{file: a.lua, on_error: maybe}]").find("policies[0].on_error: expected 'open' or 'closed'"),
              std::string::npos);
    EXPECT_NE(error("policies: [{file: a.lua}, {file: a.lua}]").find("duplicate policy name 'a'"), std::string::npos);
    EXPECT_NE(error("policies: [{file: a.lua, timeout: 3}]").find("policies[0].timeout: unknown key"), std::string::npos);
    std::filesystem::remove_all(dir);
}

TEST(ConfigLoaderTest, ParsesIpv6AndHostnameListenAddresses) {
    EXPECT_EQ(load_ok("server: {listen: '[::1]:8443'}").server.host, "::1");
    EXPECT_EQ(load_ok("server: {listen: '[::1]:8443'}").server.port, 8443);
    EXPECT_EQ(load_ok("server: {listen: 'localhost:0'}").server.host, "localhost");
    EXPECT_EQ(load_ok("server: {listen: 'localhost:0'}").server.port, 0);
    EXPECT_EQ(load_ok("server: {listen: gateway.internal:65535}").server.port, 65535);
}

TEST(ConfigLoaderTest, ResolvesRelativePluginPathsAgainstTheConfigDirectory) {
    Config c = load_ok(R"(
plugins:
  search_paths: [plugins, ./more/, ../lib/switchyard, /abs/dir]
  load: [custom.so]
)");
    EXPECT_THAT(c.plugins.search_paths,
                ElementsAre("/etc/switchyard/plugins", "/etc/switchyard/more/", "/etc/lib/switchyard", "/abs/dir"));
    EXPECT_THAT(c.plugins.load, ElementsAre("/etc/switchyard/custom.so"));
}

TEST(ConfigLoaderTest, KeepsPluginPathsAsWrittenWithoutASourcePath) {
    LoadResult r = load_config_string("plugins: {search_paths: [plugins]}", "");
    ASSERT_TRUE(r.config) << r.error;
    EXPECT_THAT(r.config->plugins.search_paths, ElementsAre("plugins"));
    EXPECT_EQ(r.config->source_path, "");
}

TEST(ConfigLoaderTest, FindModelMatchesNamesAndAliases) {
    Config c = load_ok(kProvidersAndModels);
    ASSERT_NE(c.find_model("strong"), nullptr);
    EXPECT_EQ(c.find_model("strong")->name, "strong");
    ASSERT_NE(c.find_model("cheap"), nullptr);
    EXPECT_EQ(c.find_model("cheap")->name, "weak");
    EXPECT_EQ(c.find_model("missing"), nullptr);
    EXPECT_EQ(c.find_model(""), nullptr);
}

TEST(ConfigLoaderTest, FindProviderAndRouterMatchByName) {
    Config c = load_ok(with_base("routers: [{name: pick, plugin: fixed, candidates: [weak]}]"));
    ASSERT_NE(c.find_provider("local"), nullptr);
    EXPECT_EQ(c.find_provider("local")->plugin, "mock");
    EXPECT_EQ(c.find_provider("mock"), nullptr);
    ASSERT_NE(c.find_router("pick"), nullptr);
    EXPECT_EQ(c.find_router("pick")->plugin, "fixed");
    EXPECT_EQ(c.find_router("router-pick"), nullptr);
}

TEST(ConfigLoaderTest, LoadsTheMinimalFixtureFile) {
    std::string path = source_dir() + "/tests/fixtures/configs/minimal.yaml";
    LoadResult r = load_config_file(path);
    ASSERT_TRUE(r.config) << r.error;
    EXPECT_EQ(r.config->source_path, path);
    EXPECT_EQ(r.config->server.port, 0);
    ASSERT_EQ(r.config->models.size(), 1u);
    EXPECT_EQ(r.config->find_model("default"), &r.config->models[0]);
    EXPECT_EQ(r.config->routing.default_model, "echo");
}

TEST(ConfigLoaderTest, LoadsTheQuickstartConfig) {
    LoadResult r = load_config_file(source_dir() + "/deploy/quickstart.yaml");
    ASSERT_TRUE(r.config) << r.error;
    EXPECT_FALSE(r.config->models.empty());
}

TEST(ConfigLoaderTest, ResolvesPluginPathsAgainstTheLoadedFilesDirectory) {
    std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "sy_config_loader_test";
    std::filesystem::create_directories(dir);
    std::filesystem::path file = dir / "gateway.yaml";
    std::ofstream(file) << "plugins:\n  search_paths: [plugins]\n";
    LoadResult r = load_config_file(file.string());
    ASSERT_TRUE(r.config) << r.error;
    EXPECT_THAT(r.config->plugins.search_paths, ElementsAre((dir / "plugins").lexically_normal().string()));
    std::filesystem::remove_all(dir);
}

TEST(ConfigLoaderTest, ReportsAMissingFileByPath) {
    LoadResult r = load_config_file("/nonexistent/switchyard.yaml");
    EXPECT_FALSE(r.config);
    EXPECT_EQ(r.error, "cannot read config file '/nonexistent/switchyard.yaml': No such file or directory");
}

TEST(ConfigLoaderTest, ReportsADirectoryInsteadOfAFile) {
    LoadResult r = load_config_file(::testing::TempDir());
    EXPECT_FALSE(r.config);
    EXPECT_THAT(r.error, HasSubstr("is a directory"));
}

}  // namespace
}  // namespace sy::config::test
