// x-switchyard-base-url over real sockets: refused without security.client_base_urls; with it,
// every loopback, private, link-local or ambiguous target refused before any connection (a
// listener on that port stays untouched); and an allowed network reached end to end.
#include <gtest/gtest.h>

#include "support/http_client.hpp"
#include "support/servers.hpp"
#include "trap_listener.hpp"

namespace sy::test {
namespace {

constexpr const char* kChat = R"({"model": "m", "messages": [{"role": "user", "content": "hello there"}]})";

std::string config(const std::string& provider_url, const std::string& security) {
    return R"(
plugins:
  search_paths: [")" + plugin_dir() + R"("]
providers:
  - name: tenant
    plugin: openai
    base_url: )" + provider_url + R"(
    config: {api_key: sk-tenant-key}
    timeouts: {connect_ms: 2000, first_byte_ms: 5000}
models:
  - name: m
    deployments: [{provider: tenant}]
)" + security;
}

// Client base URLs on 127.0.0.1, any port, for the tenant provider.
constexpr const char* kLoopbackAllowed = R"(
security:
  client_base_urls:
    allow_hosts: ["127.0.0.1:*"]
    allow_networks: [127.0.0.0/8]
    providers: [tenant]
)";

HttpResponse chat_to(int port, const std::string& base_url, const std::string& body = kChat) {
    return post_chat(port, body, {{"x-switchyard-base-url", base_url}});
}

HttpResponse embed_to(int port, const std::string& base_url) {
    HttpClient c(port);
    return c.request("POST", "/v1/embeddings", R"({"model": "m", "input": "hello"})",
                     {{"Content-Type", "application/json"}, {"x-switchyard-base-url", base_url}});
}

class ClientBaseUrlTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(upstream_.ok());
        ASSERT_TRUE(trap_.ok());
    }
    FakeUpstream upstream_;  // the provider's configured base_url
    TrapListener trap_;      // where the refused targets point
};

TEST_F(ClientBaseUrlTest, WithoutTheAllowListTheHeaderIsRefused) {
    GatewayProcess gw(config(upstream_.base_url(), ""));
    ASSERT_TRUE(gw.ok()) << gw.log();
    const std::string target = "http://127.0.0.1:" + trap_.port_text() + "/v1";
    for (const HttpResponse& r : {chat_to(gw.port(), target), embed_to(gw.port(), target),
                                  chat_to(gw.port(), "https://api.example.com/v1")}) {
        EXPECT_EQ(r.status, 403) << r.body;
        EXPECT_NE(r.body.find(R"("code":"base_url_not_allowed")"), std::string::npos) << r.body;
        EXPECT_NE(r.body.find(R"("param":"x-switchyard-base-url")"), std::string::npos) << r.body;
        EXPECT_NE(r.body.find("security.client_base_urls is not configured"), std::string::npos) << r.body;
    }
    EXPECT_EQ(trap_.connections(), 0);
    EXPECT_EQ(upstream_.requests(), 0);  // nor was the request sent to the configured host instead
    // Without the header the provider's own base_url answers as always.
    EXPECT_EQ(post_chat(gw.port(), kChat).status, 200);
    EXPECT_EQ(upstream_.requests(), 1);
}

TEST_F(ClientBaseUrlTest, RefusesEveryInternalTargetBeforeConnecting) {
    const std::string p = trap_.port_text();
    GatewayProcess gw(config(upstream_.base_url(), R"(
security:
  client_base_urls:
    allow_hosts: ["127.0.0.1:*", "localhost:*", "169.254.169.254", "10.0.0.1:*", "172.16.0.1:*",
                  "192.168.1.1:*", "100.64.0.1:*", "[::1]:*", "[::ffff:127.0.0.1]:*", "[fe80::1]:*"]
    providers: [tenant]
)"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    struct Case {
        std::string url;
        int status;
        const char* code;
        const char* says;
    };
    const std::vector<Case> cases = {
        {"http://127.0.0.1:" + p + "/v1", 403, "base_url_address_not_allowed", "127.0.0.1 is a loopback address"},
        {"http://localhost:" + p + "/v1", 403, "base_url_address_not_allowed", "is a loopback address"},
        {"http://LOCALHOST.:" + p + "/v1", 403, "base_url_address_not_allowed", "is a loopback address"},
        {"http://169.254.169.254/latest/meta-data", 403, "base_url_address_not_allowed", "169.254.169.254 is a link-local"},
        {"http://10.0.0.1:" + p, 403, "base_url_address_not_allowed", "10.0.0.1 is a private address"},
        {"http://172.16.0.1:" + p, 403, "base_url_address_not_allowed", "172.16.0.1 is a private address"},
        {"http://192.168.1.1:" + p, 403, "base_url_address_not_allowed", "192.168.1.1 is a private address"},
        {"http://100.64.0.1:" + p, 403, "base_url_address_not_allowed", "100.64.0.1 is a shared (carrier-grade NAT)"},
        {"http://[::1]:" + p + "/v1", 403, "base_url_address_not_allowed", "::1 is a loopback address"},
        {"http://[::ffff:127.0.0.1]:" + p + "/v1", 403, "base_url_address_not_allowed", "::ffff:127.0.0.1 is a loopback"},
        {"http://[fe80::1]:" + p + "/v1", 403, "base_url_address_not_allowed", "fe80::1 is a link-local address"},
        {"http://2130706433:" + p + "/v1", 400, "invalid_base_url", "numeric host"},
        {"http://0x7f000001:" + p + "/v1", 400, "invalid_base_url", "numeric host"},
        {"http://0177.0.0.1:" + p + "/v1", 400, "invalid_base_url", "numeric host"},
        {"http://127.1:" + p + "/v1", 400, "invalid_base_url", "numeric host"},
        {"http://user@127.0.0.1:" + p + "/v1", 400, "invalid_base_url", "user info"},
        {"http://127.0.0.1:" + p + "/v1#frag", 400, "invalid_base_url", "fragment"},
        {"http://127.0.0.2:" + p + "/v1", 403, "base_url_not_allowed", "not in security.client_base_urls.allow_hosts"},
    };
    for (const Case& c : cases) {
        for (bool stream : {false, true}) {
            HttpResponse r = chat_to(gw.port(), c.url,
                                     stream ? R"({"model": "m", "stream": true, "messages": [{"role": "user", "content": "hi"}]})"
                                            : kChat);
            EXPECT_EQ(r.status, c.status) << c.url << ": " << r.body;
            EXPECT_NE(r.body.find(std::string(R"("code":")") + c.code + "\""), std::string::npos) << c.url << ": " << r.body;
            EXPECT_NE(r.body.find(c.says), std::string::npos) << c.url << ": " << r.body;
        }
        HttpResponse e = embed_to(gw.port(), c.url);
        EXPECT_EQ(e.status, c.status) << c.url << " (embeddings): " << e.body;
        EXPECT_EQ(trap_.connections(), 0) << c.url << " reached the listener";
    }
    EXPECT_EQ(upstream_.requests(), 0);
}

TEST_F(ClientBaseUrlTest, AnAllowedNetworkReachesTheClientsHostEndToEnd) {
    FakeUpstream tenant_host;  // the client's own deployment
    ASSERT_TRUE(tenant_host.ok());
    GatewayProcess gw(config(upstream_.base_url(), kLoopbackAllowed));
    ASSERT_TRUE(gw.ok()) << gw.log();
    HttpResponse r = chat_to(gw.port(), tenant_host.base_url());
    ASSERT_EQ(r.status, 200) << r.body << gw.log();
    EXPECT_NE(r.body.find("echo: hello there"), std::string::npos) << r.body;
    EXPECT_NE(r.header("x-switchyard-route").find("; client base_url"), std::string::npos);
    EXPECT_EQ(r.header("x-switchyard-provider"), "tenant");
    EXPECT_EQ(tenant_host.requests(), 1);
    EXPECT_EQ(upstream_.requests(), 0);
    // The routed provider formats the request: its path appended to the client's URL, its key sent.
    HttpClient c(tenant_host.port());
    std::string recorded = c.request("GET", "/_requests").body;
    EXPECT_NE(recorded.find(R"("path": "/v1/chat/completions")"), std::string::npos) << recorded;
    EXPECT_NE(recorded.find("Bearer sk-tenant-key"), std::string::npos) << recorded;
    EXPECT_EQ(embed_to(gw.port(), tenant_host.base_url()).status, 200);
    // A stream, too.
    HttpResponse s = chat_to(gw.port(), tenant_host.base_url(),
                             R"({"model": "m", "stream": true, "messages": [{"role": "user", "content": "a b"}]})");
    EXPECT_EQ(s.status, 200);
    EXPECT_NE(s.body.find("[DONE]"), std::string::npos) << s.body;
    // The allowed network opens only what it holds: [::1] stays refused.
    EXPECT_EQ(chat_to(gw.port(), "http://[::1]:" + std::to_string(tenant_host.port()) + "/v1").status, 403);
    // The listener the refusals are checked with does see a connection the gateway makes: an
    // allowed request to it connects, gets no answer and times out.
    HttpResponse trapped = post_chat(gw.port(), kChat,
                                     {{"x-switchyard-base-url", "http://127.0.0.1:" + trap_.port_text() + "/v1"},
                                      {"x-switchyard-timeout-ms", "300"}});
    EXPECT_EQ(trapped.status, 504) << trapped.body;
    EXPECT_EQ(trap_.connections(), 1);
}

TEST_F(ClientBaseUrlTest, AnUnreachableClientHostIsA502AndNoRetryElsewhere) {
    GatewayProcess gw(config(upstream_.base_url(), kLoopbackAllowed));
    ASSERT_TRUE(gw.ok()) << gw.log();
    HttpResponse r = chat_to(gw.port(), "http://127.0.0.1:1/v1");  // nothing listens on port 1
    EXPECT_EQ(r.status, 502) << r.body;
    EXPECT_NE(r.body.find("upstream_unavailable"), std::string::npos) << r.body;
    EXPECT_EQ(upstream_.requests(), 0);
}

}  // namespace
}  // namespace sy::test
