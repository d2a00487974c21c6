// The gateway in front of the fake upstream over real sockets: non-streaming answers, errors
// mapped to the OpenAI format, limits, routing headers.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "support/http_client.hpp"
#include "test_configs.hpp"

namespace sy::test {
namespace {

constexpr char kGatewayTimeouts[] = "    timeouts: {first_byte_ms: 1000, idle_ms: 1000}\n";
using GatewayTest = FakeUpstreamSuite<kGatewayTimeouts>;

TEST_F(GatewayTest, RelaysNonStreamingAnswerFromUpstream) {
    HttpResponse r = post_chat(gw_->port(), chat_body("gpt-test", "hello there"));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.body.find("\"chat.completion\""), std::string::npos);
    EXPECT_NE(r.body.find("echo: hello there"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("\"usage\""), std::string::npos);
    EXPECT_EQ(r.header("x-switchyard-model"), "gpt-test");
    EXPECT_EQ(r.header("x-switchyard-provider"), "fake");
    EXPECT_EQ(r.header("x-switchyard-route"), "model");
    EXPECT_EQ(r.header("content-type"), "application/json");
    EXPECT_FALSE(r.header("x-request-id").empty());
}

TEST_F(GatewayTest, SendsUpstreamModelNameAndProviderKey) {
    post_chat(gw_->port(), chat_body("gpt-test", "check what upstream saw"));
    HttpClient c(fake_->port());
    std::string seen = c.request("GET", "/_requests").body;
    EXPECT_NE(seen.find("\"upstream-model\""), std::string::npos) << seen;
    EXPECT_NE(seen.find("Bearer sk-test-upstream"), std::string::npos) << seen;
}

TEST_F(GatewayTest, GivesEachRequestItsOwnId) {
    std::string a = post_chat(gw_->port(), chat_body("gpt-test", "one")).header("x-request-id");
    std::string b = post_chat(gw_->port(), chat_body("gpt-test", "two")).header("x-request-id");
    for (const std::string& id : {a, b}) {
        ASSERT_EQ(id.size(), 24u) << id;  // req_, 12 hex digits of the process, 8 of the counter
        EXPECT_EQ(id.substr(0, 4), "req_") << id;
        EXPECT_EQ(id.find_first_not_of("0123456789abcdef", 4), std::string::npos) << id;
    }
    EXPECT_EQ(a.substr(0, 16), b.substr(0, 16)) << "one process prefix";
    EXPECT_NE(a, b);
}

TEST_F(GatewayTest, EchoesClientRequestId) {
    HttpResponse r = post_chat(gw_->port(), chat_body("gpt-test", "id please"), {{"x-request-id", "my-id-42"}});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("x-request-id"), "my-id-42");
}

TEST_F(GatewayTest, MapsUpstream500To502WithOpenAIErrorBody) {
    HttpResponse r = post_chat(gw_->port(), chat_body("gpt-test", "fail #fake:status=500"));
    EXPECT_EQ(r.status, 502) << r.body;
    EXPECT_NE(r.body.find("\"error\""), std::string::npos);
    EXPECT_NE(r.body.find("\"type\""), std::string::npos);
}

TEST_F(GatewayTest, PassesUpstream429WithRetryAfter) {
    HttpResponse r = post_chat(gw_->port(), chat_body("gpt-test", "slow down #fake:status=429"));
    EXPECT_EQ(r.status, 429) << r.body;
    EXPECT_FALSE(r.header("retry-after").empty());
    EXPECT_NE(r.body.find("rate_limit"), std::string::npos) << r.body;
}

TEST_F(GatewayTest, PassesUpstream400AsClientError) {
    HttpResponse r = post_chat(gw_->port(), chat_body("gpt-test", "bad #fake:status=400"));
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_NE(r.body.find("invalid_request_error"), std::string::npos) << r.body;
}

TEST_F(GatewayTest, UpstreamFirstByteTimeoutIs504) {
    HttpResponse r = post_chat(gw_->port(), chat_body("gpt-test", "wait #fake:delay_ms=3000"));
    EXPECT_EQ(r.status, 504) << r.body;
    EXPECT_NE(r.body.find("upstream_timeout"), std::string::npos) << r.body;
}

TEST_F(GatewayTest, MalformedUpstreamJsonIs502) {
    HttpResponse r = post_chat(gw_->port(), chat_body("gpt-test", "garbage #fake:malformed=1"));
    EXPECT_EQ(r.status, 502) << r.body;
    EXPECT_NE(r.body.find("\"error\""), std::string::npos);
}

TEST_F(GatewayTest, UpstreamCutMidBodyIs502) {
    HttpResponse r = post_chat(gw_->port(), chat_body("gpt-test", "cut #fake:cut_after=1"));
    EXPECT_EQ(r.status, 502) << r.body;
}

TEST_F(GatewayTest, MalformedJsonBodyIs400) {
    HttpResponse r = post_chat(gw_->port(), R"({"model": "gpt-test", "messages": [)");
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find("not valid JSON"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("invalid_request_error"), std::string::npos);
}

TEST_F(GatewayTest, MissingMessagesIs400NamingTheParam) {
    HttpResponse r = post_chat(gw_->port(), R"({"model": "gpt-test"})");
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find("\"param\":\"messages\""), std::string::npos) << r.body;
}

TEST_F(GatewayTest, UnknownModelIs404) {
    HttpResponse r = post_chat(gw_->port(), chat_body("no-such-model", "hi"));
    EXPECT_EQ(r.status, 404);
    EXPECT_NE(r.body.find("model_not_found"), std::string::npos) << r.body;
}

TEST_F(GatewayTest, OversizedBodyIs413) {
    std::string big(70000, 'x');
    HttpResponse r = post_chat(gw_->port(), chat_body("gpt-test", big));
    EXPECT_EQ(r.status, 413) << r.body;
    EXPECT_NE(r.body.find("request_too_large"), std::string::npos) << r.body;
}

TEST_F(GatewayTest, UnknownPathIs404AndWrongMethodIs405) {
    HttpClient c(gw_->port());
    EXPECT_EQ(c.request("GET", "/v1/nothing").status, 404);
    HttpClient c2(gw_->port());
    EXPECT_EQ(c2.request("GET", "/v1/chat/completions").status, 405);
}

TEST_F(GatewayTest, ErrorBeforeReadingTheBodyClosesTheConnection) {
    // The unread body must not be parsed as the next request on a keep-alive connection.
    HttpClient c(gw_->port());
    HttpResponse r = c.request("POST", "/v1/unknown", chat_body("gpt-test", "x"));
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.header("connection"), "Close") << r.body;
}

TEST_F(GatewayTest, ServesHealthReadinessAndModels) {
    HttpClient c(gw_->port());
    EXPECT_EQ(c.request("GET", "/healthz").status, 200);
    EXPECT_EQ(c.request("GET", "/readyz").status, 200);  // same keep-alive connection
    HttpResponse models = c.request("GET", "/v1/models");
    ASSERT_EQ(models.status, 200);
    for (const char* id : {"gpt-test", "mock-strong", "mock-weak", "cheap", "router-pick", "auto"})
        EXPECT_NE(models.body.find(std::string("\"") + id + "\""), std::string::npos) << id << " in " << models.body;
}

TEST_F(GatewayTest, RouterModelUsesTheRouterAndSaysWhy) {
    HttpResponse r = post_chat(gw_->port(), chat_body("router-pick-0.5", "route me"));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("x-switchyard-model"), "mock-weak");
    EXPECT_EQ(r.header("x-switchyard-route").rfind("router:pick", 0), 0u) << r.header("x-switchyard-route");
}

TEST_F(GatewayTest, AutoUsesTheDefaultModelAndAliasesResolve) {
    HttpResponse a = post_chat(gw_->port(), chat_body("auto", "hi"));
    EXPECT_EQ(a.status, 200);
    EXPECT_EQ(a.header("x-switchyard-model"), "mock-weak");
    HttpResponse b = post_chat(gw_->port(), chat_body("cheap", "hi"));
    EXPECT_EQ(b.status, 200);
    EXPECT_EQ(b.header("x-switchyard-model"), "mock-weak");
}

TEST_F(GatewayTest, MalformedRouterModelIs400) {
    HttpResponse r = post_chat(gw_->port(), chat_body("router-pick-2.5", "hi"));
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find("threshold"), std::string::npos) << r.body;
}

TEST_F(GatewayTest, MetricsCountRequestsByModelProviderAndStatus) {
    ASSERT_EQ(post_chat(gw_->port(), chat_body("mock-strong", "count me")).status, 200);
    ASSERT_EQ(post_chat(gw_->port(), chat_body("gpt-test", "fail #fake:status=500")).status, 502);
    HttpResponse m;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    do {  // requests and upstream errors are counted after the answer is sent
        HttpClient c(gw_->port());
        m = c.request("GET", "/metrics");
        if (m.body.find("switchyard_upstream_errors_total{provider=\"fake\",kind=\"error\"} ") != std::string::npos &&
            m.body.find("status_class=\"5xx\"} ") != std::string::npos)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while (std::chrono::steady_clock::now() < deadline);
    ASSERT_EQ(m.status, 200);
    EXPECT_EQ(m.header("content-type"), "text/plain; version=0.0.4");
    EXPECT_NE(m.body.find("switchyard_requests_total{model=\"mock-strong\",provider=\"local\",status_class=\"2xx\"} "),
              std::string::npos) << m.body;
    EXPECT_NE(m.body.find("switchyard_requests_total{model=\"gpt-test\",provider=\"fake\",status_class=\"5xx\"} "),
              std::string::npos) << m.body;
    EXPECT_NE(m.body.find("switchyard_upstream_errors_total{provider=\"fake\",kind=\"error\"} "), std::string::npos);
    EXPECT_NE(m.body.find("switchyard_plugin_info{name=\"openai\",kind=\"provider\",version=\"1.0.0\"} 1"),
              std::string::npos);
    EXPECT_NE(m.body.find("switchyard_config_generation 1"), std::string::npos);
    EXPECT_NE(m.body.find("switchyard_routing_decisions_total{source=\"model\"} "), std::string::npos);
}

TEST_F(GatewayTest, MetricsTimeTheGatewayItsRoutersAndTheProcess) {
    for (int i = 0; i < 3; ++i) ASSERT_EQ(post_chat(gw_->port(), chat_body("router-pick", "route me")).status, 200);
    // The overhead is observed after the answer is sent: wait for the last request to finish.
    std::string m;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    do {
        HttpClient c(gw_->port());
        m = c.request("GET", "/metrics").body;
        if (metric_value(m, "switchyard_gateway_overhead_seconds_count") >= 3) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    } while (std::chrono::steady_clock::now() < deadline);
    EXPECT_GE(metric_value(m, "switchyard_gateway_overhead_seconds_count"), 3) << m;
    EXPECT_GE(metric_value(m, R"(switchyard_router_decision_seconds_count{router="pick"})"), 3) << m;
    EXPECT_GE(metric_value(m, "process_cpu_seconds_total"), 0) << "present (10 ms ticks: may still be 0)";
    EXPECT_GT(metric_value(m, "process_resident_memory_bytes"), 1e6);
    EXPECT_GT(metric_value(m, "process_start_time_seconds"), 1.7e9);
    EXPECT_GE(metric_value(m, "process_threads"), 2);
    for (const char* family : {"switchyard_fallbacks_total", "switchyard_retries_total", "switchyard_cache_hits_total",
                               "switchyard_policy_evaluation_seconds"})
        EXPECT_NE(m.find(std::string("# TYPE ") + family), std::string::npos) << family;
}

TEST_F(GatewayTest, MetricsExpositionPassesPromtool) {
    ASSERT_EQ(post_chat(gw_->port(), chat_body("gpt-test", "hello")).status, 200);
    ASSERT_EQ(post_chat(gw_->port(), chat_body("mock-weak", "stream me", true)).status, 200);
    ASSERT_EQ(post_chat(gw_->port(), chat_body("gpt-test", "fail #fake:status=500")).status, 502);
    ASSERT_EQ(post_chat(gw_->port(), chat_body("router-pick", "route me")).status, 200);
    HttpClient c(gw_->port());
    std::string dir = make_temp_dir();
    write_file(dir + "/metrics.txt", c.request("GET", "/metrics").body);
    std::string out = capture("promtool check metrics < " + dir + "/metrics.txt; echo \"exit=$?\"");
    EXPECT_NE(out.find("exit=0"), std::string::npos) << out;
    remove_tree(dir);
}

TEST_F(GatewayTest, MetricsAccountTokensCostAndLatency) {
    auto series = [](const std::string& name, const std::string& rest) {
        return name + "{model=\"gpt-test\",provider=\"fake\"" + rest + "}";
    };
    HttpClient before(gw_->port());
    std::string m0 = before.request("GET", "/metrics").body;
    double in0 = std::max(0.0, metric_value(m0, series("switchyard_tokens_total", ",direction=\"input\",usage_source=\"reported\"")));
    double out0 = std::max(0.0, metric_value(m0, series("switchyard_tokens_total", ",direction=\"output\",usage_source=\"reported\"")));
    double cost0 = std::max(0.0, metric_value(m0, series("switchyard_cost_usd_total", "")));
    // The fake reports prompt_tokens = characters // 4 + 1 and one completion token per word.
    HttpResponse r = post_chat(gw_->port(), chat_body("gpt-test", "#fake:words=7 tokens please"));
    ASSERT_EQ(r.status, 200) << r.body;
    size_t p = r.body.find("\"prompt_tokens\": ");
    ASSERT_NE(p, std::string::npos) << r.body;
    double prompt = std::atof(r.body.c_str() + p + 17);
    std::string m1;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    do {  // recorded after the answer is sent
        HttpClient after(gw_->port());
        m1 = after.request("GET", "/metrics").body;
        if (metric_value(m1, series("switchyard_time_to_first_token_seconds_count", "")) >= 1 &&
            metric_value(m1, series("switchyard_tokens_total", ",direction=\"output\",usage_source=\"reported\"")) - out0 >= 8)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while (std::chrono::steady_clock::now() < deadline);
    EXPECT_EQ(metric_value(m1, series("switchyard_tokens_total", ",direction=\"input\",usage_source=\"reported\"")) - in0, prompt);
    EXPECT_EQ(metric_value(m1, series("switchyard_tokens_total", ",direction=\"output\",usage_source=\"reported\"")) - out0, 8);
    // prices: 1 USD per million input tokens, 2 per million output tokens
    EXPECT_NEAR(metric_value(m1, series("switchyard_cost_usd_total", "")) - cost0, (prompt * 1 + 8 * 2) / 1e6, 1e-12);
    EXPECT_GE(metric_value(m1, series("switchyard_request_duration_seconds_count", "")), 1);
    EXPECT_GE(metric_value(m1, series("switchyard_time_to_first_token_seconds_count", "")), 1);
}

TEST_F(GatewayTest, KeepAliveServesManyRequestsOnOneConnection) {
    HttpClient c(gw_->port());
    for (int i = 0; i < 20; ++i) {
        HttpResponse r = c.request("POST", "/v1/chat/completions", chat_body("gpt-test", "again"));
        ASSERT_EQ(r.status, 200) << "request " << i;
    }
}

}  // namespace
}  // namespace sy::test
