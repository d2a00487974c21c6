// Canary secrets through every error path: a provider key (also sent by active health checks),
// client keys, the admin key and a tracing header token, all random per run, configured through
// ${ENV}. The upstream is hostile: every error it returns quotes the credential it received, in
// JSON bodies, stream error events, Retry-After and other headers, and non-JSON bodies. After
// driving every error the gateway answers (its own 4xx and upstream 4xx/5xx, timeouts, refused
// connections, streams, /v1/messages, embeddings, Anthropic and Gemini upstreams), no canary may
// appear in any response (body or header), the process log, the access log (with prompts),
// /metrics, any /admin or status page answer, the exported traces, or `switchyard config
// show|check` output; the upstream's echoes must show up as the key's fingerprint instead.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <thread>
#include <regex>
#include <string>
#include <vector>

#include "security_support.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/servers.hpp"

namespace sy::test {
namespace {

struct Canaries {
    std::string provider = canary("sk-canary-PROVIDER");
    std::string client = canary("sk-canary-CLIENT");
    std::string limited = canary("sk-canary-LIMITED");
    std::string poor = canary("sk-canary-POOR");
    std::string admin = canary("canary-ADMIN");
    std::string tracing = canary("canary-TRACING");
    std::vector<std::string> all() const { return {provider, client, limited, poor, admin, tracing}; }
};

// One place text left the gateway, and what it was.
struct Seen {
    std::string where;
    std::string text;
};

std::string response_text(const HttpResponse& r) {
    std::string out = std::to_string(r.status) + "\n";
    for (const auto& [k, v] : r.headers) out += k + ": " + v + "\n";
    return out + "\n" + r.body;
}

std::string chat(const std::string& model, const std::string& text, bool stream = false) {
    return R"({"model": ")" + model + R"(", "stream": )" + (stream ? "true" : "false") +
           R"(, "messages": [{"role": "user", "content": ")" + text + R"("}]})";
}

std::string config(int hostile, int refused_port, int collector, const std::string& dir) {
    std::string up = "http://127.0.0.1:" + std::to_string(hostile) + "/v1";
    std::string gem = "http://127.0.0.1:" + std::to_string(hostile) + "/v1beta";
    return "plugins:\n  search_paths: [\"" + plugin_dir() + "\"]\n"
           "server: {max_body_bytes: 65536}\n"
           "providers:\n"
           "  - name: hostile\n    plugin: openai\n    base_url: \"" + up + "\"\n"
           "    config: {api_key: \"${SY_CANARY_PROVIDER}\"}\n"
           "    timeouts: {first_byte_ms: 500}\n"
           "    health_check: {path: /health, interval_ms: 200, headers: {Authorization: \"Bearer ${SY_CANARY_PROVIDER}\"}}\n"
           "  - {name: hostile_anthropic, plugin: anthropic, base_url: \"" + up + "\", config: {api_key: \"${SY_CANARY_PROVIDER}\"}}\n"
           "  - {name: hostile_gemini, plugin: gemini, base_url: \"" + gem + "\", config: {api_key: \"${SY_CANARY_PROVIDER}\"}}\n"
           "  - {name: refused, plugin: openai, base_url: \"http://127.0.0.1:" + std::to_string(refused_port) +
           "/v1\", config: {api_key: \"${SY_CANARY_PROVIDER}\"}}\n"
           "  - {name: local, plugin: mock}\n"
           "models:\n"
           "  - {name: chat, deployments: [{provider: hostile}]}\n"
           "  - {name: claude, deployments: [{provider: hostile_anthropic}]}\n"
           "  - {name: gem, deployments: [{provider: hostile_gemini}]}\n"
           "  - {name: down, deployments: [{provider: refused}]}\n"
           "  - {name: pricey, input_price_per_mtok: 1000, output_price_per_mtok: 1000, deployments: [{provider: local}]}\n"
           "routing:\n  retries: {attempts: 0}\n  outlier_detection: {consecutive_failures: 100000}\n"
           "policies: [{file: \"" + dir + "/deny.lua\"}]\n"
           "auth:\n  required: true\n  admin_key: \"${SY_CANARY_ADMIN}\"\n  keys:\n"
           "    - {key: \"${SY_CANARY_CLIENT}\", id: app}\n"
           "    - {key: \"${SY_CANARY_LIMITED}\", id: limited, models: [chat, pricey], limits: {rpm: 1}}\n"
           "    - {key: \"${SY_CANARY_POOR}\", id: poor, limits: {budget_usd: 0.000001}}\n"
           "telemetry:\n"
           "  access_log: {path: \"" + dir + "/access.log\", prompts: true}\n"
           "  tracing: {endpoint: \"http://127.0.0.1:" + std::to_string(collector) +
           "\", flush_interval_ms: 50, headers: {Authorization: \"Bearer ${SY_CANARY_TRACING}\"}}\n";
}

class CanaryTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = make_temp_dir();
        write_file(dir_ + "/deny.lua",
                   "function route(req)\n"
                   "  if req.last_user_message:find('#deny', 1, true) then return {deny = 'denied by policy'} end\n"
                   "end\n");
        for (auto [name, value] : {std::pair{"SY_CANARY_PROVIDER", c_.provider}, {"SY_CANARY_CLIENT", c_.client},
                                   {"SY_CANARY_LIMITED", c_.limited}, {"SY_CANARY_POOR", c_.poor},
                                   {"SY_CANARY_ADMIN", c_.admin}, {"SY_CANARY_TRACING", c_.tracing}})
            setenv(name, value.c_str(), 1);
    }
    void TearDown() override { remove_tree(dir_); }

    std::vector<std::pair<std::string, std::string>> bearer(const std::string& key) const {
        return {{"Authorization", "Bearer " + key}};
    }
    // Sends one request on a fresh connection and keeps what came back.
    HttpResponse send(int port, const std::string& what, const std::string& method, const std::string& path,
                      const std::string& body, std::vector<std::pair<std::string, std::string>> headers) {
        headers.emplace_back("Content-Type", "application/json");
        HttpClient client(port, 15000);
        HttpResponse r = client.request(method, path, body, headers);
        seen_.push_back({"response to " + what, response_text(r)});
        return r;
    }
    HttpResponse as_app(int port, const std::string& what, const std::string& path, const std::string& body) {
        return send(port, what, "POST", path, body, bearer(c_.client));
    }

    Canaries c_;
    std::string dir_;
    std::vector<Seen> seen_;
};

TEST_F(CanaryTest, CanaryKeysAppearNowhereOnAnyErrorPath) {
    HostileUpstream hostile;
    FakeUpstream collector;
    ASSERT_TRUE(hostile.ok() && collector.ok());
    int refused_port = free_port();  // nothing listens there
    GatewayProcess gw(config(hostile.port(), refused_port, collector.port(), dir_));
    ASSERT_TRUE(gw.ok()) << gw.log();
    const int port = gw.port();

    // ---- errors the gateway answers itself
    EXPECT_EQ(send(port, "no key", "POST", "/v1/chat/completions", chat("chat", "hi"), {}).status, 401);
    EXPECT_EQ(send(port, "a wrong key", "POST", "/v1/chat/completions", chat("chat", "hi"), bearer(c_.client + "x")).status, 401);
    EXPECT_EQ(send(port, "a key in x-api-key", "POST", "/v1/messages", "{}", {{"x-api-key", c_.client + "x"}}).status, 401);
    EXPECT_EQ(as_app(port, "bad JSON", "/v1/chat/completions", "{\"model\": ").status, 400);
    EXPECT_EQ(as_app(port, "unknown model", "/v1/chat/completions", chat("nope", "hi")).status, 404);
    EXPECT_EQ(as_app(port, "too large", "/v1/chat/completions", chat("chat", std::string(70000, 'a'))).status, 413);
    EXPECT_EQ(as_app(port, "policy deny", "/v1/chat/completions", chat("chat", "#deny")).status, 403);
    EXPECT_EQ(send(port, "model not allowed", "POST", "/v1/chat/completions", chat("claude", "hi"), bearer(c_.limited)).status, 403);
    EXPECT_EQ(send(port, "rate limit 1", "POST", "/v1/chat/completions", chat("pricey", "hi"), bearer(c_.limited)).status, 200);
    EXPECT_EQ(send(port, "rate limit 2", "POST", "/v1/chat/completions", chat("pricey", "hi"), bearer(c_.limited)).status, 429);
    EXPECT_EQ(send(port, "budget", "POST", "/v1/chat/completions", chat("pricey", "hi"), bearer(c_.poor)).status, 429);
    EXPECT_EQ(send(port, "unknown path", "GET", "/v2/nothing", "", bearer(c_.client)).status, 404);
    EXPECT_EQ(send(port, "admin with a client key", "GET", "/admin/keys", "", bearer(c_.client)).status, 401);

    // ---- upstream errors that echo the provider key, every shape
    for (int status : {400, 401, 403, 404, 429, 500, 503}) {
        std::string d = "#hostile:status=" + std::to_string(status);
        HttpResponse r = as_app(port, "upstream " + d, "/v1/chat/completions", chat("chat", d));
        EXPECT_GE(r.status, 400) << r.body;
        as_app(port, "upstream stream " + d, "/v1/chat/completions", chat("chat", d, true));
        as_app(port, "anthropic upstream " + d, "/v1/chat/completions", chat("claude", d));
        as_app(port, "gemini upstream " + d, "/v1/chat/completions", chat("gem", d));
        as_app(port, "/v1/messages " + d, "/v1/messages",
               R"({"model": "chat", "max_tokens": 10, "messages": [{"role": "user", "content": ")" + d + R"("}]})");
        as_app(port, "embeddings " + d, "/v1/embeddings", R"({"model": "chat", "input": ")" + d + R"("})");
    }
    for (const char* model : {"chat", "claude", "gem"}) {
        HttpResponse r = as_app(port, std::string("stream error event from ") + model, "/v1/chat/completions",
                                chat(model, "#hostile:stream_error=1", true));
        EXPECT_EQ(r.status, 200) << model << ": the stream started, so the error is an event";
        as_app(port, std::string("garbage from ") + model, "/v1/chat/completions", chat(model, "#hostile:garbage=1"));
    }
    as_app(port, "/v1/messages stream error", "/v1/messages",
           R"({"model": "chat", "stream": true, "max_tokens": 10, "messages": [{"role": "user", "content": "#hostile:stream_error=1"}]})");
    EXPECT_EQ(as_app(port, "timeout", "/v1/chat/completions", chat("chat", "#hostile:delay_ms=1500")).status, 504);
    EXPECT_EQ(as_app(port, "connection refused", "/v1/chat/completions", chat("down", "hi")).status, 502);
    EXPECT_EQ(as_app(port, "a good answer", "/v1/chat/completions", chat("chat", "hello")).status, 200);
    EXPECT_EQ(as_app(port, "a good stream", "/v1/chat/completions", chat("chat", "hello", true)).status, 200);

    // The upstream really got the key (health checks and requests), and its echoes reached the
    // gateway: they come back as the fingerprint.
    EXPECT_NE(hostile.seen().find(c_.provider), std::string::npos) << hostile.seen();
    const std::string fp = fingerprint_of(c_.provider);
    bool fingerprint_shown = false;
    for (const Seen& s : seen_) fingerprint_shown = fingerprint_shown || s.text.find(fp) != std::string::npos;
    EXPECT_TRUE(fingerprint_shown) << "no error body showed " << fp;

    // ---- everything an operator can read
    std::vector<std::string> admin_paths = {"/admin/keys", "/admin/keys/app", "/admin/keys/limited", "/admin/requests",
                                            "/admin/spend", "/admin/quality", "/admin/reload", "/ui/recent",
                                            "/ui/savings", "/", "/ui", "/metrics"};
    HttpResponse ids = send(port, "/admin/requests", "GET", "/admin/requests", "", bearer(c_.admin));
    std::smatch match;
    std::string rest = ids.body;
    while (std::regex_search(rest, match, std::regex("\"([A-Za-z0-9_-]{8,})\""))) {
        if (match[1] != "object" && match[1] != "list") admin_paths.push_back("/admin/requests/" + match[1].str());
        rest = match.suffix();
    }
    EXPECT_GT(admin_paths.size(), 20u) << ids.body;
    for (const std::string& path : admin_paths) {
        HttpResponse r = send(port, "GET " + path, "GET", path, "", bearer(c_.admin));
        EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    }
    HttpResponse keys = send(port, "GET /admin/keys", "GET", "/admin/keys", "", bearer(c_.admin));
    EXPECT_NE(keys.body.find("\"key_fingerprint\":\"" + fingerprint_of(c_.client) + "\""), std::string::npos) << keys.body;

    // Spans are exported in the background: wait until the collector has some.
    for (int i = 0; i < 200 && collector.stats().find("\"spans_received\": 0") != std::string::npos; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    HttpClient spans(collector.port());
    seen_.push_back({"exported traces", spans.request("GET", "/_spans").body});
    EXPECT_NE(seen_.back().text.find("chat"), std::string::npos) << "no spans arrived";

    const std::string config_path = gw.dir() + "/config.yaml";
    std::string bin = gateway_binary();
    seen_.push_back({"config show", capture(bin + " config show " + config_path)});
    EXPECT_NE(seen_.back().text.find("api_key: " + fp), std::string::npos) << seen_.back().text;
    seen_.push_back({"config check", capture(bin + " config check " + config_path)});
    seen_.push_back({"access log", read_file(dir_ + "/access.log")});
    EXPECT_NE(seen_.back().text.find("#hostile:status=401"), std::string::npos) << "the access log has the requests";
    gw.process().stop(10000);
    seen_.push_back({"gateway log", gw.log()});
    EXPECT_NE(seen_.back().text.find("core dumps disabled"), std::string::npos) << seen_.back().text;

    for (const Seen& s : seen_)
        for (const std::string& secret : c_.all())
            EXPECT_EQ(s.text.find(secret), std::string::npos) << s.where << " shows " << secret << ":\n" << s.text;
}

}  // namespace
}  // namespace sy::test
