// The cascade router in a running gateway over the in-process mock models (which echo the
// prompt): the cheap answer accepted, escalations for each check, a judge model's grade, a
// streamed escalation, and the extra cost in the metrics.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <thread>

#include "support/http_client.hpp"
#include "support/servers.hpp"

namespace sy::test {
namespace {

std::string config() {
    return R"(
plugins:
  search_paths: [")" + plugin_dir() + R"("]
providers:
  - {name: local, plugin: mock}
  - {name: grader_yes, plugin: mock, config: {model_label: "9"}}
  - {name: grader_no, plugin: mock, config: {model_label: "2"}}
models:
  - {name: strong, input_price_per_mtok: 10, output_price_per_mtok: 30, deployments: [{provider: local}]}
  - {name: cheap, input_price_per_mtok: 0.1, output_price_per_mtok: 0.4, deployments: [{provider: local}]}
  - {name: judge_yes, deployments: [{provider: grader_yes}]}
  - {name: judge_no, deployments: [{provider: grader_no}]}
routers:
  - {name: c1, plugin: cascade, candidates: [strong, cheap]}
  - {name: c2, plugin: cascade, candidates: [strong, cheap], config: {judge: {model: judge_yes}}}
  - {name: c3, plugin: cascade, candidates: [strong, cheap], config: {judge: {model: judge_no, min_score: 5}}}
)";
}

HttpResponse ask(int port, const std::string& router, const std::string& text, const std::string& extra = "") {
    return post_chat(port, R"({"model": "router-)" + router + R"(", "messages": [{"role": "user", "content": ")" + text +
                               "\"}]" + extra + "}");
}

TEST(CascadeTest, AcceptsTheCheapAnswerOrEscalatesWithTheReason) {
    GatewayProcess gw(config());
    ASSERT_TRUE(gw.ok()) << gw.log();
    HttpResponse ok = ask(gw.port(), "c1", "what is two plus two");
    ASSERT_EQ(ok.status, 200) << ok.body;
    EXPECT_EQ(ok.header("x-switchyard-model"), "cheap");
    EXPECT_EQ(ok.header("x-switchyard-route"),
              "router:c1 cascade cheapest first -> cheap; cascade: cheap accepted (checks passed)");
    struct Case {
        std::string text, extra, why;
    } cases[] = {
        {"I don't know the answer to this", "", "refusal"},
        {"give me a list of colors", R"(, "response_format": {"type": "json_object"})", "not JSON"},
        {"one two three four five six", R"(, "max_tokens": 2)", "cut off"},
    };
    for (const auto& c : cases) {
        HttpResponse r = ask(gw.port(), "c1", c.text, c.extra);
        ASSERT_EQ(r.status, 200) << r.body;
        EXPECT_EQ(r.header("x-switchyard-model"), "strong") << c.why;
        EXPECT_NE(r.header("x-switchyard-route").find("cascade: cheap rejected (" + c.why + ") -> strong accepted"),
                  std::string::npos)
            << r.header("x-switchyard-route");
        EXPECT_NE(r.body.find("\"chat.completion\""), std::string::npos) << r.body;
    }
    const std::string escalated = R"(switchyard_cascade_attempts_total{router="c1",model="cheap",outcome="escalated"} 3)";
    const std::string answered = R"(switchyard_cascade_attempts_total{router="c1",model="cheap",outcome="answered"} 1)";
    std::string metrics;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    do {  // both are counted after their answer is sent
        HttpClient m(gw.port());
        metrics = m.request("GET", "/metrics").body;
        if (metrics.find(escalated) != std::string::npos && metrics.find(answered) != std::string::npos) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while (std::chrono::steady_clock::now() < deadline);
    EXPECT_NE(metrics.find(escalated), std::string::npos) << metrics;
    EXPECT_NE(metrics.find(answered), std::string::npos) << metrics;
    std::smatch extra;
    ASSERT_TRUE(std::regex_search(metrics, extra, std::regex(R"(switchyard_cascade_extra_cost_usd_total\{router="c1"\} ([0-9.e-]+))")));
    EXPECT_GT(std::stod(extra[1]), 0.0);
}

TEST(CascadeTest, AJudgeGradesTheCheapAnswer) {
    GatewayProcess gw(config());
    ASSERT_TRUE(gw.ok()) << gw.log();
    HttpResponse yes = ask(gw.port(), "c2", "name a prime number");
    EXPECT_EQ(yes.header("x-switchyard-model"), "cheap") << yes.header("x-switchyard-route");
    EXPECT_NE(yes.header("x-switchyard-route").find("cheap accepted (judge 9/10)"), std::string::npos)
        << yes.header("x-switchyard-route");
    HttpResponse no = ask(gw.port(), "c3", "name a prime number");
    EXPECT_EQ(no.header("x-switchyard-model"), "strong");
    EXPECT_NE(no.header("x-switchyard-route").find("cheap rejected (judge 2/10) -> strong accepted"), std::string::npos)
        << no.header("x-switchyard-route");
}

TEST(CascadeTest, AStreamedRequestGetsTheAcceptedAnswerAsEvents) {
    GatewayProcess gw(config());
    ASSERT_TRUE(gw.ok()) << gw.log();
    HttpResponse r = ask(gw.port(), "c1", "I don't know how streams work",
                         R"(, "stream": true, "stream_options": {"include_usage": true})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("x-switchyard-model"), "strong");
    std::vector<std::string> events = sse_data(r.body);
    ASSERT_EQ(events.size(), 4u) << r.body;  // message, finish, usage, [DONE]
    EXPECT_NE(events[0].find("\"chat.completion.chunk\""), std::string::npos);
    EXPECT_NE(events[0].find("I don't know how streams work"), std::string::npos) << events[0];
    EXPECT_NE(events[1].find("\"finish_reason\":\"stop\""), std::string::npos) << events[1];
    EXPECT_NE(events[2].find("\"usage\""), std::string::npos) << events[2];
    EXPECT_EQ(events[3], "[DONE]");
}

}  // namespace
}  // namespace sy::test
