// providers[].config and routers[].config reach the plugin as JSON with YAML's types and nesting.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config_test_util.hpp"

namespace sy::config::test {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// The JSON produced for `settings` (YAML lines indented under a provider's `config:`).
std::string provider_json(std::string_view settings) {
    Config c = load_ok("providers:\n  - name: p\n    plugin: mock\n    config:\n" + std::string(settings));
    return c.providers.empty() ? "" : c.providers[0].plugin_config_json;
}

TEST(ConfigPluginJsonTest, TypesPlainScalarsAndKeepsQuotedOnesAsStrings) {
    EXPECT_EQ(provider_json(R"(
      yes_bool: true
      no_bool: False
      int: 42
      negative: -7
      plus: +3
      float: 0.25
      exponent: 1e3
      text: hello world
      quoted_int: "42"
      quoted_bool: 'true'
      yaml11_bool: yes
      version: 1.10
      nothing: null
      tilde: ~
      empty:
)"),
              R"({"yes_bool":true,"no_bool":false,"int":42,"negative":-7,"plus":3,"float":0.25,"exponent":1000.0,)"
              R"("text":"hello world","quoted_int":"42","quoted_bool":"true","yaml11_bool":"yes","version":1.1,)"
              R"("nothing":null,"tilde":null,"empty":null})");
}

TEST(ConfigPluginJsonTest, PreservesNestingOfMapsAndLists) {
    EXPECT_EQ(provider_json(R"(
      weights: {strong: 1, weak: 3}
      tiers:
        - name: gold
          models: [a, b]
          limits: {rpm: 600, burst: 1.5}
        - [1, [2, [3]]]
      empty_map: {}
      empty_list: []
)"),
              R"({"weights":{"strong":1,"weak":3},"tiers":[{"name":"gold","models":["a","b"],)"
              R"("limits":{"rpm":600,"burst":1.5}},[1,[2,[3]]]],"empty_map":{},"empty_list":[]})");
}

TEST(ConfigPluginJsonTest, KeepsBlockAndTaggedScalarsAsStrings) {
    EXPECT_EQ(provider_json("      prompt: |\n        line 1\n        line 2\n      id: !!str 123\n"),
              R"({"prompt":"line 1\nline 2\n","id":"123"})");
}

TEST(ConfigPluginJsonTest, EscapesStringsForJson) {
    EXPECT_EQ(provider_json(R"(      s: "quote \" backslash \\ tab \t nl \n é")" "\n"),
              R"({"s":"quote \" backslash \\ tab \t nl \n é"})");
}

TEST(ConfigPluginJsonTest, TurnsNumbersJsonCannotHoldIntoStringsOrDoubles) {
    EXPECT_EQ(provider_json("      big: 123456789012345678901\n      inf: .inf\n      nan: .nan\n      hex: 0x1F\n"),
              R"({"big":123456789012345680000.0,"inf":".inf","nan":".nan","hex":"0x1F"})");
}

TEST(ConfigPluginJsonTest, PassesRouterSettingsToo) {
    Config c = load_ok(with_base(R"(
routers:
  - name: r
    plugin: random
    candidates: [strong, weak]
    config:
      weights: {strong: 1, weak: 3}
      seed: 7
)"));
    EXPECT_EQ(c.routers.at(0).plugin_config_json, R"({"weights":{"strong":1,"weak":3},"seed":7})");
}

TEST(ConfigPluginJsonTest, AbsentOrNullSettingsAreAnEmptyObject) {
    EXPECT_EQ(provider_json(""), "{}");
    Config c = load_ok("providers: [{name: p, plugin: mock, config: {}}]");
    EXPECT_EQ(c.providers.at(0).plugin_config_json, "{}");
}

TEST(ConfigPluginJsonTest, RefusesSettingsThatAreNotAMap) {
    EXPECT_THAT(load_error("providers: [{name: p, plugin: mock, config: [1, 2]}]"),
                StartsWith("providers[0].config: expected a map of plugin settings, got a list"));
    EXPECT_THAT(load_error(with_base("routers: [{name: r, plugin: p, candidates: [weak], config: fast}]")),
                StartsWith("routers[0].config: expected a map of plugin settings, got 'fast'"));
}

TEST(ConfigPluginJsonTest, RefusesDuplicateKeysWithTheirPath) {
    EXPECT_THAT(load_error("providers: [{name: p, plugin: mock, config: {a: {b: 1, b: 2}}}]"),
                StartsWith("providers[0].config.a.b: duplicate key"));
}

TEST(ConfigPluginJsonTest, NamesTheNestedPathOfABadValue) {
    ScopedEnv unset("SY_TEST_UNSET", std::nullopt);
    EXPECT_THAT(load_error(R"(
providers:
  - name: p
    plugin: mock
    config:
      tiers:
        - name: gold
          token: "${SY_TEST_UNSET}"
)"),
                StartsWith("providers[0].config.tiers[0].token: environment variable SY_TEST_UNSET is not set"));
}

TEST(ConfigPluginJsonTest, RefusesNestingDeeperThan64Levels) {
    std::string deep = std::string(70, '[') + "1" + std::string(70, ']');
    EXPECT_THAT(load_error("providers: [{name: p, plugin: mock, config: {deep: " + deep + "}}]"),
                HasSubstr("nested deeper than 64 levels"));
}

TEST(ConfigPluginJsonTest, RefusesAliasBombs) {
    std::string yaml = "providers:\n  - name: p\n    plugin: mock\n    config:\n"
                       "      a: &a [x, x, x, x, x, x, x, x, x, x]\n";
    for (char level = 'b'; level <= 'g'; ++level) {
        std::string prev(1, static_cast<char>(level - 1));
        yaml += std::string("      ") + level + ": &" + level + " [";
        for (int i = 0; i < 10; ++i) yaml += (i ? ", *" : "*") + prev;
        yaml += "]\n";
    }
    EXPECT_THAT(load_error(yaml), HasSubstr("more than 100000 values"));
}

TEST(ConfigPluginJsonTest, ExpandsAliasesWithinLimits) {
    EXPECT_EQ(provider_json("      base: &b {rpm: 10}\n      copy: *b\n"), R"({"base":{"rpm":10},"copy":{"rpm":10}})");
}

}  // namespace
}  // namespace sy::config::test
