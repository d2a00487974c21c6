// Redis trouble never stalls traffic: killed or frozen mid-load, requests keep flowing in the
// configured degraded mode without waiting longer than the store timeouts, and the spend made
// meanwhile reaches Redis once it is back.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "state_configs.hpp"

namespace sy::test {
namespace {

int64_t ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
}

// Sends requests from 4 threads until stop; records statuses and the slowest answer.
struct Load {
    std::atomic<bool> stop{false};
    std::atomic<int> ok{0}, unavailable{0}, other{0};
    std::atomic<int64_t> slowest_ms{0};
    std::vector<std::thread> threads;

    void start(int port) {
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([this, port] {
                while (!stop) {
                    auto t0 = std::chrono::steady_clock::now();
                    HttpResponse r = post_chat(port, small_chat(), bearer("sk-app"));
                    int64_t took = ms_since(t0);
                    if (took > slowest_ms) slowest_ms = took;
                    if (r.status == 200) ++ok;
                    else if (r.status == 503) ++unavailable;
                    else ++other;
                }
            });
    }
    void finish() {
        stop = true;
        for (auto& t : threads) t.join();
    }
};

template <class Pred>
bool eventually(Pred pred, int timeout_ms = 10000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!pred()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return true;
}

double spent_usd(int port) {
    HttpClient c(port);
    std::string body = c.request("GET", "/admin/spend", "", bearer(kAdminKey)).body;
    size_t at = body.find("\"total_usd\":");
    return at == std::string::npos ? -1 : std::stod(body.substr(at + 12));
}

TEST(StoreOutageTest, KilledRedisKeepsTrafficFlowingInOpenModeAndSpendIsReplayed) {
    RedisServer redis;
    FakeUpstream fake;
    StateSetup s;
    s.store_timeout_ms = 50;
    s.key_limits = "{budget_usd: 1000, rpm: 100000}";
    GatewayProcess gw(state_config(fake, redis.port(), s));
    ASSERT_TRUE(gw.ok()) << gw.log();
    Load load;
    load.start(gw.port());
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    redis.kill();
    int before = load.ok;
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    int during = load.ok - before;
    HttpClient probe(gw.port());
    HttpResponse ready = probe.request("GET", "/readyz");
    EXPECT_EQ(ready.status, 200);
    EXPECT_NE(ready.body.find("degraded"), std::string::npos) << ready.body;
    HttpResponse r = post_chat(gw.port(), small_chat(), bearer("sk-app"));
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(r.header("x-ratelimit-limit-requests").empty()) << "limits are not enforced while open";
    ASSERT_TRUE(redis.start());
    load.finish();
    EXPECT_GT(during, 20) << "traffic kept flowing while redis was down";
    EXPECT_EQ(load.other.load(), 0);
    EXPECT_EQ(load.unavailable.load(), 0);
    EXPECT_LT(load.slowest_ms.load(), 1000) << "no request waited long on the dead store";
    // The new (empty) redis receives the spend made while it was down.
    EXPECT_TRUE(eventually([&] { return spent_usd(gw.port()) > 0; })) << gw.log();
    EXPECT_TRUE(eventually([&] {
        return !post_chat(gw.port(), small_chat(), bearer("sk-app")).header("x-ratelimit-limit-requests").empty();
    })) << "shared enforcement resumes";
}

TEST(StoreOutageTest, FrozenRedisInClosedModeAnswers503FastAndRecovers) {
    RedisServer redis;
    FakeUpstream fake;
    StateSetup s;
    s.store_timeout_ms = 50;
    s.on_failure = "closed";
    s.key_limits = "{budget_usd: 1000}";
    GatewayProcess gw(state_config(fake, redis.port(), s));
    ASSERT_TRUE(gw.ok()) << gw.log();
    ASSERT_EQ(post_chat(gw.port(), small_chat(), bearer("sk-app")).status, 200);
    redis.freeze();
    Load load;
    load.start(gw.port());
    std::this_thread::sleep_for(std::chrono::milliseconds(800));
    HttpClient probe(gw.port());
    EXPECT_EQ(probe.request("GET", "/readyz").status, 503);
    load.finish();
    redis.thaw();
    EXPECT_GT(load.unavailable.load(), 20);
    EXPECT_EQ(load.other.load(), 0);
    EXPECT_LT(load.slowest_ms.load(), 500) << "a frozen store costs at most its timeouts";
    EXPECT_TRUE(eventually([&] { return post_chat(gw.port(), small_chat(), bearer("sk-app")).status == 200; }));
    HttpClient again(gw.port());
    EXPECT_EQ(again.request("GET", "/readyz").status, 200);
}

TEST(StoreOutageTest, LocalModeEnforcesAShareOfTheLimitWhileRedisIsDown) {
    RedisServer redis;
    FakeUpstream fake;
    StateSetup s;
    s.store_timeout_ms = 50;
    s.on_failure = "local";
    s.key_limits = "{rpm: 20}";
    s.local_share = "0.5";
    GatewayProcess gw(state_config(fake, redis.port(), s));
    ASSERT_TRUE(gw.ok()) << gw.log();
    redis.kill();
    int ok = 0, limited = 0;
    for (int i = 0; i < 20; ++i) {
        int st = post_chat(gw.port(), small_chat(), bearer("sk-app")).status;
        ok += st == 200;
        limited += st == 429;
    }
    EXPECT_EQ(ok, 10) << "half of 20 requests per minute on this instance";
    EXPECT_EQ(limited, 10);
}

}  // namespace
}  // namespace sy::test
