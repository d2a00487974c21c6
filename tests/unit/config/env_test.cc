// ${NAME} substitution from the environment.
#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/env_subst.hpp"
#include "config_test_util.hpp"

namespace sy::config::test {
namespace {

using ::testing::StartsWith;

// expand_env against a fixed environment.
class ConfigEnvExpandTest : public ::testing::Test {
protected:
    std::string expand(std::string_view text) {
        std::string out;
        std::string error;
        EXPECT_TRUE(expand_env(text, lookup_, out, error)) << error;
        return out;
    }

    std::string expand_error(std::string_view text) {
        std::string out;
        std::string error;
        EXPECT_FALSE(expand_env(text, lookup_, out, error)) << "expanded to " << out;
        return error;
    }

    std::map<std::string, std::string> env_{{"HOST", "db.local"}, {"EMPTY", ""}, {"NESTED", "${HOST}"}};
    EnvLookup lookup_ = [this](const std::string& name) -> std::optional<std::string> {
        auto it = env_.find(name);
        if (it == env_.end()) return std::nullopt;
        return it->second;
    };
};

TEST_F(ConfigEnvExpandTest, ReplacesSetVariablesAnywhereInTheValue) {
    EXPECT_EQ(expand("${HOST}"), "db.local");
    EXPECT_EQ(expand("http://${HOST}:5432/${HOST}"), "http://db.local:5432/db.local");
    EXPECT_EQ(expand("no variables"), "no variables");
    EXPECT_EQ(expand(""), "");
}

TEST_F(ConfigEnvExpandTest, UsesTheDefaultWhenUnsetOrEmpty) {
    EXPECT_EQ(expand("${MISSING:-fallback}"), "fallback");
    EXPECT_EQ(expand("${EMPTY:-fallback}"), "fallback");
    EXPECT_EQ(expand("${HOST:-fallback}"), "db.local");
    EXPECT_EQ(expand("${MISSING:-}"), "");
    EXPECT_EQ(expand("${MISSING:-a:-b c}"), "a:-b c");
}

TEST_F(ConfigEnvExpandTest, KeepsASetButEmptyVariableWithoutDefault) { EXPECT_EQ(expand("[${EMPTY}]"), "[]"); }

TEST_F(ConfigEnvExpandTest, DoubleDollarIsALiteralDollar) {
    EXPECT_EQ(expand("pa$$word"), "pa$word");
    EXPECT_EQ(expand("$${HOST}"), "${HOST}");
    EXPECT_EQ(expand("$$$${HOST}"), "$${HOST}");
    EXPECT_EQ(expand("$$${HOST}"), "$db.local");
}

TEST_F(ConfigEnvExpandTest, LeavesALoneDollarAsItIs) {
    EXPECT_EQ(expand("costs $5"), "costs $5");
    EXPECT_EQ(expand("ends with $"), "ends with $");
    EXPECT_EQ(expand("$HOST"), "$HOST");
}

TEST_F(ConfigEnvExpandTest, DoesNotExpandValuesTwice) { EXPECT_EQ(expand("${NESTED}"), "${HOST}"); }

TEST_F(ConfigEnvExpandTest, RefusesUnsetVariablesWithoutDefault) {
    EXPECT_EQ(expand_error("${MISSING}"), "environment variable MISSING is not set");
}

TEST_F(ConfigEnvExpandTest, RefusesMalformedReferences) {
    EXPECT_THAT(expand_error("${HOST"), StartsWith("'${' without a closing '}'"));
    EXPECT_THAT(expand_error("${}"), StartsWith("invalid environment variable reference '${}'"));
    EXPECT_THAT(expand_error("${1ABC}"), StartsWith("invalid environment variable reference '${1ABC}'"));
    EXPECT_THAT(expand_error("${A-B}"), StartsWith("invalid environment variable reference '${A-B}'"));
}

// Substitution through the loader.

TEST(ConfigEnvTest, SubstitutesVariablesBeforeTypingValues) {
    ScopedEnv threads("SY_TEST_THREADS", "12");
    ScopedEnv url("SY_TEST_URL", "http://127.0.0.1:9000/v1");
    ScopedEnv port("SY_TEST_PORT", std::nullopt);
    Config c = load_ok(R"(
server:
  max_threads: ${SY_TEST_THREADS}
  listen: 127.0.0.1:${SY_TEST_PORT:-8181}
providers:
  - name: remote
    plugin: openai
    base_url: ${SY_TEST_URL}
)");
    EXPECT_EQ(c.server.max_threads, 12);
    EXPECT_EQ(c.server.port, 8181);
    EXPECT_EQ(c.providers.at(0).base_url, "http://127.0.0.1:9000/v1");
}

TEST(ConfigEnvTest, UsesTheDefaultForUnsetVariables) {
    ScopedEnv unset("SY_TEST_UNSET", std::nullopt);
    Config c = load_ok("auth: {keys: [{key: '${SY_TEST_UNSET:-dev-key}', id: dev}]}");
    EXPECT_EQ(c.auth.keys.at(0).key, "dev-key");
}

TEST(ConfigEnvTest, NamesTheKeyAndTheVariableWhenAVariableIsUnset) {
    ScopedEnv unset("SY_TEST_OPENAI_API_KEY", std::nullopt);
    std::string error = load_error(R"(
providers:
  - name: openai
    plugin: openai
    config:
      api_key: ${SY_TEST_OPENAI_API_KEY}
)");
    EXPECT_EQ(error,
              "providers[0].config.api_key: environment variable SY_TEST_OPENAI_API_KEY is not set (line 6, column 16)");
}

TEST(ConfigEnvTest, ReportsAnUnsetVariableInATypedField) {
    ScopedEnv unset("SY_TEST_UNSET", std::nullopt);
    EXPECT_THAT(load_error("auth: {admin_key: '${SY_TEST_UNSET}'}"),
                StartsWith("auth.admin_key: environment variable SY_TEST_UNSET is not set"));
}

TEST(ConfigEnvTest, ValidatesTheSubstitutedValue) {
    ScopedEnv threads("SY_TEST_THREADS", "0");
    EXPECT_THAT(load_error("server: {max_threads: '${SY_TEST_THREADS}'}"),
                StartsWith("server.max_threads: must be >= 1, got 0"));
}

TEST(ConfigEnvTest, EscapesADollarWithADoubleDollar) {
    Config c = load_ok("auth: {admin_key: 'pa$$${SY_TEST_NEVER_SET_X:-s}$$word'}");
    EXPECT_EQ(c.auth.admin_key, "pa$s$word");
}

TEST(ConfigEnvTest, SubstitutesInPluginSettingsAndTypesPlainValues) {
    ScopedEnv port("SY_TEST_PORT", "8081");
    Config c = load_ok(R"(
providers:
  - name: p
    plugin: mock
    config:
      port: ${SY_TEST_PORT}
      quoted_port: "${SY_TEST_PORT}"
      list:                       # plain ${...} must not sit in a flow [list]: { } are YAML syntax there
        - ${SY_TEST_PORT}
        - x${SY_TEST_PORT}
)");
    EXPECT_EQ(c.providers.at(0).plugin_config_json, R"({"port":8081,"quoted_port":"8081","list":[8081,"x8081"]})");
}

}  // namespace
}  // namespace sy::config::test
