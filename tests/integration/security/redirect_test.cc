// An upstream that answers 302: the gateway answers 502 upstream_redirect naming where the
// redirect pointed, and the redirect's target sees no connection (nor does a retry follow it).
#include <gtest/gtest.h>

#include "support/http_client.hpp"
#include "support/servers.hpp"
#include "trap_listener.hpp"

namespace sy::test {
namespace {

TEST(UpstreamRedirectTest, IsRefusedAndNeverFollowed) {
    TrapListener target;
    ASSERT_TRUE(target.ok());
    FakeUpstream upstream("--redirect-to http://127.0.0.1:" + target.port_text() + "/v1/chat/completions");
    ASSERT_TRUE(upstream.ok());
    GatewayProcess gw(R"(
plugins:
  search_paths: [")" + plugin_dir() + R"("]
providers:
  - name: moving
    plugin: openai
    base_url: )" + upstream.base_url() + R"(
models:
  - name: m
    deployments: [{provider: moving}]
routing:
  retries: {attempts: 2, backoff_ms: 1}
)");
    ASSERT_TRUE(gw.ok()) << gw.log();
    for (const char* body : {R"({"model": "m", "messages": [{"role": "user", "content": "hi"}]})",
                             R"({"model": "m", "stream": true, "messages": [{"role": "user", "content": "hi"}]})"}) {
        HttpResponse r = post_chat(gw.port(), body);
        EXPECT_EQ(r.status, 502) << r.body;
        EXPECT_NE(r.body.find(R"("code":"upstream_redirect")"), std::string::npos) << r.body;
        EXPECT_NE(r.body.find("upstream answered 302 redirecting to host '127.0.0.1:" + target.port_text() +
                              "'; redirects are not followed"),
                  std::string::npos)
            << r.body;
    }
    EXPECT_EQ(target.connections(), 0);
    EXPECT_EQ(upstream.requests(), 2);  // one per request: nothing retried the redirect
}

}  // namespace
}  // namespace sy::test
