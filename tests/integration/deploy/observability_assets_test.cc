// deploy/observability/: the Prometheus rules pass `promtool check rules` and their own
// `promtool test rules` cases, and every metric the rules and the Grafana dashboard read is one a
// running gateway exposes (a renamed metric would silently blank a panel or an alert).
#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include <cstring>
#include <regex>
#include <set>

#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/servers.hpp"

namespace sy::test {
namespace {

std::string assets() { return source_dir() + "/deploy/observability"; }

// switchyard_* names in a text, without the _bucket/_sum/_count of histogram series.
std::set<std::string> metric_names(const std::string& text) {
    std::set<std::string> out;
    std::regex name("switchyard_[a-z_]+");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), name); it != std::sregex_iterator(); ++it) {
        std::string n = it->str();
        for (const char* suffix : {"_bucket", "_sum", "_count"})
            if (n.ends_with(suffix) && !n.ends_with("_total")) n.resize(n.size() - std::strlen(suffix));
        out.insert(n);
    }
    return out;
}

TEST(ObservabilityAssetsTest, RulesPassPromtoolAndTheirUnitTests) {
    std::string check = capture("promtool check rules " + assets() + "/prometheus-rules.yaml 2>&1; echo exit=$?");
    EXPECT_NE(check.find("SUCCESS"), std::string::npos) << check;
    EXPECT_NE(check.find("exit=0"), std::string::npos) << check;
    std::string test = capture("cd " + assets() + " && promtool test rules prometheus-rules_test.yaml 2>&1; echo exit=$?");
    EXPECT_NE(test.find("exit=0"), std::string::npos) << test;
}

TEST(ObservabilityAssetsTest, EveryMetricTheDashboardAndRulesReadIsExposed) {
    GatewayProcess gw("plugins:\n  search_paths: [\"" + plugin_dir() + "\"]\n"
                      "providers: [{name: m, plugin: mock}]\nmodels: [{name: a, deployments: [{provider: m}]}]\n");
    ASSERT_TRUE(gw.ok()) << gw.log();
    HttpClient c(gw.port());
    std::string exposed = c.request("GET", "/metrics").body;
    std::set<std::string> families;
    std::regex type_line("# TYPE (switchyard_[a-z_]+) ");
    for (auto it = std::sregex_iterator(exposed.begin(), exposed.end(), type_line); it != std::sregex_iterator(); ++it)
        families.insert((*it)[1]);
    ASSERT_GT(families.size(), 30u);

    std::string dashboard = read_file(assets() + "/grafana-dashboard.json");
    rapidjson::Document d;
    d.Parse(dashboard.c_str());
    ASSERT_FALSE(d.HasParseError()) << "the dashboard is JSON";
    std::string exprs;
    for (const auto& p : d["panels"].GetArray())
        for (const auto& t : p["targets"].GetArray()) exprs += std::string(t["expr"].GetString()) + "\n";
    ASSERT_GE(d["panels"].Size(), 10u);
    std::string rules = read_file(assets() + "/prometheus-rules.yaml");
    for (const std::string& name : metric_names(exprs + rules))
        EXPECT_TRUE(families.count(name)) << name << " is read by the dashboard or the rules but not exposed";
}

}  // namespace
}  // namespace sy::test
