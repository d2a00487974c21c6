// Savings accounting end to end: a scripted workload through a real gateway; the savings
// metrics and `switchyard audit` on the recorded access log must equal what this test computes
// itself from the price table and the usage each answer reported.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>

#include <rapidjson/document.h>

#include "savings_support.hpp"

namespace sy::test {
namespace {

struct Price {
    double in, out;
};
const std::map<std::string, Price> kPrices{{"strong", {10, 30}}, {"weak", {1, 2}}, {"mid", {3, 6}}};

double cost(const std::string& model, int64_t in, int64_t out) {
    const Price& p = kPrices.at(model);
    return (static_cast<double>(in) * p.in + static_cast<double>(out) * p.out) / 1e6;
}

struct Expected {
    int64_t requests = 0;
    std::map<std::string, int64_t> models;
    double cost = 0, baseline = 0, saved = 0, overspent = 0;
};

class SavingsTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(fake_.ok());
        dir_ = make_temp_dir();
        log_ = dir_ + "/access.log";
        std::string models;
        for (const auto& [name, p] : kPrices)
            models += "  - {name: " + name + ", input_price_per_mtok: " + std::to_string(p.in) +
                      ", output_price_per_mtok: " + std::to_string(p.out) + ", deployments: [{provider: fake}]}\n";
        gw_ = std::make_unique<GatewayProcess>("plugins:\n  search_paths: [\"" + plugin_dir() + R"("]
providers:
  - {name: fake, plugin: openai, base_url: ")" + fake_.base_url() + R"(", config: {api_key: k}}
models:
)" + models + R"(routers:
  - {name: r, plugin: random, candidates: [strong, mid, weak]}
  - {name: asked, plugin: random, candidates: [mid, weak], baseline: requested}
routing: {default_router: r}
telemetry:
  access_log: {path: ")" + log_ + "\"}\n");
        ASSERT_TRUE(gw_->ok()) << gw_->log();
    }
    void TearDown() override { remove_tree(dir_); }

    // Sends one request; adds what it cost and would have cost on `baseline` to `route`.
    void send(const std::string& model, const std::string& text, const std::string& route, const std::string& baseline) {
        HttpResponse r = post_chat(gw_->port(), conversation(model, {text}));
        ASSERT_EQ(r.status, 200) << r.body;
        rapidjson::Document d;
        d.Parse(r.body.c_str());
        ASSERT_TRUE(d.IsObject() && d.HasMember("usage")) << r.body;
        int64_t in = d["usage"]["prompt_tokens"].GetInt64(), out = d["usage"]["completion_tokens"].GetInt64();
        const std::string served = r.header("x-switchyard-model");
        Expected& e = expected_[route];
        ++e.requests;
        ++e.models[served];
        double actual = cost(served, in, out), base = cost(baseline, in, out);
        e.cost += actual;
        e.baseline += base;
        (base > actual ? e.saved : e.overspent) += std::fabs(base - actual);
        ++sent_;
    }

    FakeUpstream fake_;
    std::string dir_, log_;
    std::unique_ptr<GatewayProcess> gw_;
    std::map<std::string, Expected> expected_;
    size_t sent_ = 0;
};

double near(double v) { return std::round(v * 1e9) / 1e9; }

TEST_F(SavingsTest, MetricsAndAuditEqualThePriceTableSums) {
    for (int i = 0; i < 12; ++i) send("auto", "question number " + std::to_string(i) + " #fake:words=" + std::to_string(3 + i), "r", "strong");
    // baseline: requested, and the client asked for strong (a real model): measured against it.
    for (int i = 0; i < 6; ++i) send("strong", "pinned " + std::to_string(i), "model", "strong");
    for (int i = 0; i < 6; ++i) send("router-asked", "asked " + std::to_string(i) + " #fake:words=9", "asked", "mid");
    const Expected& r = expected_["r"];
    ASSERT_GT(r.saved, 0);  // the router sent some requests to the cheaper models

    // Metrics: counters by {router, decision}, updated after each answer.
    auto series = [](const char* name, const char* router, const char* decision) {
        return std::string(name) + "{router=\"" + router + "\",decision=\"" + decision + "\"}";
    };
    EXPECT_NEAR(await_metric(gw_->port(), series("switchyard_cost_baseline_usd_total", "r", "router"), near(r.baseline)),
                r.baseline, 1e-8);
    EXPECT_NEAR(await_metric(gw_->port(), series("switchyard_cost_saved_usd_total", "r", "router"), near(r.saved)), r.saved,
                1e-8);
    const Expected& m = expected_["model"];
    EXPECT_NEAR(await_metric(gw_->port(), series("switchyard_cost_baseline_usd_total", "none", "model"), near(m.baseline)),
                m.baseline, 1e-8);
    EXPECT_NEAR(m.baseline, m.cost, 1e-12);  // asked for strong, answered by strong: nothing saved
    const Expected& a = expected_["asked"];  // router-asked names no model: its strongest (mid) is the baseline
    EXPECT_NEAR(await_metric(gw_->port(), series("switchyard_cost_baseline_usd_total", "asked", "router"), near(a.baseline)),
                a.baseline, 1e-8);

    // Audit of the recorded log, with quality lines of the shapes the quality side appends.
    std::vector<std::string> lines = await_file_lines(log_, sent_);
    ASSERT_EQ(lines.size(), sent_);
    std::string first_id;
    {
        rapidjson::Document d;
        d.Parse(lines[0].c_str());
        first_id = d["request_id"].GetString();
        EXPECT_TRUE(d.HasMember("router") && d.HasMember("baseline_model") && d.HasMember("cost_baseline_usd")) << lines[0];
    }
    std::string ts = lines[0].substr(lines[0].find("\"ts\":\"") + 6, 24);
    {
        std::ofstream out(log_, std::ios::app);
        out << R"({"ts":")" << ts << R"(","type":"shadow","request_id":"x","router":"r","model":"weak","baseline_model":"strong","verdict":"win","retained":1,"cost_usd":0.001})" << "\n";
        out << R"({"ts":")" << ts << R"(","type":"shadow","request_id":"y","router":"r","model":"weak","baseline_model":"strong","verdict":"tie","retained":0.5,"cost_usd":0.001})" << "\n";
        std::ofstream(dir_ + "/feedback.jsonl") << R"({"request_id":")" << first_id << R"(","thumbs":"down"})" << "\n";
    }
    std::string json = capture(gateway_binary() + " audit --log " + log_ + " --feedback " + dir_ + "/feedback.jsonl --json");
    rapidjson::Document report;
    report.Parse(json.c_str());
    ASSERT_TRUE(report.IsObject()) << json;
    int routes_seen = 0;
    for (const auto& row : report["days"].GetArray()) {
        const std::string route = row["route"].GetString();
        ASSERT_TRUE(expected_.count(route)) << route;
        const Expected& e = expected_[route];
        ++routes_seen;
        EXPECT_EQ(row["requests"].GetInt64(), e.requests) << route;
        for (const auto& [model, n] : e.models) EXPECT_EQ(row["models"][model.c_str()]["requests"].GetInt64(), n) << route;
        EXPECT_NEAR(row["cost_usd"].GetDouble(), e.cost, 1e-8) << route;
        EXPECT_NEAR(row["baseline_usd"].GetDouble(), e.baseline, 1e-8) << route;
        EXPECT_NEAR(row["saved_usd"].GetDouble(), e.saved - e.overspent, 1e-8) << route;
        if (route == "r") {
            EXPECT_DOUBLE_EQ(row["retention"]["mean"].GetDouble(), 0.75);
            EXPECT_EQ(row["retention"]["judged"].GetInt64(), 2);
        }
    }
    EXPECT_EQ(routes_seen, 3) << json;
    EXPECT_EQ(report["skipped_lines"].GetInt64(), 0);
    std::string text = capture(gateway_binary() + " audit --log " + log_);
    EXPECT_NE(text.find("route r\n  requests 12:"), std::string::npos) << text;
    EXPECT_NE(text.find("retention 0.75 (2 judged)"), std::string::npos) << text;
    std::fprintf(stderr, "audit output:\n%s\n", text.c_str());
}

}  // namespace
}  // namespace sy::test
