// Shadow mode end to end over fake upstreams: the weak model answers the client, the baseline
// (strong) upstream answers the shadow slowly, and a judge upstream with a fixed verdict
// compares. The client's answer is the same with and without shadows and never waits for them;
// the budget stops shadows; the verdicts feed the retention estimate and the access log.
#include <gtest/gtest.h>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "quality_helpers.hpp"
#include "support/http_client.hpp"
#include "support/servers.hpp"

namespace sy::test {
namespace {

struct Upstreams {
    FakeUpstream weak;
    FakeUpstream strong{"--delay-ms 1500"};  // the baseline is slow: the client must not wait for it
    FakeUpstream judge_a{"--answer [[A]]"};
    FakeUpstream judge_b{"--answer [[B]]"};
    bool ok() const { return weak.ok() && strong.ok() && judge_a.ok() && judge_b.ok(); }
};

// Routers pin the weak model; `shadows` holds each router's shadow settings ("" for none).
std::string config(const Upstreams& u, const std::string& log, const std::vector<std::pair<std::string, std::string>>& routers) {
    auto provider = [](const char* name, const FakeUpstream& f) {
        return std::string("  - {name: ") + name + ", plugin: openai, base_url: \"" + f.base_url() +
               "\", config: {api_key: sk-up}}\n";
    };
    std::string out = "plugins:\n  search_paths: [\"" + plugin_dir() + "\"]\nauth:\n  admin_key: admin-secret\nproviders:\n" +
                      provider("up_weak", u.weak) + provider("up_strong", u.strong) + provider("up_judge_a", u.judge_a) +
                      provider("up_judge_b", u.judge_b) +
                      "models:\n"
                      "  - {name: strong, input_price_per_mtok: 10, output_price_per_mtok: 30, deployments: [{provider: up_strong}]}\n"
                      "  - {name: weak, input_price_per_mtok: 0.1, output_price_per_mtok: 0.4, deployments: [{provider: up_weak}]}\n"
                      "  - {name: judge_a, input_price_per_mtok: 1, output_price_per_mtok: 1, deployments: [{provider: up_judge_a}]}\n"
                      "  - {name: judge_b, input_price_per_mtok: 1, output_price_per_mtok: 1, deployments: [{provider: up_judge_b}]}\n"
                      "routers:\n";
    for (const auto& [name, shadow] : routers) {
        out += "  - {name: " + name + ", plugin: fixed, candidates: [strong, weak], config: {model: weak}";
        out += shadow.empty() ? "}\n" : ", shadow: " + shadow + "}\n";
    }
    return out + "telemetry:\n  access_log: {path: \"" + log + "\"}\n";
}

std::string ask(const std::string& router, const std::string& text) {
    return R"({"model": "router-)" + router + R"(", "messages": [{"role": "user", "content": ")" + text + R"("}]})";
}

// The answer without what differs from call to call (id, created).
std::string stable(const std::string& body) {
    rapidjson::Document d;
    d.Parse(body.c_str());
    if (!d.IsObject()) return body;
    d.RemoveMember("id");
    d.RemoveMember("created");
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    d.Accept(w);
    return sb.GetString();
}

std::string series(const std::string& router, const std::string& outcome) {
    return R"(switchyard_shadow_requests_total{router=")" + router + R"(",outcome=")" + outcome + R"("})";
}

TEST(ShadowTest, NeverChangesTheClientsAnswerNorWaitsForTheBaseline) {
    Upstreams u;
    ASSERT_TRUE(u.ok());
    std::string dir = make_temp_dir();
    GatewayProcess on(config(u, dir + "/on.log", {{"pin", "{sample: 1, judge: {model: judge_a, randomize_order: false}}"}}));
    GatewayProcess off(config(u, dir + "/off.log", {{"pin", ""}}));
    ASSERT_TRUE(on.ok()) << on.log();
    ASSERT_TRUE(off.ok()) << off.log();
    HttpResponse a = post_chat(on.port(), ask("pin", "name three rivers"));
    // The baseline takes 1.5 s to answer the shadow: an answer that waited for it would find the
    // shadow judged already. Here the client has its answer while the shadow is still out.
    HttpClient m(on.port());
    double judged_when_answered = metric_value(m.request("GET", "/metrics").body, series("pin", "judged"));
    HttpResponse b = post_chat(off.port(), ask("pin", "name three rivers"));
    ASSERT_EQ(a.status, 200) << a.body;
    ASSERT_EQ(b.status, 200) << b.body;
    EXPECT_EQ(stable(a.body), stable(b.body));
    EXPECT_EQ(a.header("x-switchyard-model"), "weak");
    EXPECT_EQ(a.header("x-switchyard-route"), b.header("x-switchyard-route"));
    EXPECT_LT(judged_when_answered, 1) << "the client's answer waited for the shadow";
    EXPECT_EQ(await_metric(on.port(), series("pin", "judged"), 1, 10000), 1);
    EXPECT_EQ(u.strong.requests(), 1);  // the shadow (the gateway without shadows asked nothing)
    // The streamed answer is unchanged too: same text deltas.
    HttpResponse s_on = post_chat(on.port(), R"({"model": "router-pin", "stream": true, "messages": [{"role": "user", "content": "stream it please"}]})");
    HttpResponse s_off = post_chat(off.port(), R"({"model": "router-pin", "stream": true, "messages": [{"role": "user", "content": "stream it please"}]})");
    ASSERT_EQ(s_on.status, 200);
    std::vector<std::string> e_on = sse_data(s_on.body), e_off = sse_data(s_off.body);
    ASSERT_EQ(e_on.size(), e_off.size());
    for (size_t i = 0; i < e_on.size(); ++i) EXPECT_EQ(stable(e_on[i]), stable(e_off[i])) << i;
    EXPECT_EQ(await_metric(on.port(), series("pin", "judged"), 2, 10000), 2);
}

TEST(ShadowTest, StopsAtItsBudget) {
    Upstreams u;
    ASSERT_TRUE(u.ok());
    std::string dir = make_temp_dir();
    // One shadow of the strong model costs about 1e-4 USD: the first spends the budget.
    GatewayProcess gw(config(u, dir + "/a.log", {{"pin", "{sample: 1, budget_usd: 0.00001, judge: {model: judge_a}}"}}));
    ASSERT_TRUE(gw.ok()) << gw.log();
    for (int i = 0; i < 3; ++i) ASSERT_EQ(post_chat(gw.port(), ask("pin", "question " + std::to_string(i))).status, 200);
    EXPECT_EQ(await_metric(gw.port(), series("pin", "over_budget"), 2, 15000), 2);
    EXPECT_EQ(await_metric(gw.port(), series("pin", "judged"), 1, 1000), 1);
    EXPECT_EQ(u.strong.requests(), 1);
    std::vector<std::string> lines = log_lines(dir + "/a.log", "shadow", 1);
    ASSERT_EQ(lines.size(), 1u);
    rapidjson::Document d;
    d.Parse(lines[0].c_str());
    ASSERT_TRUE(d.IsObject()) << lines[0];
    EXPECT_GT(d["cost_usd"].GetDouble(), 0.00001) << lines[0];
    EXPECT_STREQ(d["baseline_model"].GetString(), "strong");
    EXPECT_STREQ(d["model"].GetString(), "weak");
    EXPECT_STREQ(d["router"].GetString(), "pin");
    HttpClient m(gw.port());
    double cost = metric_value(m.request("GET", "/metrics").body, R"(switchyard_shadow_cost_usd_total{router="pin"})");
    EXPECT_DOUBLE_EQ(cost, d["cost_usd"].GetDouble());
}

TEST(ShadowTest, AJudgeThatAlwaysPrefersOneSideGivesRetentionOneOrZero) {
    Upstreams u;
    ASSERT_TRUE(u.ok());
    std::string dir = make_temp_dir();
    // Fixed order: the routed answer is A, so judge_a always keeps it and judge_b never does.
    GatewayProcess gw(config(u, dir + "/a.log",
                             {{"keeps", "{sample: 1, judge: {model: judge_a, randomize_order: false}}"},
                              {"loses", "{sample: 1, judge: {model: judge_b, randomize_order: false}}"}}));
    ASSERT_TRUE(gw.ok()) << gw.log();
    constexpr int kEach = 4;
    for (int i = 0; i < kEach; ++i) {
        const std::string prompt = "question " + std::to_string(i * 7 + 1);  // (GCC 12 -Wrestrict on "q" + ...)
        ASSERT_EQ(post_chat(gw.port(), ask("keeps", prompt)).status, 200);
        ASSERT_EQ(post_chat(gw.port(), ask("loses", prompt)).status, 200);
    }
    ASSERT_EQ(await_metric(gw.port(), series("keeps", "judged"), kEach, 20000), kEach);
    ASSERT_EQ(await_metric(gw.port(), series("loses", "judged"), kEach, 20000), kEach);
    HttpClient m(gw.port());
    std::string metrics = m.request("GET", "/metrics").body;
    EXPECT_EQ(metric_value(metrics, R"(switchyard_quality_retention{router="keeps",bound="estimate"})"), 1);
    EXPECT_EQ(metric_value(metrics, R"(switchyard_quality_retention{router="loses",bound="estimate"})"), 0);
    // 4 of 4 at 95% (Wilson): [0.5101, 1]; 0 of 4: [0, 0.4899].
    EXPECT_NEAR(metric_value(metrics, R"(switchyard_quality_retention{router="keeps",bound="lower"})"), 0.5101, 1e-4);
    EXPECT_EQ(metric_value(metrics, R"(switchyard_quality_retention{router="keeps",bound="upper"})"), 1);
    EXPECT_NEAR(metric_value(metrics, R"(switchyard_quality_retention{router="loses",bound="upper"})"), 0.4899, 1e-4);
    EXPECT_EQ(metric_value(metrics, R"(switchyard_shadow_verdicts_total{router="keeps",verdict="win"})"), kEach);
    EXPECT_EQ(metric_value(metrics, R"(switchyard_shadow_verdicts_total{router="loses",verdict="loss"})"), kEach);
    // The judge saw the request and both answers, the routed one as A.
    HttpResponse admin = m.request("GET", "/admin/quality", "", {{"Authorization", "Bearer admin-secret"}});
    ASSERT_EQ(admin.status, 200) << admin.body;
    rapidjson::Document d;
    d.Parse(admin.body.c_str());
    ASSERT_TRUE(d.IsObject()) << admin.body;
    bool seen = false;
    for (const auto& s : d["shadow"].GetArray()) {
        if (std::string(s["router"].GetString()) != "keeps") continue;
        seen = true;
        EXPECT_EQ(s["judged"].GetInt(), kEach);
        EXPECT_EQ(s["retention"].GetDouble(), 1.0);
        EXPECT_NEAR(s["lower"].GetDouble(), 0.5101, 1e-4);
    }
    EXPECT_TRUE(seen) << admin.body;
    EXPECT_EQ(m.request("GET", "/admin/quality").status, 401);
    std::vector<std::string> lines = log_lines(dir + "/a.log", "shadow", 2 * kEach);
    ASSERT_EQ(lines.size(), static_cast<size_t>(2 * kEach));
    int wins = 0, losses = 0;
    for (const auto& l : lines) {
        wins += l.find(R"("router":"keeps")") != std::string::npos && l.find(R"("verdict":"win","retained":1)") != std::string::npos;
        losses += l.find(R"("router":"loses")") != std::string::npos && l.find(R"("verdict":"loss","retained":0)") != std::string::npos;
    }
    EXPECT_EQ(wins, kEach);
    EXPECT_EQ(losses, kEach);
}

}  // namespace
}  // namespace sy::test
