// Budgets and limits on a real three-primary Redis Cluster (with replicas), used by two
// "instances" (two limiters, each with its own cluster client): exact across slots, through a
// primary's failover, and while a slot migrates to another primary.
#include <gtest/gtest.h>

#include <regex>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "state/cluster_slots.hpp"
#include "state/limiter.hpp"
#include "state/redis_cluster_store.hpp"
#include "state_configs.hpp"
#include "support/servers.hpp"

namespace sy::state {
namespace {

constexpr int64_t kCost = 1000;

config::LimitsConfig budget_of(int requests) {
    config::LimitsConfig l;
    l.budget_nano_usd = requests * kCost;
    l.max_concurrent = 1000;
    return l;
}

Principal team(const std::string& name, int requests) {
    Principal p;
    p.group = "t:" + name;
    p.levels.push_back({"team:" + name, "team", name, budget_of(requests)});
    p.ledger_field = name + "|m";
    return p;
}

int slot_of(const Principal& p) { return key_slot("sy:{" + p.group + "}:rx"); }

class ClusterTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(cluster_.ok()) << "the redis cluster did not form: " << cluster_.log(); }

    std::unique_ptr<Limiter> instance() {
        RedisOptions o;
        o.connect_timeout_ms = 100;
        o.command_timeout_ms = 200;
        LimiterOptions lo;
        lo.on_failure = config::OnStoreFailure::closed;  // an outage shows as unavailable, never as a free pass
        return std::make_unique<Limiter>(std::make_shared<RedisClusterStore>(
                                             std::vector<std::string>{cluster_.seed()}, o), lo);
    }

    test::RedisClusterProcess cluster_;
};

TEST_F(ClusterTest, BudgetsAreExactForGroupsOnEveryPrimary) {
    auto a = instance(), b = instance();
    std::vector<Principal> teams;
    std::set<int> primaries;
    for (int i = 0; i < 12; ++i) {
        teams.push_back(team("c" + std::to_string(i), 20));
        primaries.insert(cluster_.primary_for(slot_of(teams.back())));
    }
    EXPECT_EQ(primaries.size(), 3u) << "the groups should spread over all three primaries";
    std::atomic<int> admitted[12] = {};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&, t] {
            Limiter& l = t % 2 ? *a : *b;
            for (int round = 0; round < 10; ++round)
                for (size_t g = 0; g < teams.size(); ++g)
                    if (l.admit(teams[g], kCost, 1).result == Admission::Result::admitted) ++admitted[g];
        });
    for (auto& t : threads) t.join();
    for (size_t g = 0; g < teams.size(); ++g) {
        EXPECT_EQ(admitted[g].load(), 20) << teams[g].group;
        EXPECT_EQ(a->outstanding(teams[g].group), 20);
    }
}

// Waits (up to 10 s) until the first replica's offset reaches the primary's replication offset.
void wait_replicated(sy::test::RedisServer& primary) {
    for (int i = 0; i < 500; ++i) {
        std::string info = primary.cli("INFO replication");
        std::smatch master, replica;
        if (std::regex_search(info, master, std::regex("master_repl_offset:(\\d+)")) &&
            std::regex_search(info, replica, std::regex("slave0:[^\\r\\n]*offset=(\\d+)")) && master[1] == replica[1])
            return;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "the replica did not catch up: " << primary.cli("INFO replication");
}

TEST_F(ClusterTest, BudgetStaysExactThroughAPrimaryFailover) {
    auto a = instance(), b = instance();
    Principal p = team("failover", 100);
    for (int i = 0; i < 30; ++i) {
        Limiter& l = i % 2 ? *a : *b;
        Admission adm = l.admit(p, kCost, 1);
        ASSERT_EQ(adm.result, Admission::Result::admitted);
        l.settle(p, adm, kCost, 1);
    }
    int primary = cluster_.primary_for(slot_of(p));
    ASSERT_GE(primary, 0);
    // Replication is asynchronous (see docs/operations.md): wait until the replica has what the
    // primary has, so that what the test counts was not lost with the primary.
    wait_replicated(cluster_.node(static_cast<size_t>(primary)));
    cluster_.node(static_cast<size_t>(primary)).kill();
    // Keep asking through the failover: refused while no primary serves the slot, then admitted.
    int admitted = 0, unavailable = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (admitted < 70 && std::chrono::steady_clock::now() < deadline) {
        Limiter& l = admitted % 2 ? *a : *b;
        Admission adm = l.admit(p, kCost, 1);
        if (adm.result == Admission::Result::admitted) {
            ++admitted;
            l.settle(p, adm, kCost, 1);
        } else if (adm.result == Admission::Result::unavailable) {
            ++unavailable;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        } else {
            ADD_FAILURE() << "rejected before the budget was spent: " << adm.kind;
            break;
        }
    }
    EXPECT_GT(unavailable, 0) << "the primary was down for a while";
    EXPECT_EQ(admitted, 70) << "a replica took over the slot: "
                            << cluster_.node(static_cast<size_t>((primary + 1) % 6)).cli("CLUSTER NODES");
    EXPECT_NE(cluster_.primary_for(slot_of(p)), primary);
    EXPECT_EQ(a->admit(p, kCost, 1).result, Admission::Result::rejected) << "30 + 70 spent: the budget is exact";
    auto state = b->read(p);
    ASSERT_TRUE(state);
    EXPECT_EQ((*state)[0].spent_nano, 100 * kCost);
}

TEST_F(ClusterTest, BudgetStaysExactWhileItsSlotMigrates) {
    auto a = instance(), b = instance();
    Principal p = team("migrating", 400);
    int slot = slot_of(p);
    int from = cluster_.primary_for(slot);
    ASSERT_GE(from, 0);
    int to = -1;
    for (size_t i = 0; i < cluster_.size() && to < 0; ++i) {
        int owner_of_other = cluster_.primary_for(static_cast<int>((slot + 5461 * (i + 1)) % 16384));
        if (owner_of_other >= 0 && owner_of_other != from) to = owner_of_other;
    }
    ASSERT_GE(to, 0);
    std::atomic<bool> stop{false};
    std::atomic<int> admitted{0}, rejected{0}, unavailable{0};
    std::vector<std::thread> load;
    for (int t = 0; t < 4; ++t)
        load.emplace_back([&, t] {
            Limiter& l = t % 2 ? *a : *b;
            while (!stop) {
                Admission adm = l.admit(p, kCost, 1);
                if (adm.result == Admission::Result::admitted) {
                    ++admitted;
                    l.settle(p, adm, kCost, 1);
                } else if (adm.result == Admission::Result::rejected) {
                    ++rejected;
                } else {
                    ++unavailable;
                }
            }
        });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    bool migrated = cluster_.migrate_slot(slot, static_cast<size_t>(from), static_cast<size_t>(to));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop = true;
    for (auto& t : load) t.join();
    ASSERT_TRUE(migrated);
    EXPECT_EQ(cluster_.primary_for(slot), to);
    // Whatever was admitted before, during and after the move was charged exactly once.
    auto state = a->read(p);
    ASSERT_TRUE(state);
    EXPECT_EQ((*state)[0].spent_nano, admitted.load() * kCost);
    EXPECT_LE(admitted.load(), 400);
    if (admitted.load() < 400) {
        EXPECT_EQ(rejected.load(), 0) << "nothing is refused for budget before it is spent";
    }
}

TEST_F(ClusterTest, GatewayInstancesShareLimitsThroughTheCluster) {
    test::FakeUpstream fake;
    test::StateSetup s;
    s.cluster = true;
    s.on_failure = "closed";
    s.key_limits = "{rpm: 12}";
    int seed_port = std::stoi(cluster_.seed().substr(cluster_.seed().rfind(':') + 1));
    test::GatewayProcess a(test::state_config(fake, seed_port, s)), b(test::state_config(fake, seed_port, s));
    ASSERT_TRUE(a.ok()) << a.log();
    ASSERT_TRUE(b.ok()) << b.log();
    int ok = 0, limited = 0;
    for (int i = 0; i < 20; ++i) {
        test::HttpResponse r = test::post_chat(i % 2 ? a.port() : b.port(), test::small_chat(), test::bearer("sk-app"));
        ok += r.status == 200;
        limited += r.status == 429;
    }
    EXPECT_EQ(ok, 12);
    EXPECT_EQ(limited, 8);
}

}  // namespace
}  // namespace sy::state
