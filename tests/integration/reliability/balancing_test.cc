// Balancing strategies over real sockets against fake upstreams: round robin, least in flight,
// priority with spill-over, per-deployment rpm capacity, lowest cost (with the deployment's own
// prices charged), lowest latency, session affinity, and per-deployment timeouts.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "reliability_support.hpp"

namespace sy::test {
namespace {

TEST(BalancingTest, RoundRobinAndLeastInFlight) {
    FakeUpstream a, b, c, slow("--delay-ms 300");
    ASSERT_TRUE(a.ok() && b.ok() && c.ok() && slow.ok());
    GatewayProcess gw(config(provider("a", a.port()) + provider("b", b.port()) + provider("c", c.port()) +
                                 provider("slow", slow.port()),
                             "  - {name: rr, balancing: round_robin, deployments: [{provider: a, model: x}, {provider: b, model: x}, {provider: c, model: x}]}\n"
                             "  - {name: lif, balancing: least_inflight, deployments: [{provider: slow, model: y}, {provider: a, model: y}]}\n"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    for (int i = 0; i < 9; ++i) ASSERT_EQ(post_chat(gw.port(), chat("rr")).status, 200);
    EXPECT_EQ(requests_of(a), 3);
    EXPECT_EQ(requests_of(b), 3);
    EXPECT_EQ(requests_of(c), 3);
    // Eight clients for about a second: the slow deployment holds its requests, so it rarely has
    // the fewest in flight.
    std::atomic<int> done{0};
    std::vector<std::thread> clients;
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(1000);
    for (int t = 0; t < 8; ++t)
        clients.emplace_back([&] {
            while (std::chrono::steady_clock::now() < until)
                if (post_chat(gw.port(), chat("lif")).status == 200) ++done;
        });
    for (auto& t : clients) t.join();
    ASSERT_GT(done.load(), 50);
    EXPECT_LT(requests_of(slow), done.load() / 5) << requests_of(slow) << " of " << done.load();
}

TEST(BalancingTest, PriorityPrefersTheFirstGroupAndSpillsOverWhenItIsEjectedOrFull) {
    int main_port = free_port();
    auto main = std::make_unique<FakeUpstream>("--port " + std::to_string(main_port));
    FakeUpstream spare, capped, overflow;
    ASSERT_TRUE(main->ok() && spare.ok() && capped.ok() && overflow.ok());
    GatewayProcess gw(config(provider("main", main_port) + provider("spare", spare.port()) +
                                 provider("capped", capped.port()) + provider("overflow", overflow.port()),
                             "  - {name: p, balancing: priority, deployments: [{provider: spare, model: x, priority: 1}, "
                             "{provider: main, model: x, priority: 0}]}\n"
                             "  - {name: c, balancing: priority, deployments: [{provider: capped, model: y, rpm: 5}, "
                             "{provider: overflow, model: y, priority: 1}]}\n"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    for (int i = 0; i < 10; ++i) ASSERT_EQ(post_chat(gw.port(), chat("p")).header("x-switchyard-provider"), "main");
    EXPECT_EQ(requests_of(spare), 0);
    // The preferred deployment goes away: traffic spills to the next group with no client error.
    main.reset();
    for (int i = 0; i < 10; ++i) {
        HttpResponse r = post_chat(gw.port(), chat("p"));
        ASSERT_EQ(r.status, 200) << r.body;
        EXPECT_EQ(r.header("x-switchyard-provider"), "spare");
    }
    // rpm: 5 takes five requests a minute; the rest go to the next group.
    std::map<std::string, int> served;
    for (int i = 0; i < 12; ++i) ++served[post_chat(gw.port(), chat("c")).header("x-switchyard-provider")];
    EXPECT_EQ(served["capped"], 5);
    EXPECT_EQ(served["overflow"], 7);
}

TEST(BalancingTest, LowestCostSendsToTheCheapestDeploymentAndChargesItsPrices) {
    FakeUpstream paid, free_box;
    ASSERT_TRUE(paid.ok() && free_box.ok());
    GatewayProcess gw(config(provider("paid", paid.port()) + provider("box", free_box.port()),
                             "  - {name: m, balancing: lowest_cost, input_price_per_mtok: 3, output_price_per_mtok: 15,\n"
                             "     deployments: [{provider: paid, model: x, weight: 9},\n"
                             "                   {provider: box, model: x, input_price_per_mtok: 0, output_price_per_mtok: 0}]}\n"
                             "  - {name: n, input_price_per_mtok: 3, output_price_per_mtok: 15,\n"
                             "     deployments: [{provider: box, model: y, input_price_per_mtok: 1, output_price_per_mtok: 1}]}\n"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    for (int i = 0; i < 10; ++i) ASSERT_EQ(post_chat(gw.port(), chat("m")).header("x-switchyard-provider"), "box");
    EXPECT_EQ(requests_of(paid), 0) << "weight does not outweigh price";
    ASSERT_EQ(post_chat(gw.port(), chat("n")).status, 200);
    // Counters of a request are updated after its answer: wait for the last one's.
    ASSERT_EQ(await_metric(gw.port(), R"(switchyard_requests_total{model="n",provider="box",status_class="2xx"})", 1), 1);
    EXPECT_EQ(metric(gw.port(), R"(switchyard_cost_usd_total{model="m",provider="box"})"), 0);
    // The fake answers every request with usage; at 1 USD/Mtok both ways the cost is tokens / 1e6.
    double cost_n = metric(gw.port(), R"(switchyard_cost_usd_total{model="n",provider="box"})");
    EXPECT_GT(cost_n, 0);
    EXPECT_LT(cost_n, 1e-3) << "charged at the deployment's 1 USD/Mtok, not the model's 3 and 15";
}

TEST(BalancingTest, LowestLatencyMovesTrafficToTheFasterDeployment) {
    FakeUpstream fast, slow("--delay-ms 120");
    ASSERT_TRUE(fast.ok() && slow.ok());
    GatewayProcess gw(config(provider("fast", fast.port()) + provider("slow", slow.port()),
                             "  - {name: m, balancing: lowest_latency, deployments: [{provider: slow, model: x}, "
                             "{provider: fast, model: x}]}\n"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    std::map<std::string, int> served;
    for (int i = 0; i < 60; ++i) ++served[post_chat(gw.port(), chat("m")).header("x-switchyard-provider")];
    EXPECT_GE(served["slow"], 1) << "an unmeasured deployment is tried";
    EXPECT_GE(served["fast"], 50) << served["slow"] << " went to the slow one";
}

TEST(BalancingTest, AffinityKeepsASessionOnOneDeploymentAndSpreadsSessions) {
    FakeUpstream a, b, c;
    ASSERT_TRUE(a.ok() && b.ok() && c.ok());
    GatewayProcess gw(config(provider("a", a.port()) + provider("b", b.port()) + provider("c", c.port()),
                             "  - {name: m, balancing: affinity, deployments: [{provider: a, model: x}, "
                             "{provider: b, model: x}, {provider: c, model: x}]}\n"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    std::map<std::string, std::string> home;
    std::set<std::string> used;
    for (int round = 0; round < 3; ++round)
        for (int s = 0; s < 30; ++s) {
            std::string session = "session-" + std::to_string(s);
            std::string served = post_chat(gw.port(), chat("m"), {{"x-session-id", session}}).header("x-switchyard-provider");
            ASSERT_FALSE(served.empty());
            if (round == 0) home[session] = served;
            EXPECT_EQ(served, home[session]) << session << " moved in round " << round;
            used.insert(served);
        }
    EXPECT_EQ(used.size(), 3u) << "30 sessions spread over all three deployments";
    // Without the header, the `user` field is the key.
    std::string body = R"({"model": "m", "user": "alice", "messages": [{"role": "user", "content": "hi"}]})";
    std::string first = post_chat(gw.port(), body).header("x-switchyard-provider");
    for (int i = 0; i < 5; ++i) EXPECT_EQ(post_chat(gw.port(), body).header("x-switchyard-provider"), first);
}

TEST(BalancingTest, ADeploymentsOwnFirstByteTimeoutCutsItSooner) {
    FakeUpstream stuck("--delay-ms 3000"), good;
    ASSERT_TRUE(stuck.ok() && good.ok());
    // The provider waits 5 s for a first byte; the deployment only 200 ms.
    GatewayProcess gw(config(provider("stuck", stuck.port()) + provider("good", good.port()),
                             "  - {name: m, balancing: priority, deployments: [{provider: stuck, model: x, timeouts: {first_byte_ms: 200}}, "
                             "{provider: good, model: x, priority: 1}]}\n"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    auto t0 = std::chrono::steady_clock::now();
    HttpResponse r = post_chat(gw.port(), chat("m"));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("x-switchyard-route"), "model; retry good after 504");
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(2500));
}

}  // namespace
}  // namespace sy::test
