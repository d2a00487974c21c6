// OpenTelemetry traces over real sockets: a request that is retried and then falls back is
// exported to an OTLP/HTTP receiver (the fake upstream's /v1/traces) as one span tree with the
// GenAI attributes; the client's traceparent is continued and passed upstream; with the
// collector refusing, requests are unaffected and the dropped spans are counted.
#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include <chrono>
#include <functional>
#include <map>
#include <thread>

#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/servers.hpp"

namespace sy::test {
namespace {

std::string provider(const std::string& name, int port) {
    return "  - {name: " + name + ", plugin: openai, base_url: \"http://127.0.0.1:" + std::to_string(port) + "/v1\"}\n";
}

// big: one deployment answering 503 twice over (two deployments), then small answers.
std::string traced_config(int bad, int good, int collector) {
    return "plugins:\n  search_paths: [\"" + plugin_dir() + "\"]\nproviders:\n" + provider("bad", bad) +
           provider("bad2", bad) + provider("good", good) +
           "models:\n"
           "  - {name: big, fallbacks: [small], balancing: priority, deployments: [{provider: bad, model: b1}, {provider: bad2, model: b2, priority: 1}]}\n"
           "  - {name: small, deployments: [{provider: good, model: s}]}\n"
           "routing:\n  retries: {attempts: 1, backoff_ms: 1, max_backoff_ms: 2}\n"
           "telemetry:\n  tracing: {endpoint: \"http://127.0.0.1:" + std::to_string(collector) +
           "\", flush_interval_ms: 50, service_name: gw-test}\n";
}

std::string attr(const rapidjson::Value& span, const std::string& key) {
    for (const auto& a : span["attributes"].GetArray()) {
        if (key != a["key"].GetString()) continue;
        const auto& v = a["value"];
        if (v.HasMember("stringValue")) return v["stringValue"].GetString();
        if (v.HasMember("intValue")) return v["intValue"].GetString();
        if (v.HasMember("doubleValue")) return std::to_string(v["doubleValue"].GetDouble());
        if (v.HasMember("boolValue")) return v["boolValue"].GetBool() ? "true" : "false";
    }
    return "<absent>";
}

// Spans received by the collector, polled until `n` arrived (or 5 s passed).
rapidjson::Document spans(const FakeUpstream& collector, size_t n) {
    rapidjson::Document d;
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    do {
        HttpClient c(collector.port());
        d.Parse(c.request("GET", "/_spans").body.c_str());
        if (d.IsArray() && d.Size() >= n) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    } while (std::chrono::steady_clock::now() < until);
    return d;
}

TEST(TracingTest, ARetriedAndFallenBackRequestIsOneSpanTreeWithGenAiAttributes) {
    FakeUpstream bad("--status 503"), good, collector;
    ASSERT_TRUE(bad.ok() && good.ok() && collector.ok());
    GatewayProcess gw(traced_config(bad.port(), good.port(), collector.port()));
    ASSERT_TRUE(gw.ok()) << gw.log();
    const std::string client_trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    HttpResponse r = post_chat(gw.port(), R"({"model": "big", "messages": [{"role": "user", "content": "hi"}]})",
                               {{"traceparent", "00-" + client_trace + "-00f067aa0ba902b7-01"}});
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(r.header("x-switchyard-route"), "model; retry bad2 after 503; fallback small after 503");

    // root + route + three attempts
    rapidjson::Document d = spans(collector, 5);
    ASSERT_TRUE(d.IsArray()) << gw.log();
    std::map<std::string, const rapidjson::Value*> by_id;
    const rapidjson::Value* root = nullptr;
    std::vector<const rapidjson::Value*> attempts;
    for (const auto& s : d.GetArray()) {
        EXPECT_EQ(std::string(s["traceId"].GetString()), client_trace) << "continues the client's trace";
        EXPECT_EQ(std::string(s["service"].GetString()), "gw-test");
        by_id[s["spanId"].GetString()] = &s;
        if (std::string(s["name"].GetString()) == "POST /v1/chat/completions") root = &s;
        if (std::string(s["name"].GetString()).starts_with("chat ")) attempts.push_back(&s);
    }
    ASSERT_NE(root, nullptr);
    EXPECT_EQ(std::string((*root)["parentSpanId"].GetString()), "00f067aa0ba902b7");
    EXPECT_EQ((*root)["kind"].GetInt(), 2) << "server";
    EXPECT_EQ(attr(*root, "gen_ai.request.model"), "big");
    EXPECT_EQ(attr(*root, "gen_ai.response.model"), "small");
    EXPECT_EQ(attr(*root, "switchyard.attempts"), "3");
    EXPECT_EQ(attr(*root, "http.response.status_code"), "200");
    EXPECT_EQ(attr(*root, "gen_ai.usage.input_tokens"), "1");  // the fake counts chars / 4 + 1

    ASSERT_EQ(attempts.size(), 3u);
    std::sort(attempts.begin(), attempts.end(), [](auto* a, auto* b) {
        return attr(*a, "switchyard.attempt") < attr(*b, "switchyard.attempt");
    });
    const char* hops[] = {"first", "retry", "fallback"};
    const char* models[] = {"b1", "b2", "s"};
    for (size_t i = 0; i < 3; ++i) {
        const rapidjson::Value& a = *attempts[i];
        EXPECT_EQ(std::string(a["parentSpanId"].GetString()), std::string((*root)["spanId"].GetString()));
        EXPECT_EQ(a["kind"].GetInt(), 3) << "client";
        EXPECT_EQ(attr(a, "switchyard.hop"), hops[i]);
        EXPECT_EQ(attr(a, "gen_ai.request.model"), models[i]);
        EXPECT_EQ(attr(a, "gen_ai.operation.name"), "chat");
        EXPECT_EQ(attr(a, "gen_ai.provider.name"), "openai");
        EXPECT_EQ(a["status"]["code"].GetInt(), i < 2 ? 2 : 1) << "the 503s are errors";
    }
    EXPECT_EQ(attr(*attempts[0], "http.response.status_code"), "503");
    EXPECT_EQ(attr(*attempts[2], "gen_ai.usage.output_tokens"), "2");  // "echo: hi"
    EXPECT_EQ(attr(*attempts[2], "gen_ai.response.model"), "s");

    // The upstream that answered got a traceparent naming its attempt span.
    HttpClient c(good.port());
    std::string seen = c.request("GET", "/_requests").body;
    std::string expected = "00-" + client_trace + "-" + std::string((*attempts[2])["spanId"].GetString()) + "-01";
    EXPECT_NE(seen.find(expected), std::string::npos) << seen;
}

TEST(TracingTest, ACollectorThatRefusesCostsNoRequestAndDropsAreCounted) {
    FakeUpstream good, collector("--status 503");
    ASSERT_TRUE(good.ok() && collector.ok());
    GatewayProcess gw(traced_config(good.port(), good.port(), collector.port()));
    ASSERT_TRUE(gw.ok()) << gw.log();
    for (int i = 0; i < 20; ++i)
        ASSERT_EQ(post_chat(gw.port(), R"({"model": "small", "messages": [{"role": "user", "content": "hi"}]})").status, 200);
    double dropped = -1;
    for (int i = 0; i < 200 && dropped < 60; ++i) {  // 20 requests, three spans each (request, route, attempt)
        HttpClient c(gw.port());
        dropped = metric_value(c.request("GET", "/metrics").body, R"(switchyard_trace_spans_total{outcome="dropped_export_failed"})");
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    EXPECT_EQ(dropped, 60);
}

}  // namespace
}  // namespace sy::test
