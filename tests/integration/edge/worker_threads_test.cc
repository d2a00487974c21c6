// The edge's worker threads start on demand: requests held by a slow upstream each hold a
// worker, the pool grows past its floor of 4 while they run, and never past server.max_threads
// (requests beyond it wait for a worker and are all answered).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "integration/gateway/test_configs.hpp"
#include "support/http_client.hpp"

namespace sy::test {
namespace {

double worker_threads(int port) {
    HttpClient c(port);
    return metric_value(c.request("GET", "/metrics").body, "switchyard_http_worker_threads");
}

// Sends n requests at once, each held `hold_ms` by the upstream; returns how many got 200.
// While they run, `watch` is called with the gateway's worker-thread gauge until it returns
// true or the requests are done.
template <class Watch>
int held_requests(int port, int n, int hold_ms, Watch watch) {
    std::atomic<int> ok{0};
    std::atomic<int> done{0};
    std::vector<std::thread> clients;
    for (int i = 0; i < n; ++i)
        clients.emplace_back([&, i] {
            std::string text = "held " + std::to_string(i) + " #fake:delay_ms=" + std::to_string(hold_ms);
            ok += post_chat(port, chat_body("gpt-test", text)).status == 200;
            ++done;
        });
    while (done.load() < n && !watch(worker_threads(port)))
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    for (std::thread& t : clients) t.join();
    return ok.load();
}

TEST(EdgeWorkerThreadsTest, ThePoolGrowsWhileEveryWorkerIsBusy) {
    FakeUpstream fake;
    ASSERT_TRUE(fake.ok());
    GatewayProcess gw(fake_upstream_config(fake, "", "  max_threads: 64\n"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    EXPECT_LE(worker_threads(gw.port()), 5) << "idle, the pool holds its floor (and a thread the probe may have started)";
    constexpr int kHeld = 20;
    double most = 0;
    int ok = held_requests(gw.port(), kHeld, 3000, [&](double threads) {
        most = std::max(most, threads);
        return threads > kHeld;  // every held request has a worker, and /metrics one more
    });
    EXPECT_EQ(ok, kHeld);
    EXPECT_GT(most, kHeld);
    EXPECT_EQ(fake.requests(), kHeld);
}

TEST(EdgeWorkerThreadsTest, ThePoolNeverPassesMaxThreadsAndTheRestWait) {
    FakeUpstream fake;
    ASSERT_TRUE(fake.ok());
    GatewayProcess gw(fake_upstream_config(fake, "", "  max_threads: 6\n"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    constexpr int kHeld = 10;
    double most = 0;
    int ok = held_requests(gw.port(), kHeld, 800, [&](double threads) {
        most = std::max(most, threads);
        return false;  // watch until the end
    });
    EXPECT_EQ(ok, kHeld) << "requests beyond max_threads wait for a worker";
    EXPECT_EQ(most, 6);
    EXPECT_EQ(fake.requests(), kHeld);
}

}  // namespace
}  // namespace sy::test
