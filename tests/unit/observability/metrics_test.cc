#include <switchyard/metrics.hpp>

#include <gtest/gtest.h>

#include <thread>

namespace sy::metrics {
namespace {

TEST(MetricsTest, RendersCountersAndGaugesInTextFormat) {
    Registry& r = Registry::instance();
    Family& c = r.counter("test_requests_total", "Requests", {"model", "code"});
    c.with({"weak", "2xx"}).inc();
    c.with({"weak", "2xx"}).inc(2);
    c.with({"str\"ong", "5xx"}).inc();
    r.gauge("test_inflight", "In flight").with({}).set(7);
    std::string text = r.render();
    EXPECT_NE(text.find("# HELP test_requests_total Requests\n# TYPE test_requests_total counter\n"), std::string::npos);
    EXPECT_NE(text.find("test_requests_total{model=\"weak\",code=\"2xx\"} 3\n"), std::string::npos) << text;
    EXPECT_NE(text.find("test_requests_total{model=\"str\\\"ong\",code=\"5xx\"} 1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("# TYPE test_inflight gauge\ntest_inflight 7\n"), std::string::npos) << text;
}

TEST(MetricsTest, HistogramsRenderCumulativeBuckets) {
    Histogram& h = Registry::instance().histogram("test_latency_seconds", "Latency", {"model"}, {0.1, 1}).with({"m"});
    h.observe(0.05);
    h.observe(0.5);
    h.observe(5);
    std::string text = Registry::instance().render();
    EXPECT_NE(text.find("# TYPE test_latency_seconds histogram\n"), std::string::npos);
    EXPECT_NE(text.find("test_latency_seconds_bucket{model=\"m\",le=\"0.10000000000000001\"} 1\n"), std::string::npos)
        << text;
    EXPECT_NE(text.find("test_latency_seconds_bucket{model=\"m\",le=\"1\"} 2\n"), std::string::npos) << text;
    EXPECT_NE(text.find("test_latency_seconds_bucket{model=\"m\",le=\"+Inf\"} 3\n"), std::string::npos) << text;
    EXPECT_NE(text.find("test_latency_seconds_sum{model=\"m\"} 5.5499999999999998\n"), std::string::npos) << text;
    EXPECT_NE(text.find("test_latency_seconds_count{model=\"m\"} 3\n"), std::string::npos) << text;
}

TEST(MetricsTest, ConcurrentIncrementsAreNotLost) {
    Series& s = Registry::instance().counter("test_concurrent_total", "x").with({});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 10000; ++i) s.inc();
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(s.value(), 40000);
}

TEST(MetricsTest, GatewayFamiliesUseTheContractNames) {
    Gateway& g = Gateway::get();
    g.policy_errors.with({"p", "open"}).inc();
    std::string text = Registry::instance().render();
    for (const char* name : {"switchyard_requests_total", "switchyard_routing_decisions_total",
                             "switchyard_policy_errors_total", "switchyard_upstream_errors_total",
                             "switchyard_inflight_requests", "switchyard_config_generation",
                             "switchyard_plugin_info"})
        EXPECT_NE(text.find(std::string("# TYPE ") + name), std::string::npos) << name;
}

}  // namespace
}  // namespace sy::metrics
