// Refused configs: every error names the key path, says what is wrong and what is expected.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config_test_util.hpp"

namespace sy::config::test {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// --- YAML itself -----------------------------------------------------------------------------------------

TEST(ConfigValidationTest, ReportsYamlSyntaxErrorsWithLineAndColumn) {
    std::string error = load_error("server:\n  listen: [127.0.0.1:8080\n");
    EXPECT_THAT(error, StartsWith("invalid YAML: "));
    EXPECT_THAT(error, HasSubstr("(line 3, column 1)"));
}

TEST(ConfigValidationTest, RefusesAnEmptyDocument) {
    EXPECT_THAT(load_error(""), StartsWith("expected a map of sections (server, plugins, providers"));
    EXPECT_THAT(load_error("# only a comment\n"), HasSubstr("got an empty document"));
}

TEST(ConfigValidationTest, RefusesATopLevelThatIsNotAMap) {
    EXPECT_THAT(load_error("- server\n"), HasSubstr("got a list"));
}

TEST(ConfigValidationTest, RefusesSeveralDocuments) {
    EXPECT_THAT(load_error("server: {}\n---\nserver: {}\n"), StartsWith("expected one YAML document, found 2"));
}

// yaml-cpp 0.7's LoadAll looped forever, taking memory, on these (found by fuzzing).
TEST(ConfigValidationTest, RefusesTextTheYamlParserStallsOn) {
    EXPECT_THAT(load_error(","), StartsWith("invalid YAML"));
    EXPECT_THAT(load_error("server: {}\n,\n"), StartsWith("invalid YAML"));
}

TEST(ConfigValidationTest, RefusesDuplicateKeys) {
    EXPECT_THAT(load_error("server:\n  max_threads: 4\n  max_threads: 8\n"),
                StartsWith("server.max_threads: duplicate key (line 3, column 3)"));
}

// --- unknown keys ----------------------------------------------------------------------------------------

TEST(ConfigValidationTest, RefusesAnUnknownTopLevelKeyListingTheKnownOnes) {
    EXPECT_EQ(load_error("modles: []\n"),
              "modles: unknown key (expected one of: server, plugins, providers, embedders, models, routers, routing, state, "
              "teams, auth, policies, telemetry, cache, privacy, guardrails, security) (line 1, column 1)");
}

TEST(ConfigValidationTest, RefusesUnknownNestedKeysAtEveryLevel) {
    EXPECT_THAT(load_error("server: {max_thread: 4}"), StartsWith("server.max_thread: unknown key (expected one of: "
                                                                  "listen, max_threads,"));
    EXPECT_THAT(load_error("providers: [{name: a, plugin: mock, timeouts: {connect: 5}}]"),
                StartsWith("providers[0].timeouts.connect: unknown key"));
    EXPECT_THAT(load_error(with_base("routers: [{name: r, plugin: p, candidates: [weak], treshold: 0.5}]")),
                StartsWith("routers[0].treshold: unknown key"));
    EXPECT_THAT(load_error("plugins: {paths: [x]}"), StartsWith("plugins.paths: unknown key"));
    EXPECT_THAT(load_error("routing: {default: x}"), StartsWith("routing.default: unknown key"));
    EXPECT_THAT(load_error("auth: {keys: [{key: k, name: n}]}"), StartsWith("auth.keys[0].name: unknown key"));
}

TEST(ConfigValidationTest, ReportsAnUnknownKeyBeforeProblemsItCauses) {
    // `deployment` is a typo: report it, not the missing `deployments`.
    std::string yaml = R"(
providers: [{name: local, plugin: mock}]
models:
  - name: a
    deployments: [{provider: local}]
  - name: b
    deployment: [{provider: local, wieght: 2}]
)";
    EXPECT_THAT(load_error(yaml), StartsWith("models[1].deployment: unknown key"));
    EXPECT_THAT(load_error(with_base("models: []\nmodels: []")), StartsWith("models: duplicate key"));
}

TEST(ConfigValidationTest, RefusesAnUnknownKeyInADeployment) {
    EXPECT_THAT(load_error(R"(
providers: [{name: local, plugin: mock}]
models:
  - name: a
    deployments: [{provider: local, wieght: 2}]
)"),
                StartsWith("models[0].deployments[0].wieght: unknown key (expected one of: provider, model, weight, local, priority, rpm, tpm, timeouts, "
                           "input_price_per_mtok, output_price_per_mtok, cached_input_price_per_mtok)"));
}

TEST(ConfigValidationTest, RefusesAnUnknownBalancingAndBadCapacity) {
    EXPECT_THAT(load_error(R"(
providers: [{name: local, plugin: mock}]
models: [{name: a, balancing: fastest, deployments: [{provider: local}]}]
)"),
                StartsWith("models[0].balancing: must be weighted_random, round_robin, least_inflight, lowest_latency, "
                           "lowest_cost, priority or affinity, got 'fastest'"));
    EXPECT_THAT(load_error(R"(
providers: [{name: local, plugin: mock}]
models: [{name: a, deployments: [{provider: local, rpm: 0}]}]
)"),
                StartsWith("models[0].deployments[0].rpm:"));
    EXPECT_THAT(load_error(R"(
providers: [{name: local, plugin: mock}]
models: [{name: a, timeouts: {first_byte_ms: 0}, deployments: [{provider: local}]}]
)"),
                StartsWith("models[0].timeouts.first_byte_ms:"));
}

TEST(ConfigValidationTest, RefusesABadHealthCheck) {
    EXPECT_THAT(load_error(R"(
providers: [{name: p, plugin: openai, base_url: "http://127.0.0.1:1/v1", health_check: {path: health}}]
models: [{name: a, deployments: [{provider: p}]}]
)"),
                StartsWith("providers[0].health_check.path: must start with '/' (it is appended to base_url), got 'health'"));
    EXPECT_THAT(load_error(R"(
providers: [{name: local, plugin: mock, health_check: {path: /health}}]
models: [{name: a, deployments: [{provider: local}]}]
)"),
                StartsWith("providers[0].health_check.path: needs a remote provider (one with a base_url)"));
    EXPECT_THAT(load_error(R"(
providers: [{name: p, plugin: openai, base_url: "http://127.0.0.1:1/v1", health_check: {path: /h, interval_ms: 5}}]
models: [{name: a, deployments: [{provider: p}]}]
)"),
                StartsWith("providers[0].health_check.interval_ms:"));
}

TEST(ConfigValidationTest, RefusesABadCacheSection) {
    EXPECT_THAT(load_error("cache: {backend: disk}"), StartsWith("cache.backend: must be off, memory or redis, got 'disk'"));
    EXPECT_THAT(load_error("cache: {backend: redis}"),
                StartsWith("cache.backend: redis needs state.backend: redis (the cache uses the state store's server)"));
    EXPECT_THAT(load_error("cache: {scope: user}"), StartsWith("cache.scope: must be key, team or global, got 'user'"));
    EXPECT_THAT(load_error("cache: {ttl_s: 0}"), StartsWith("cache.ttl_s:"));
}

TEST(ConfigValidationTest, RefusesABadSemanticCache) {
    EXPECT_THAT(load_error("cache: {semantic: {enabled: true}}"),
                StartsWith("cache.semantic.enabled: needs cache.backend memory or redis"));
    EXPECT_THAT(load_error("cache: {backend: memory, semantic: {enabled: true, threshold: 0}}"),
                StartsWith("cache.semantic.threshold:"));
    EXPECT_THAT(load_error("cache: {backend: memory, semantic: {threshold: 1.5}}"), StartsWith("cache.semantic.threshold:"));
    EXPECT_THAT(load_error("cache: {backend: memory, semantic: {enabled: true, embedder: nope}}"),
                StartsWith("cache.semantic.embedder: no embedder named 'nope' in embedders[]"));
    EXPECT_THAT(load_error("cache: {backend: memory, semantic: {max_entries: 0}}"), StartsWith("cache.semantic.max_entries:"));
    EXPECT_THAT(load_error("cache: {backend: memory, semantic: {max_bucket_entries: 0}}"),
                StartsWith("cache.semantic.max_bucket_entries:"));
    EXPECT_THAT(load_error("cache: {backend: memory, semantic: {treshold: 0.9}}"), StartsWith("cache.semantic.treshold:"));
}

TEST(ConfigValidationTest, ReadsAndChecksThePrivacySection) {
    Config c = load_ok(R"(
models: [{name: cloud, deployments: [{provider: p}]}, {name: home, deployments: [{provider: p}]}]
providers: [{name: p, plugin: openai, base_url: "http://127.0.0.1:1/v1"}]
privacy: {actions: {email: redact, iban: local_only, credit_card: deny}, restore: false, local_models: [home]}
)");
    EXPECT_EQ(c.privacy.actions[0], PiiAction::redact);
    EXPECT_EQ(c.privacy.actions[3], PiiAction::local_only);
    EXPECT_EQ(c.privacy.actions[2], PiiAction::deny);
    EXPECT_EQ(c.privacy.actions[1], PiiAction::allow) << "phone: not listed";
    EXPECT_FALSE(c.privacy.restore);
    EXPECT_EQ(c.privacy.local_models, std::vector<std::string>{"home"});
    EXPECT_TRUE(c.privacy.any());
    EXPECT_FALSE(load_ok("privacy: {}").privacy.any());
    EXPECT_THAT(load_error("privacy: {actions: {email: hide}}"),
                StartsWith("privacy.actions.email: expected allow, redact, local_only, deny, got 'hide'"));
    EXPECT_THAT(load_error("privacy: {actions: {passport: deny}}"), StartsWith("privacy.actions.passport: unknown key"));
    EXPECT_THAT(load_error("privacy: {local_models: [ghost]}"), StartsWith("privacy.local_models[0]: unknown model 'ghost'"));
}

// --- types and ranges ------------------------------------------------------------------------------------

TEST(ConfigValidationTest, RefusesValuesOfTheWrongType) {
    EXPECT_THAT(load_error("server: {max_threads: many}"),
                StartsWith("server.max_threads: expected an integer, got 'many'"));
    EXPECT_THAT(load_error("server: {max_threads: 1.5}"),
                StartsWith("server.max_threads: expected an integer, got '1.5'"));
    EXPECT_THAT(load_error("server: {max_threads: [4]}"),
                StartsWith("server.max_threads: expected an integer, got a list"));
    EXPECT_THAT(load_error("server:\n  max_threads:\n"), StartsWith("server.max_threads: expected an integer, got null"));
    EXPECT_THAT(load_error("server: [listen]"), StartsWith("server: expected a map with keys listen, max_threads"));
    EXPECT_THAT(load_error("models: {name: a}"), StartsWith("models: expected a list of models, got a map"));
    EXPECT_THAT(load_error("providers: [{name: a, plugin: mock, tls_verify: yes}]"),
                StartsWith("providers[0].tls_verify: expected true or false, got 'yes'"));
    EXPECT_THAT(load_error("providers: [{name: {x: 1}, plugin: mock}]"),
                StartsWith("providers[0].name: expected a non-empty string, got a map"));
    EXPECT_THAT(load_error("models: [{name: a, input_price_per_mtok: free, deployments: []}]"),
                StartsWith("models[0].input_price_per_mtok: expected a number, got 'free'"));
    EXPECT_THAT(load_error(with_base("routers: [{name: r, plugin: p, candidates: weak}]")),
                StartsWith("routers[0].candidates: expected a list of model names, got 'weak'"));
    EXPECT_THAT(load_error("telemetry: on"), StartsWith("telemetry: expected a map with keys access_log"));
    EXPECT_THAT(load_error("telemetry: {tracing: [x]}"), StartsWith("telemetry.tracing: expected a map with keys endpoint"));
    EXPECT_THAT(load_error("telemetry: {metrics: {port: 9100}}"), StartsWith("telemetry.metrics.port: unknown key"));
    EXPECT_THAT(load_error("telemetry: {tracing: {endpoint: \"otel:4318\"}}"),
                StartsWith("telemetry.tracing.endpoint: expected an http:// or https:// URL"));
    EXPECT_THAT(load_error("telemetry: {tracing: {sample_ratio: 2}}"), StartsWith("telemetry.tracing.sample_ratio:"));
    EXPECT_THAT(load_error("telemetry: {access_log: {file: x}}"), StartsWith("telemetry.access_log.file: unknown key"));
    EXPECT_THAT(load_error("state: on"), StartsWith("state: expected a map with keys backend, redis"));
}

TEST(ConfigValidationTest, RefusesNumbersOutOfRange) {
    EXPECT_THAT(load_error("server: {max_threads: 0}"), StartsWith("server.max_threads: must be >= 1, got 0"));
    EXPECT_THAT(load_error("server: {max_threads: 99999999999}"),
                StartsWith("server.max_threads: must be <= 2147483647, got 99999999999"));
    EXPECT_THAT(load_error("server: {max_body_bytes: 100}"), StartsWith("server.max_body_bytes: must be >= 1024"));
    EXPECT_THAT(load_error("server: {min_threads: 0}"), StartsWith("server.min_threads: must be >= 1, got 0"));
    EXPECT_THAT(load_error("server: {min_threads: 9, max_threads: 8}"),
                StartsWith("server.min_threads: must not exceed server.max_threads (8)"));
    EXPECT_THAT(load_error("server: {keep_alive_timeout_ms: -5}"),
                StartsWith("server.keep_alive_timeout_ms: must be >= 1, got -5"));
    EXPECT_THAT(load_error("server: {max_keep_alive_requests: -1}"),
                StartsWith("server.max_keep_alive_requests: must be >= 0, got -1"));
    EXPECT_THAT(load_error("providers: [{name: a, plugin: mock, timeouts: {idle_ms: 0}}]"),
                StartsWith("providers[0].timeouts.idle_ms: must be >= 1, got 0"));
    EXPECT_THAT(load_error("providers: [{name: a, plugin: mock, max_connections: 0}]"),
                StartsWith("providers[0].max_connections: must be >= 1, got 0"));
    EXPECT_THAT(load_error(R"(
providers: [{name: local, plugin: mock}]
models: [{name: a, output_price_per_mtok: -0.5, deployments: [{provider: local}]}]
)"),
                StartsWith("models[0].output_price_per_mtok: must be >= 0, got -0.5"));
    EXPECT_THAT(load_error(R"(
providers: [{name: local, plugin: mock}]
models: [{name: a, context_window: -1, deployments: [{provider: local}]}]
)"),
                StartsWith("models[0].context_window: must be >= 0, got -1"));
    EXPECT_THAT(load_error(R"(
providers: [{name: local, plugin: mock}]
models: [{name: a, deployments: [{provider: local, weight: 0}]}]
)"),
                StartsWith("models[0].deployments[0].weight: must be > 0, got 0"));
    EXPECT_THAT(load_error(with_base("routers: [{name: r, plugin: p, candidates: [weak], threshold: 1.5}]")),
                StartsWith("routers[0].threshold: must be <= 1, got 1.5"));
}

TEST(ConfigValidationTest, AppendsTheLineAndColumnOfTheOffendingValue) {
    EXPECT_EQ(load_error("server:\n  listen: 127.0.0.1:8080\n  max_threads: 0\n"),
              "server.max_threads: must be >= 1, got 0 (line 3, column 16)");
}

// --- server.listen ---------------------------------------------------------------------------------------

class ConfigListenValidationTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ConfigListenValidationTest, RefusesMalformedListenAddresses) {
    std::string yaml = std::string("server:\n  listen: '") + GetParam() + "'\n";
    std::string error = load_error(yaml);
    EXPECT_THAT(error, StartsWith("server.listen: "));
    EXPECT_THAT(error, HasSubstr("expected HOST:PORT with port 0..65535"));
}

INSTANTIATE_TEST_SUITE_P(BadAddresses, ConfigListenValidationTest,
                         ::testing::Values("8080", "localhost", ":8080", "127.0.0.1:", "127.0.0.1:70000",
                                           "127.0.0.1:http", "127.0.0.1:-1", "::1:8080", "[::1]", "[::1]8080",
                                           "[zz::1]:80", "[::1:80", "bad host:80", "1.2.3:80", "256.1.1.1:80",
                                           "-bad.example:80"));

TEST(ConfigValidationTest, ExplainsWhatIsWrongWithTheListenAddress) {
    EXPECT_THAT(load_error("server: {listen: '127.0.0.1:70000'}"),
                StartsWith("server.listen: invalid port '70000' (expected 0..65535) in '127.0.0.1:70000'"));
    EXPECT_THAT(load_error("server: {listen: '::1:80'}"),
                StartsWith("server.listen: an IPv6 address must be in brackets in '::1:80'"));
    EXPECT_THAT(load_error("server: {listen: localhost}"), StartsWith("server.listen: missing ':PORT'"));
}

// --- required values -------------------------------------------------------------------------------------

TEST(ConfigValidationTest, RefusesMissingRequiredKeys) {
    EXPECT_THAT(load_error("providers: [{plugin: mock}]"),
                StartsWith("providers[0].name: is required (expected a non-empty string)"));
    EXPECT_THAT(load_error("providers: [{name: a}]"), StartsWith("providers[0].plugin: is required"));
    EXPECT_THAT(load_error("providers: [{name: a, plugin: mock}]\nmodels: [{deployments: [{provider: a}]}]"),
                StartsWith("models[0].name: is required"));
    EXPECT_THAT(load_error("providers: [{name: a, plugin: mock}]\nmodels: [{name: m, deployments: [{model: x}]}]"),
                StartsWith("models[0].deployments[0].provider: is required"));
    EXPECT_THAT(load_error(with_base("routers: [{name: r, candidates: [weak]}]")),
                StartsWith("routers[0].plugin: is required"));
    EXPECT_THAT(load_error("auth: {keys: [{id: a}]}"), StartsWith("auth.keys[0].key: is required"));
}

TEST(ConfigValidationTest, RefusesEmptyStringsWhereANameIsNeeded) {
    EXPECT_THAT(load_error("providers: [{name: '', plugin: mock}]"), StartsWith("providers[0].name: must not be empty"));
    EXPECT_THAT(load_error(R"(
providers: [{name: local, plugin: mock}]
models: [{name: m, deployments: [{provider: local, model: ""}]}]
)"),
                StartsWith("models[0].deployments[0].model: must not be empty"));
    EXPECT_THAT(load_error("plugins: {load: ['']}"), StartsWith("plugins.load[0]: must not be empty"));
    EXPECT_THAT(load_error("auth: {keys: [{key: ''}]}"), StartsWith("auth.keys[0].key: must not be empty"));
}

TEST(ConfigValidationTest, RefusesAModelWithoutDeployments) {
    EXPECT_THAT(load_error("models: [{name: m}]"),
                StartsWith("models[0].deployments: needs at least one deployment (expected a list of "
                           "{provider, model, weight})"));
    EXPECT_THAT(load_error("models: [{name: m, deployments: []}]"),
                StartsWith("models[0].deployments: needs at least one deployment"));
}

TEST(ConfigValidationTest, RefusesARouterWithoutCandidates) {
    EXPECT_THAT(load_error(with_base("routers: [{name: r, plugin: p}]")),
                StartsWith("routers[0].candidates: needs at least one candidate (expected a list of model names)"));
    EXPECT_THAT(load_error(with_base("routers: [{name: r, plugin: p, candidates: []}]")),
                StartsWith("routers[0].candidates: needs at least one candidate"));
}

TEST(ConfigValidationTest, RefusesAProviderBaseUrlThatIsNotHttp) {
    EXPECT_THAT(load_error("providers: [{name: a, plugin: openai, base_url: api.openai.com}]"),
                StartsWith("providers[0].base_url: expected an http:// or https:// URL with a host, got "
                           "'api.openai.com'"));
    EXPECT_THAT(load_error("providers: [{name: a, plugin: openai, base_url: 'https://'}]"),
                StartsWith("providers[0].base_url: expected an http:// or https:// URL"));
}

// --- names -----------------------------------------------------------------------------------------------

TEST(ConfigValidationTest, RefusesDuplicateProviderNames) {
    EXPECT_THAT(load_error("providers: [{name: a, plugin: mock}, {name: b, plugin: mock}, {name: a, plugin: x}]"),
                StartsWith("providers[2].name: duplicate provider name 'a' (also at providers[0].name)"));
}

TEST(ConfigValidationTest, RefusesDuplicateModelNamesAndAliases) {
    EXPECT_THAT(load_error(with_base("  - name: strong\n    deployments: [{provider: local}]\n")),
                StartsWith("models[2].name: duplicate model name or alias 'strong' (also at models[0].name)"));
    EXPECT_THAT(load_error(with_base("  - name: cheap\n    deployments: [{provider: local}]\n")),
                StartsWith("models[2].name: duplicate model name or alias 'cheap' (also at models[1].aliases[0])"));
    EXPECT_THAT(load_error(with_base("  - name: other\n    aliases: [x, strong]\n    deployments: [{provider: local}]\n")),
                StartsWith("models[2].aliases[1]: duplicate model name or alias 'strong' (also at models[0].name)"));
    EXPECT_THAT(load_error(with_base("  - name: other\n    aliases: [other]\n    deployments: [{provider: local}]\n")),
                StartsWith("models[2].aliases[0]: duplicate model name or alias 'other' (also at models[2].name)"));
}

TEST(ConfigValidationTest, RefusesModelNamesReservedForRouting) {
    EXPECT_THAT(load_error(with_base("  - name: auto\n    deployments: [{provider: local}]\n")),
                StartsWith("models[2].name: 'auto' is reserved for automatic routing; choose another name"));
    EXPECT_THAT(load_error(with_base("  - name: router-mf\n    deployments: [{provider: local}]\n")),
                StartsWith("models[2].name: 'router-mf' starts with 'router-', which is reserved for router models"));
    EXPECT_THAT(load_error(with_base("  - name: ok\n    aliases: [auto]\n    deployments: [{provider: local}]\n")),
                StartsWith("models[2].aliases[0]: 'auto' is reserved"));
    EXPECT_THAT(load_error(with_base("  - name: ok\n    aliases: [router-x-0.5]\n    deployments: [{provider: local}]\n")),
                StartsWith("models[2].aliases[0]: 'router-x-0.5' starts with 'router-'"));
}

TEST(ConfigValidationTest, AcceptsModelNamesThatOnlyResembleReservedOnes) {
    load_ok(with_base("  - name: autopilot\n    aliases: [my-router-model, Auto2]\n    deployments: [{provider: local}]\n"));
}

TEST(ConfigValidationTest, RefusesRouterNamesOutsideLowerCaseLettersDigitsAndUnderscore) {
    for (const char* name : {"My", "fast-router", "a.b", "'r 1'"}) {
        std::string yaml = with_base(std::string("routers: [{name: ") + name + ", plugin: p, candidates: [weak]}]");
        EXPECT_THAT(load_error(yaml), StartsWith("routers[0].name: invalid router name")) << name;
        EXPECT_THAT(load_error(yaml), HasSubstr("[a-z0-9_]+")) << name;
    }
    load_ok(with_base("routers: [{name: mf_2, plugin: p, candidates: [weak]}]"));
}

TEST(ConfigValidationTest, RefusesDuplicateRouterNames) {
    EXPECT_THAT(load_error(with_base(R"(
routers:
  - {name: r, plugin: p, candidates: [weak]}
  - {name: r, plugin: q, candidates: [strong]}
)")),
                StartsWith("routers[1].name: duplicate router name 'r' (also at routers[0].name)"));
}

// --- references ------------------------------------------------------------------------------------------

TEST(ConfigValidationTest, RefusesADeploymentOnAnUnknownProvider) {
    std::string yaml = R"(
providers: [{name: local, plugin: mock}, {name: remote, plugin: openai}]
models:
  - name: a
    deployments: [{provider: local}]
  - name: b
    deployments: [{provider: local}, {provider: nope}]
)";
    EXPECT_THAT(load_error(yaml), StartsWith("models[1].deployments[1].provider: unknown provider 'nope' "
                                             "(expected one of: local, remote)"));
    EXPECT_THAT(load_error("models: [{name: a, deployments: [{provider: x}]}]"),
                StartsWith("models[0].deployments[0].provider: unknown provider 'x' (none configured)"));
}

TEST(ConfigValidationTest, RefusesRouterCandidatesThatAreNotModels) {
    EXPECT_THAT(load_error(with_base("routers: [{name: r, plugin: p, candidates: [strong, gpt-5]}]")),
                StartsWith("routers[0].candidates[1]: unknown model 'gpt-5' (expected one of: strong, weak)"));
}

TEST(ConfigValidationTest, RefusesTheSameCandidateTwiceEvenThroughAnAlias) {
    EXPECT_THAT(load_error(with_base("routers: [{name: r, plugin: p, candidates: [weak, cheap]}]")),
                StartsWith("routers[0].candidates[1]: duplicate candidate 'weak' (also at routers[0].candidates[0])"));
}

TEST(ConfigValidationTest, RefusesRoutingDefaultsThatAreNotConfigured) {
    EXPECT_THAT(load_error(with_base("routing: {default_model: medium}")),
                StartsWith("routing.default_model: unknown model 'medium' (expected one of: strong, weak)"));
    EXPECT_THAT(load_error(with_base("routing: {default_router: mf}")),
                StartsWith("routing.default_router: unknown router 'mf' (none configured)"));
    Config c = load_ok(with_base("routers: [{name: mf, plugin: p, candidates: [weak]}]\n"
                                 "routing: {default_model: cheap, default_router: mf}"));
    EXPECT_EQ(c.routing.default_model, "cheap");
}

// --- auth ------------------------------------------------------------------------------------------------

TEST(ConfigValidationTest, RefusesRequiredAuthWithoutKeys) {
    EXPECT_THAT(load_error("auth: {required: true}"),
                StartsWith("auth.keys: auth.required is true but no keys are configured"));
    EXPECT_THAT(load_error("auth: {required: true, keys: []}"), StartsWith("auth.keys: auth.required is true"));
    load_ok("auth: {required: false}");
}

TEST(ConfigValidationTest, RefusesDuplicateKeyIds) {
    EXPECT_THAT(load_error("auth: {keys: [{key: k1, id: a}, {key: k2, id: a}]}"),
                StartsWith("auth.keys[1].id: duplicate key id 'a' (also at auth.keys[0].id)"));
    EXPECT_THAT(load_error("auth: {keys: [{key: k1, id: key-1}, {key: k2}]}"),
                StartsWith("auth.keys[1].id: duplicate key id 'key-1' (also at auth.keys[0].id)"));
}

TEST(ConfigValidationTest, GivesKeysWithoutAnIdAnIdFromTheirPosition) {
    Config c = load_ok("auth: {keys: [{key: k1}, {key: k2, id: b}, {key: k3}]}");
    ASSERT_EQ(c.auth.keys.size(), 3u);
    EXPECT_EQ(c.auth.keys[0].id, "key-0");
    EXPECT_EQ(c.auth.keys[1].id, "b");
    EXPECT_EQ(c.auth.keys[2].id, "key-2");
}

TEST(ConfigValidationTest, RefusesTheSameKeyTwiceWithoutEchoingIt) {
    std::string error = load_error("auth: {keys: [{key: sk-secret-1, id: a}, {key: sk-secret-1, id: b}]}");
    EXPECT_THAT(error, StartsWith("auth.keys[1].key: duplicate key (same as auth.keys[0].key)"));
    EXPECT_THAT(error, Not(HasSubstr("sk-secret-1")));
    error = load_error("auth: {admin_key: sk-secret-1, keys: [{key: sk-secret-1}]}");
    EXPECT_THAT(error, StartsWith("auth.admin_key: must differ from the client keys (same as auth.keys[0].key)"));
    EXPECT_THAT(error, Not(HasSubstr("sk-secret-1")));
}

// --- error reporting -------------------------------------------------------------------------------------

TEST(ConfigValidationTest, ReportsOnlyTheFirstError) {
    std::string error = load_error("server: {max_threads: 0, max_queued: 0}");
    EXPECT_THAT(error, StartsWith("server.max_threads:"));
    EXPECT_THAT(error, Not(HasSubstr("max_queued")));
}

TEST(ConfigValidationTest, PointsAtTheParentWhenARequiredKeyIsMissing) {
    EXPECT_THAT(load_error("providers:\n  - plugin: mock\n"), EndsWith("(line 2, column 5)"));
}

TEST(ConfigValidationTest, RefusesBadLimitsAndStateSettingsNamingTheKey) {
    EXPECT_THAT(load_error("teams: [{name: t, limits: {period: weekly}}]"),
                StartsWith("teams[0].limits.period: expected daily, monthly, or a fixed window"));
    EXPECT_THAT(load_error("teams: [{name: t, limits: {budget_usd: -1}}]"), StartsWith("teams[0].limits.budget_usd:"));
    EXPECT_THAT(load_error("teams: [{name: t, limits: {rpm: -5}}]"), StartsWith("teams[0].limits.rpm:"));
    EXPECT_THAT(load_error("teams: [{name: 'bad team'}]"), StartsWith("teams[0]: invalid team name 'bad team'"));
    EXPECT_THAT(load_error("teams: [{name: t}, {name: t}]"), StartsWith("teams[1]: duplicate team 't'"));
    EXPECT_THAT(load_error("state: {backend: etcd}"), StartsWith("state.backend: expected 'memory' or 'redis'"));
    EXPECT_THAT(load_error("state: {on_failure: maybe}"), StartsWith("state.on_failure: expected 'open', 'closed'"));
    EXPECT_THAT(load_error("state: {local_share: 0}"), StartsWith("state.local_share:"));
    EXPECT_THAT(load_error("state: {redis: {address: nowhere}}"), StartsWith("state.redis.address: expected HOST:PORT"));
    EXPECT_THAT(load_error("state: {key_prefix: 'a{b}'}"), StartsWith("state.key_prefix: must not contain braces"));
    EXPECT_THAT(load_error("state: {redis: {cluster: true, seeds: [nowhere]}}"),
                StartsWith("state.redis.seeds[0]: expected HOST:PORT"));
    EXPECT_THAT(load_error("state: {redis: {cluster: true, db: 2}}"),
                StartsWith("state.redis.db: Redis Cluster has only database 0"));
    EXPECT_THAT(load_error("state: {reservation_ttl_ms: 86400000}"), StartsWith("state.reservation_ttl_ms: must be at most"));
    EXPECT_THAT(load_error("state: {budget_view_ttl_ms: 60001}"), StartsWith("state.budget_view_ttl_ms: must be at most"));
    EXPECT_THAT(load_error("state: {budget_view_ttl_ms: -1}"), StartsWith("state.budget_view_ttl_ms:"));
    EXPECT_THAT(load_error("state: {redis: {sentinel: {master: m}}}"),
                StartsWith("state.redis.sentinel.addresses: needs at least one sentinel"));
    EXPECT_THAT(load_error("state: {redis: {sentinel: {addresses: ['127.0.0.1:26379']}}}"),
                StartsWith("state.redis.sentinel.master: is required"));
    EXPECT_THAT(load_error("state: {redis: {cluster: true, sentinel: {master: m, addresses: ['127.0.0.1:1']}}}"),
                StartsWith("state.redis.sentinel: cannot be combined with cluster"));
    EXPECT_THAT(load_error("auth: {anonymous_paths: [/admin/keys]}"),
                StartsWith("auth.anonymous_paths[0]: '/admin/keys' is not a path that takes client keys"));
    EXPECT_THAT(load_error("teams: [{name: t, limits: {on_store_failure: maybe}}]"),
                StartsWith("teams[0].limits.on_store_failure: expected 'open', 'closed' or 'local'"));
    EXPECT_THAT(load_error("models: [{name: a, limits: {rpm: x}, deployments: [{provider: p}]}]"),
                StartsWith("models[0].limits.rpm: expected an integer"));
    EXPECT_THAT(load_error("auth: {keys: [{key: k, id: 'a b'}]}"), StartsWith("auth.keys[0].id: invalid key id 'a b'"));
    EXPECT_THAT(load_error("auth: {keys: [{key: k, models: [nope]}]}"),
                StartsWith("auth.keys[0].models[0]: unknown model 'nope'"));
    EXPECT_THAT(load_error("auth: {keys: [{key: k, labels: [a]}]}"),
                StartsWith("auth.keys[0].labels: expected a map of label names to values"));
}

}  // namespace
}  // namespace sy::config::test
