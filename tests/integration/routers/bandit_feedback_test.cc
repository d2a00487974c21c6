// Online learning end to end: two gateway instances share a redis-server; requests are routed
// by the bandit router on one instance and rated through POST /v1/feedback on the other, with
// simulated feedback in which one model is better on code prompts. Also the feedback
// endpoint's errors.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>

#include "support/http_client.hpp"
#include "support/process.hpp"
#include "router_configs.hpp"
#include "support/servers.hpp"

namespace sy::test {
namespace {

std::string config(const std::string& state, const std::string& auth = "") {
    return mock_gateway({"alpha", "beta"}, R"(routers:
  - name: learn
    plugin: bandit
    candidates: [alpha, beta]
    config: {name: test, refresh_ms: 0}
  - name: coin
    plugin: random
    candidates: [alpha, beta]
)" + state + auth);
}

struct Routed {
    std::string id, model;
};

Routed ask(int port, const std::string& model, const std::string& text,
           const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    HttpResponse r = post_chat(port, R"({"model": ")" + model + R"(", "messages": [{"role": "user", "content": ")" + text + R"("}]})",
                               headers);
    EXPECT_EQ(r.status, 200) << r.body;
    return {r.header("x-request-id"), r.header("x-switchyard-model")};
}

HttpResponse rate(int port, const std::string& body, const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    HttpClient c(port);
    return c.request("POST", "/v1/feedback", body, headers);
}

std::string rating(const std::string& id, double score) {
    return R"({"request_id": ")" + id + R"(", "score": )" + std::to_string(score) + "}";
}

TEST(BanditFeedbackTest, TwoInstancesSharingRedisLearnTheBetterModel) {
    RedisServer redis;
    ASSERT_TRUE(redis.ok());
    std::string state = "state:\n  backend: redis\n  redis: {address: \"127.0.0.1:" + std::to_string(redis.port()) +
                        "\", connect_timeout_ms: 500, command_timeout_ms: 500}\n";  // roomy under sanitizers
    GatewayProcess a(config(state)), b(config(state));
    ASSERT_TRUE(a.ok()) << a.log();
    ASSERT_TRUE(b.ok()) << b.log();
    // Alpha is right on code prompts, beta never is. Requests alternate between the instances
    // and each is rated on the other one, so neither learns alone.
    constexpr int kRequests = 120, kLast = 40;
    int alpha_late = 0;
    for (int i = 0; i < kRequests; ++i) {
        GatewayProcess& serve = i % 2 ? b : a;
        GatewayProcess& feedback = i % 2 ? a : b;
        Routed r = ask(serve.port(), "router-learn", "write a python function for task " + std::to_string(i));
        ASSERT_FALSE(r.id.empty());
        HttpResponse f = rate(feedback.port(), rating(r.id, r.model == "alpha" ? 1.0 : 0.0));
        ASSERT_EQ(f.status, 200) << f.body;
        EXPECT_NE(f.body.find("\"applied\":true"), std::string::npos) << f.body;
        if (i >= kRequests - kLast && r.model == "alpha") ++alpha_late;
    }
    std::printf("alpha answered %d of the last %d requests\n", alpha_late, kLast);
    // Stated bound (docs/routers.md): after 80 rated requests at least 90% go to the better model.
    EXPECT_GE(alpha_late, kLast * 9 / 10) << alpha_late << " of the last " << kLast;
    // The statistics live in Redis under the plugin namespace.
    std::string keys = redis.cli("--scan --pattern 'sy:plugin:bandit:test:*'");
    EXPECT_NE(keys.find("sy:plugin:bandit:test:"), std::string::npos) << keys;
    HttpClient m(a.port());
    std::string metrics = m.request("GET", "/metrics").body;
    EXPECT_NE(metrics.find("switchyard_feedback_total{router=\"learn\",model=\"alpha\",outcome=\"applied\"}"), std::string::npos);
}

TEST(BanditFeedbackTest, FeedbackErrorsAreClear) {
    GatewayProcess gw(config("", "auth:\n  required: true\n  keys: [{id: app, key: sk-app}]\n"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    std::vector<std::pair<std::string, std::string>> auth{{"Authorization", "Bearer sk-app"}};
    Routed r = ask(gw.port(), "router-learn", "hello there", auth);
    EXPECT_EQ(rate(gw.port(), rating(r.id, 1)).status, 401);  // no key
    struct Case {
        std::string body;
        int status;
        std::string text;
    } cases[] = {
        {"not json", 400, "must be a JSON object"},
        {R"({"score": 1})", 400, "request_id must be"},
        {R"({"request_id": ")" + r.id + R"(", "score": 1.5})", 400, "score must be a number from 0 to 1"},
        {R"({"request_id": ")" + r.id + R"("})", 400, "give score (0..1) or thumbs"},
        {R"({"request_id": "req_unknown", "score": 1})", 404, "no routed request 'req_unknown' awaits feedback"},
    };
    for (const auto& c : cases) {
        HttpResponse f = rate(gw.port(), c.body, auth);
        EXPECT_EQ(f.status, c.status) << c.body << " -> " << f.body;
        EXPECT_NE(f.body.find(c.text), std::string::npos) << f.body;
        EXPECT_NE(f.body.find("\"error\""), std::string::npos);
    }
    HttpResponse ok = rate(gw.port(), R"({"request_id": ")" + r.id + R"(", "thumbs": "up"})", auth);
    EXPECT_EQ(ok.status, 200) << ok.body;
    EXPECT_NE(ok.body.find("\"score\":1"), std::string::npos) << ok.body;
    // Rated once only.
    EXPECT_EQ(rate(gw.port(), rating(r.id, 1), auth).status, 404);
    // A router that does not learn takes the feedback into the quality figures only.
    Routed coin = ask(gw.port(), "router-coin", "hello there", auth);
    HttpResponse plain = rate(gw.port(), rating(coin.id, 1), auth);
    EXPECT_EQ(plain.status, 200) << plain.body;
    EXPECT_NE(plain.body.find("\"applied\":false"), std::string::npos) << plain.body;
}

}  // namespace
}  // namespace sy::test
