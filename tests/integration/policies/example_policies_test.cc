// Every example policy in policies/, alone on top of policies/examples.yaml: its recorded cases
// pass through `switchyard policy test --cases`, and the cases that need nothing but a request
// and headers give the same answer through the real gateway over HTTP.
#include <gtest/gtest.h>

#include <yaml-cpp/yaml.h>

#include <filesystem>

#include "routing/policy_cases.hpp"
#include "support/http_client.hpp"
#include "support/servers.hpp"

namespace sy::test {
namespace {

std::vector<std::string> example_policies() {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(source_dir() + "/policies"))
        if (e.path().extension() == ".lua") names.push_back(e.path().stem().string());
    std::sort(names.begin(), names.end());
    return names;
}

std::string config_for(const std::string& policy) {
    return read_file(source_dir() + "/policies/examples.yaml") + "\nplugins:\n  search_paths: [\"" + plugin_dir() +
           "\"]\npolicies:\n  - file: " + source_dir() + "/policies/" + policy + ".lua\n";
}

class ExamplePolicyTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ExamplePolicyTest, RecordedCasesPassThroughTheCli) {
    std::string dir = make_temp_dir();
    write_file(dir + "/c.yaml", config_for(GetParam()));
    Process p({gateway_binary(), "policy", "test", "--config", dir + "/c.yaml", "--cases",
               source_dir() + "/policies/" + GetParam() + "_test.yaml"},
              dir + "/log");
    EXPECT_EQ(p.wait(20000), 0) << p.log();
    EXPECT_NE(p.log().find(" 0 failed"), std::string::npos) << p.log();
    remove_tree(dir);
}

TEST_P(ExamplePolicyTest, CasesGiveTheSameAnswerOverHttp) {
    GatewayProcess gw(config_for(GetParam()));
    ASSERT_TRUE(gw.ok()) << gw.log();
    YAML::Node doc = YAML::LoadFile(source_dir() + "/policies/" + GetParam() + "_test.yaml");
    int checked = 0;
    for (const auto& c : doc["cases"]) {
        if (c["key"] || c["budget"] || c["time"]) continue;  // not expressible over HTTP without state
        std::vector<std::pair<std::string, std::string>> headers;
        if (c["headers"])
            for (const auto& kv : c["headers"]) headers.emplace_back(kv.first.as<std::string>(), kv.second.as<std::string>());
        HttpResponse r = post_chat(gw.port(), routing::yaml_to_json_text(c["request"]), headers);
        const YAML::Node expect = c["expect"];
        std::string name = c["name"].as<std::string>();
        if (expect["deny"]) {
            EXPECT_EQ(r.status, expect["status"] ? expect["status"].as<int>() : 403) << name << ": " << r.body;
            EXPECT_NE(r.body.find("policy_denied"), std::string::npos) << name << ": " << r.body;
        } else {
            ASSERT_EQ(r.status, 200) << name << ": " << r.body;
            const std::string route = r.header("x-switchyard-route");
            if (expect["model"]) {
                EXPECT_EQ(r.header("x-switchyard-model"), expect["model"].as<std::string>()) << name;
            }
            if (expect["policy"]) {
                EXPECT_EQ(route.rfind("policy:" + expect["policy"].as<std::string>(), 0), 0u) << name << ": " << route;
            }
            if (expect["route"]) {
                EXPECT_NE(route.find(expect["route"].as<std::string>()), std::string::npos) << name << ": " << route;
            }
            if (expect["local"] && expect["local"].as<bool>()) {
                EXPECT_EQ(r.header("x-switchyard-provider"), "on-prem") << name;
            }
        }
        ++checked;
    }
    if (GetParam() != "business_hours") {  // its cases all pin the clock
        EXPECT_GT(checked, 0);
    }
}

INSTANTIATE_TEST_SUITE_P(Examples, ExamplePolicyTest, ::testing::ValuesIn(example_policies()),
                         [](const ::testing::TestParamInfo<std::string>& i) { return i.param; });

TEST(PolicyCliTest, AFailingCaseFailsTheRun) {
    std::string dir = make_temp_dir();
    write_file(dir + "/c.yaml", config_for("token_count"));
    write_file(dir + "/cases.yaml", R"(
cases:
  - name: wrong on purpose
    request: {model: auto, messages: [{role: user, content: "hi"}]}
    expect: {model: flagship}
)");
    Process p({gateway_binary(), "policy", "test", "--config", dir + "/c.yaml", "--cases", dir + "/cases.yaml"}, dir + "/log");
    EXPECT_EQ(p.wait(20000), 1);
    EXPECT_NE(p.log().find("FAIL wrong on purpose"), std::string::npos) << p.log();
    EXPECT_NE(p.log().find("model: expected 'flagship', got 'small'"), std::string::npos) << p.log();
    remove_tree(dir);
}

TEST(PolicyCliTest, OneRequestPrintsTheDecision) {
    std::string dir = make_temp_dir();
    write_file(dir + "/c.yaml", config_for("privacy"));
    write_file(dir + "/req.json", R"({"model": "flagship", "messages": [{"role": "user", "content": "mail bob@corp.example.org"}]})");
    Process p({gateway_binary(), "policy", "test", "--config", dir + "/c.yaml", "--request", dir + "/req.json"}, dir + "/log");
    EXPECT_EQ(p.wait(20000), 0) << p.log();
    EXPECT_NE(p.log().find(R"("model":"local-llm")"), std::string::npos) << p.log();
    EXPECT_NE(p.log().find(R"("route":"policy:privacy pii:email local_only")"), std::string::npos) << p.log();
    EXPECT_NE(p.log().find(R"("labels":{"privacy":"local"})"), std::string::npos) << p.log();
    remove_tree(dir);
}

}  // namespace
}  // namespace sy::test
