// Queueing when every deployment of a model is cooling down (routing.queue): requests wait for
// the deployment's cooldown to end (a 429's Retry-After included) and are released when its
// probe succeeds; a full queue and a wait that runs out answer 503 with Retry-After.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "reliability_support.hpp"

namespace sy::test {
namespace {

std::string queued_config(int port, const std::string& queue) {
    return config(provider("only", port), "  - {name: m, deployments: [{provider: only, model: x}]}\n",
                  "  queue: " + queue + "\n");
}

TEST(QueueTest, RequestsWaitOutARetryAfterAndAreReleasedWhenTheDeploymentRecovers) {
    int port = free_port();
    auto limited = std::make_unique<FakeUpstream>("--status 429 --port " + std::to_string(port));  // Retry-After: 1
    ASSERT_TRUE(limited->ok());
    GatewayProcess gw(queued_config(port, "{max_wait_ms: 5000}"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    // Taken before the 429: the cooldown starts after it, so no release can come sooner than 1 s
    // after this (a lower bound that holds however slow the machine is).
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(post_chat(gw.port(), chat("m")).status, 429) << "the 429 ejects the only deployment for 1 s";
    limited.reset();
    FakeUpstream healed("--port " + std::to_string(port));
    ASSERT_TRUE(healed.ok());
    // Four clients arrive while it cools down: they wait instead of failing.
    std::atomic<int> ok{0}, queued{0};
    std::vector<std::thread> clients;
    for (int i = 0; i < 4; ++i)
        clients.emplace_back([&] {
            HttpResponse r = post_chat(gw.port(), chat("m"));
            ok += r.status == 200;
            queued += r.header("x-switchyard-route").find("; queued") != std::string::npos;
        });
    for (auto& t : clients) t.join();
    EXPECT_EQ(ok.load(), 4);
    EXPECT_EQ(queued.load(), 4);
    EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(1000)) << "released after the Retry-After";
    EXPECT_EQ(metric(gw.port(), R"(switchyard_queued_total{outcome="released"})"), 4);
    EXPECT_EQ(metric(gw.port(), "switchyard_queue_waiting"), 0);
}

TEST(QueueTest, AWaitThatRunsOutAndAFullQueueAnswer503WithRetryAfter) {
    FakeUpstream down("--status 500");
    ASSERT_TRUE(down.ok());
    GatewayProcess gw(queued_config(down.port(), "{max_wait_ms: 300, max_length: 2, max_per_key: 2}"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    for (int i = 0; i < 2; ++i) EXPECT_EQ(post_chat(gw.port(), chat("m")).status, 502);  // ejected for 400 ms, then 800
    // Three at once: two places, so one is refused at once; the two others wait 300 ms in vain.
    // (The first cooldown may end while they wait; its probe fails and doubles it.)
    std::this_thread::sleep_for(std::chrono::milliseconds(450));
    EXPECT_EQ(post_chat(gw.port(), chat("m")).status, 502) << "the probe fails: ejected for 800 ms";
    std::atomic<int> timed_out{0}, full{0};
    std::vector<std::thread> clients;
    for (int i = 0; i < 3; ++i)
        clients.emplace_back([&] {
            HttpResponse r = post_chat(gw.port(), chat("m"));
            EXPECT_EQ(r.status, 503) << r.body;
            EXPECT_FALSE(r.header("retry-after").empty());
            timed_out += r.body.find("\"code\":\"no_deployment_available\"") != std::string::npos;
            full += r.body.find("\"code\":\"queue_full\"") != std::string::npos;
        });
    for (auto& t : clients) t.join();
    EXPECT_EQ(timed_out.load(), 2);
    EXPECT_EQ(full.load(), 1);
    EXPECT_EQ(requests_of(down), 3) << "queued requests never reached the cooling upstream";
}

}  // namespace
}  // namespace sy::test
