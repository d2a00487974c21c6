// The edge's worker threads and parked requests: a request waiting for a slow upstream parks
// its fiber and holds no thread, so many of them run on the floor of workers; work that does
// hold a thread (here a guardrail check that sleeps) makes the pool grow past its floor, never
// past server.max_threads (requests beyond it wait for a worker and are all answered); workers
// that are merely busy computing do not.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "core/process_limits.hpp"
#include "integration/gateway/test_configs.hpp"
#include "support/http_client.hpp"

namespace sy::test {
namespace {

// The gateway's floor of workers without server.min_threads: one per CPU it may use (it inherits
// this process's affinity and cgroup), at least 4.
int floor_workers() { return std::max(4, usable_cpus()); }

struct Gauges {
    double workers = 0;
    double parked = 0;
};

Gauges gauges(int port) {
    HttpClient c(port);
    std::string text = c.request("GET", "/metrics").body;
    return {metric_value(text, "switchyard_http_worker_threads"), metric_value(text, "switchyard_http_parked_requests")};
}

// Sends n requests at once (the body of request i from make_body(i)); returns how many got
// 200. While they run, `watch` is called with the gateway's gauges until it returns true or the
// requests are done.
template <class Body, class Watch>
int concurrent_requests(int port, int n, Body make_body, Watch watch) {
    std::atomic<int> ok{0};
    std::atomic<int> done{0};
    std::vector<std::thread> clients;
    for (int i = 0; i < n; ++i)
        clients.emplace_back([&, i] {
            ok += post_chat(port, make_body(i)).status == 200;
            ++done;
        });
    while (done.load() < n && !watch(gauges(port))) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    for (std::thread& t : clients) t.join();
    return ok.load();
}

// Requests the fake upstream holds for hold_ms.
auto held_by_upstream(int hold_ms) {
    return [hold_ms](int i) {
        return chat_body("gpt-test", "held " + std::to_string(i) + " #fake:delay_ms=" + std::to_string(hold_ms));
    };
}

// A guardrail whose check sleeps delay_ms: the request's thread waits for its verdict.
std::string slow_guardrail(int delay_ms) {
    return "guardrails:\n  - {name: slow, plugin: keywords, on: request, timeout_ms: 10000, config: {words: [never-said], "
           "delay_ms: " + std::to_string(delay_ms) + "}}\n";
}

TEST(EdgeWorkerThreadsTest, RequestsWaitingForAnUpstreamParkAndHoldNoThread) {
    FakeUpstream fake;
    ASSERT_TRUE(fake.ok());
    GatewayProcess gw(fake_upstream_config(fake, "", "  max_threads: 64\n"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    const int kHeld = std::max(30, 2 * floor_workers() + 10);
    Gauges most;
    int ok = concurrent_requests(gw.port(), kHeld, held_by_upstream(2000), [&](Gauges g) {
        most.workers = std::max(most.workers, g.workers);
        most.parked = std::max(most.parked, g.parked);
        return g.parked >= kHeld;
    });
    EXPECT_EQ(ok, kHeld);
    EXPECT_EQ(most.parked, kHeld) << "every held request parked at once";
    // A thread each would be kHeld; a few start while the requests arrive on a busy machine.
    EXPECT_LE(most.workers, floor_workers() + 4) << "a few workers served them all";
    EXPECT_EQ(fake.requests(), kHeld);
    EXPECT_EQ(gauges(gw.port()).parked, 0) << "none left parked";
}

TEST(EdgeWorkerThreadsTest, ThePoolGrowsWhileEveryWorkerIsBusy) {
    FakeUpstream fake;
    ASSERT_TRUE(fake.ok());
    GatewayProcess gw(fake_upstream_config(fake, "", "  max_threads: 64\n") + slow_guardrail(3000));
    ASSERT_TRUE(gw.ok()) << gw.log();
    EXPECT_LE(gauges(gw.port()).workers, floor_workers() + 1)
        << "idle, the pool holds its floor (and a thread the probe may have started)";
    constexpr int kHeld = 20;
    double most = 0;
    int ok = concurrent_requests(gw.port(), kHeld, held_by_upstream(0), [&](Gauges g) {
        most = std::max(most, g.workers);
        return g.workers > kHeld;  // every waiting request has a worker, and /metrics one more
    });
    EXPECT_EQ(ok, kHeld);
    EXPECT_GT(most, kHeld);
    EXPECT_EQ(fake.requests(), kHeld);
}

// Many keep-alive clients at once keep every worker busy computing (the model list, answered by
// the gateway itself), but no request blocks: more threads would only take turns on the same
// cores, so the pool stays near its floor.
TEST(EdgeWorkerThreadsTest, WorkersBusyComputingDoNotGrowThePool) {
    FakeUpstream fake;
    ASSERT_TRUE(fake.ok());
    GatewayProcess gw(fake_upstream_config(fake, "", "  max_threads: 64\n"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    constexpr int kClients = 32, kEach = 300;
    double most = 0;
    std::atomic<int> ok{0};
    std::atomic<int> done{0};
    std::vector<std::thread> clients;
    for (int i = 0; i < kClients; ++i)
        clients.emplace_back([&] {
            HttpClient c(gw.port());  // keep-alive: the gateway's work, not connecting, is what the test loads
            for (int k = 0; k < kEach; ++k) ok += c.request("GET", "/v1/models").status == 200;
            ++done;
        });
    while (done.load() < kClients) {
        most = std::max(most, gauges(gw.port()).workers);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    for (std::thread& t : clients) t.join();
    EXPECT_EQ(ok, kClients * kEach);
    // On 2 CPUs the floor is 4, and the rule before grew the pool to about 20 here.
    EXPECT_LE(most, floor_workers() + 4) << "the pool grew for work that never blocked";
}

// server.min_threads replaces the floor (a container whose CPU share the process cannot see).
TEST(EdgeWorkerThreadsTest, ServerMinThreadsSetsTheFloor) {
    FakeUpstream fake;
    ASSERT_TRUE(fake.ok());
    const int floor = floor_workers() + 3;
    GatewayProcess gw(fake_upstream_config(fake, "", "  max_threads: 64\n  min_threads: " + std::to_string(floor) + "\n"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    const double idle = gauges(gw.port()).workers;
    EXPECT_GE(idle, floor);
    EXPECT_LE(idle, floor + 1) << "and a thread the probe may have started";
}

TEST(EdgeWorkerThreadsTest, ThePoolNeverPassesMaxThreadsAndTheRestWait) {
    FakeUpstream fake;
    ASSERT_TRUE(fake.ok());
    GatewayProcess gw(fake_upstream_config(fake, "", "  max_threads: 6\n") + slow_guardrail(800));
    ASSERT_TRUE(gw.ok()) << gw.log();
    constexpr int kHeld = 10;
    double most = 0;
    int ok = concurrent_requests(gw.port(), kHeld, held_by_upstream(0), [&](Gauges g) {
        most = std::max(most, g.workers);
        return false;  // watch until the end
    });
    EXPECT_EQ(ok, kHeld) << "requests beyond max_threads wait for a worker";
    EXPECT_EQ(most, 6);
    EXPECT_EQ(fake.requests(), kHeld);
}

}  // namespace
}  // namespace sy::test
