// Sticky sessions: a conversation keeps the model of its first turn across turns and across
// instances sharing Redis; when that model fails, the fallback is allowed and recorded.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <memory>

#include "savings_support.hpp"

namespace sy::test {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

std::string plugins() { return "plugins:\n  search_paths: [\"" + plugin_dir() + "\"]\n"; }

// Two mock models and a router choosing between them at random (sticky or not), then `rest`.
std::string mock_router(bool sticky, const std::string& rest) {
    return plugins() + R"(
providers:
  - {name: local, plugin: mock}
models:
  - {name: strong, deployments: [{provider: local}]}
  - {name: weak, deployments: [{provider: local}]}
routers:
  - {name: r, plugin: random, candidates: [strong, weak], sticky_sessions: )" + (sticky ? "true" : "false") + "}\n" + rest;
}

std::string mock_sticky(const std::string& state) { return mock_router(true, "routing: {default_router: r}\nstate:\n" + state); }

TEST(SessionsTest, ASessionKeepsItsFirstModelAcrossTurnsAndInstances) {
    RedisServer redis;
    ASSERT_TRUE(redis.ok());
    const std::string cfg = mock_sticky("  backend: redis\n  redis: {address: \"" + redis.address() +
                                        "\", connect_timeout_ms: 500, command_timeout_ms: 500}\n");
    GatewayProcess a(cfg), b(cfg);
    ASSERT_TRUE(a.ok()) << a.log();
    ASSERT_TRUE(b.ok()) << b.log();
    const Headers session{{"x-session-id", "conv-1"}};
    HttpResponse first = post_chat(a.port(), conversation("auto", {"hi"}), session);
    ASSERT_EQ(first.status, 200) << first.body;
    const std::string model = first.header("x-switchyard-model");
    EXPECT_NE(first.header("x-switchyard-route").find(" new"), std::string::npos) << first.header("x-switchyard-route");
    std::vector<std::string> turns{"hi"};
    for (int turn = 0; turn < 8; ++turn) {
        turns.push_back("answer");
        turns.push_back("more " + std::to_string(turn));
        HttpResponse r = post_chat((turn % 2 ? a : b).port(), conversation("auto", turns), session);
        ASSERT_EQ(r.status, 200) << r.body;
        EXPECT_EQ(r.header("x-switchyard-model"), model) << "turn " << turn;
        EXPECT_NE(r.header("x-switchyard-route").find("kept " + model), std::string::npos) << r.header("x-switchyard-route");
    }
    // The choice is in Redis with a TTL, under a hash (no session id or user name in the key).
    std::string keys = redis.cli("--scan --pattern 'sy:sess:*'");
    ASSERT_EQ(std::count(keys.begin(), keys.end(), '\n'), 1) << keys;
    EXPECT_EQ(keys.find("conv-1"), std::string::npos);
    long ttl = std::stol(redis.cli("TTL " + keys.substr(0, keys.find('\n'))));
    EXPECT_GT(ttl, 0);
    EXPECT_LE(ttl, 3600);
    EXPECT_EQ(await_metric(a.port(), "switchyard_session_routes_total{outcome=\"kept\"}", 4), 4);
    EXPECT_EQ(await_metric(b.port(), "switchyard_session_routes_total{outcome=\"kept\"}", 4), 4);
}

TEST(SessionsTest, UserAndTheConversationsOpeningIdentifyASessionWithoutAHeader) {
    GatewayProcess gw(mock_sticky("  backend: memory\n"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    const std::string user = R"("user": "ann")";
    HttpResponse first = post_chat(gw.port(), conversation("auto", {"plan a trip"}, user));
    ASSERT_EQ(first.status, 200) << first.body;
    for (int turn = 0; turn < 6; ++turn) {
        HttpResponse r = post_chat(gw.port(), conversation("auto", {"plan a trip", "sure", "to " + std::to_string(turn)}, user));
        ASSERT_EQ(r.status, 200) << r.body;
        EXPECT_EQ(r.header("x-switchyard-model"), first.header("x-switchyard-model"));
        EXPECT_NE(r.header("x-switchyard-route").find("kept"), std::string::npos) << r.header("x-switchyard-route");
    }
    // Without a user or header the conversation is anonymous: routed afresh, nothing remembered.
    HttpResponse anon = post_chat(gw.port(), conversation("auto", {"plan a trip"}));
    EXPECT_EQ(anon.header("x-switchyard-route").find("session"), std::string::npos) << anon.header("x-switchyard-route");
}

TEST(SessionsTest, APolicyKeyAndStickyDecisionMakeAnyRouteSticky) {
    std::string dir = make_temp_dir();
    {
        std::ofstream(dir + "/p.lua") << R"(
function route(req)
  return {router = "r", sticky = true, session = req.headers["x-tenant"]}
end
)";
    }
    std::string cfg = mock_router(false, "policies:\n  - {name: tenants, file: \"" + dir + "/p.lua\"}\n");
    GatewayProcess gw(cfg);
    ASSERT_TRUE(gw.ok()) << gw.log();
    HttpResponse first = post_chat(gw.port(), conversation("auto", {"one"}), {{"x-tenant", "acme"}});
    ASSERT_EQ(first.status, 200) << first.body;
    for (int i = 0; i < 6; ++i) {
        HttpResponse r = post_chat(gw.port(), conversation("auto", {"other " + std::to_string(i)}), {{"x-tenant", "acme"}});
        EXPECT_EQ(r.header("x-switchyard-model"), first.header("x-switchyard-model"));
        EXPECT_NE(r.header("x-switchyard-route").find("kept"), std::string::npos) << r.header("x-switchyard-route");
    }
    remove_tree(dir);
}

TEST(SessionsTest, WhenTheRememberedModelFailsAFallbackAnswersAndIsRecorded) {
    auto up_strong = std::make_unique<FakeUpstream>(), up_weak = std::make_unique<FakeUpstream>();
    ASSERT_TRUE(up_strong->ok() && up_weak->ok());
    std::string dir = make_temp_dir();
    std::string log = dir + "/access.log";
    GatewayProcess gw(plugins() + R"(
providers:
  - {name: a, plugin: openai, base_url: ")" + up_strong->base_url() + R"(", config: {api_key: k}}
  - {name: b, plugin: openai, base_url: ")" + up_weak->base_url() + R"(", config: {api_key: k}}
models:
  - {name: strong, fallbacks: [weak], deployments: [{provider: a}]}
  - {name: weak, fallbacks: [strong], deployments: [{provider: b}]}
routers:
  - {name: r, plugin: random, candidates: [strong, weak], sticky_sessions: true}
routing: {default_router: r, retries: {attempts: 0}}
telemetry:
  access_log: {path: ")" + log + "\"}\n");
    ASSERT_TRUE(gw.ok()) << gw.log();
    const Headers session{{"x-session-id", "conv-f"}};
    HttpResponse first = post_chat(gw.port(), conversation("auto", {"hi"}), session);
    ASSERT_EQ(first.status, 200) << first.body;
    const std::string kept = first.header("x-switchyard-model");
    (kept == "strong" ? up_strong : up_weak).reset();  // the remembered model's upstream goes away
    HttpResponse second = post_chat(gw.port(), conversation("auto", {"hi", "hello", "again"}), session);
    ASSERT_EQ(second.status, 200) << second.body;
    EXPECT_NE(second.header("x-switchyard-model"), kept);
    EXPECT_NE(second.header("x-switchyard-route").find("kept " + kept), std::string::npos);
    EXPECT_EQ(await_metric(gw.port(), "switchyard_session_routes_total{outcome=\"fallback\"}", 1), 1);
    std::vector<std::string> lines = await_file_lines(log, 2);
    ASSERT_EQ(lines.size(), 2u);
    bool recorded = false;
    for (const auto& l : lines) recorded = recorded || l.find(" fallback\"") != std::string::npos;
    EXPECT_TRUE(recorded) << lines[0] << "\n" << lines[1];
    // The session still remembers its model: it answers again once back.
    remove_tree(dir);
}

}  // namespace
}  // namespace sy::test
