// The `guardrails` section: defaults, stages, on_error, and errors that name the key.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config_test_util.hpp"

namespace sy::config::test {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(GuardrailConfigTest, ReadsEveryKeyAndDefaults) {
    Config cfg = load_ok(R"(
guardrails:
  - {name: pii, plugin: keywords, config: {words: [a, b]}}
  - {name: slow, plugin: keywords, on: response, timeout_ms: 50, on_error: deny}
)");
    ASSERT_EQ(cfg.guardrails.size(), 2u);
    const GuardrailConfig& a = cfg.guardrails[0];
    EXPECT_EQ(a.name, "pii");
    EXPECT_EQ(a.plugin, "keywords");
    EXPECT_TRUE(a.on_request);
    EXPECT_TRUE(a.on_response);
    EXPECT_EQ(a.timeout_ms, 200);
    EXPECT_FALSE(a.deny_on_error) << "fail-open by default";
    EXPECT_EQ(a.plugin_config_json, R"({"words":["a","b"]})");
    const GuardrailConfig& b = cfg.guardrails[1];
    EXPECT_FALSE(b.on_request);
    EXPECT_TRUE(b.on_response);
    EXPECT_EQ(b.timeout_ms, 50);
    EXPECT_TRUE(b.deny_on_error);
    EXPECT_EQ(b.plugin_config_json, "{}");
}

TEST(GuardrailConfigTest, ErrorsNameTheKey) {
    EXPECT_THAT(load_error("guardrails: [{name: g, plugin: k, on: always}]\n"),
                StartsWith("guardrails[0].on: expected request, response or both, got 'always'"));
    EXPECT_THAT(load_error("guardrails: [{name: g, plugin: k, on_error: open}]\n"),
                StartsWith("guardrails[0].on_error: expected allow (fail-open) or deny (fail-closed)"));
    EXPECT_THAT(load_error("guardrails: [{name: g, plugin: k, timeout_ms: 0}]\n"), StartsWith("guardrails[0].timeout_ms:"));
    EXPECT_THAT(load_error("guardrails: [{name: g, plugin: k, timeout_ms: 600000}]\n"),
                StartsWith("guardrails[0].timeout_ms: must be at most 60000"));
    EXPECT_THAT(load_error("guardrails: [{name: g}]\n"), StartsWith("guardrails[0].plugin:"));
    EXPECT_THAT(load_error("guardrails: [{name: Bad-Name, plugin: k}]\n"),
                StartsWith("guardrails[0].name: invalid guardrail name 'Bad-Name'"));
    EXPECT_THAT(load_error("guardrails: [{name: g, plugin: k}, {name: g, plugin: k}]\n"),
                HasSubstr("duplicate guardrail name 'g'"));
    EXPECT_THAT(load_error("guardrails: [{name: g, plugin: k, timeout: 5}]\n"), StartsWith("guardrails[0].timeout:"));
    EXPECT_THAT(load_error("guardrails: [{name: g, plugin: k, config: [1]}]\n"),
                StartsWith("guardrails[0].config: expected a map of plugin settings"));
    EXPECT_THAT(load_error("guardrails: {name: g}\n"), StartsWith("guardrails: expected a list of guardrails"));
}

}  // namespace
}  // namespace sy::config::test
