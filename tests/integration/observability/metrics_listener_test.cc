// telemetry.metrics.listen: a second listener that serves /metrics (and /healthz) and nothing
// else, so scrapers can reach metrics on a port that clients never see.
#include <gtest/gtest.h>

#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/servers.hpp"

namespace sy::test {
namespace {

TEST(MetricsListenerTest, ServesMetricsAndHealthOnlyOnItsOwnPort) {
    int metrics_port = free_port();
    GatewayProcess gw("plugins:\n  search_paths: [\"" + plugin_dir() + "\"]\n"
                      "providers: [{name: m, plugin: mock}]\nmodels: [{name: a, deployments: [{provider: m}]}]\n"
                      "telemetry: {metrics: {listen: \"127.0.0.1:" + std::to_string(metrics_port) + "\"}}\n");
    ASSERT_TRUE(gw.ok()) << gw.log();
    ASSERT_EQ(post_chat(gw.port(), R"({"model": "a", "messages": [{"role": "user", "content": "hi"}]})").status, 200);
    // The request is counted after its answer is sent: wait for it on the main listener first.
    ASSERT_EQ(await_metric(gw.port(), R"(switchyard_requests_total{model="a",provider="m",status_class="2xx"})", 1), 1);
    HttpClient scrape(metrics_port);
    HttpResponse m = scrape.request("GET", "/metrics");
    EXPECT_EQ(m.status, 200);
    EXPECT_NE(m.body.find(R"(switchyard_requests_total{model="a",provider="m",status_class="2xx"} 1)"), std::string::npos) << m.body;
    HttpClient health(metrics_port);
    EXPECT_EQ(health.request("GET", "/healthz").status, 200);
    HttpClient other(metrics_port);
    EXPECT_EQ(other.request("POST", "/v1/chat/completions", R"({"model": "a", "messages": []})").status, 404)
        << "only metrics on this port";
    HttpClient main(gw.port());
    EXPECT_EQ(main.request("GET", "/metrics").status, 200) << "the main listener keeps /metrics";
}

}  // namespace
}  // namespace sy::test
