// The Redis store behind Sentinel: the primary's address comes from the sentinels, and when the
// primary dies and a replica is promoted, the store follows it; budgets stay exact.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "state/limiter.hpp"
#include "state/redis_store.hpp"
#include "support/servers.hpp"

namespace sy::state {
namespace {

constexpr int64_t kCost = 1000;

TEST(SentinelTest, FollowsTheFailoverAndKeepsTheBudgetExact) {
    test::RedisSentinelGroup group;
    ASSERT_TRUE(group.ok()) << group.log();
    RedisOptions o;
    o.sentinels = group.sentinels();
    o.sentinel_master = "mymaster";
    o.connect_timeout_ms = 100;
    o.command_timeout_ms = 200;
    LimiterOptions lo;
    lo.on_failure = config::OnStoreFailure::closed;
    Limiter limiter(std::make_shared<RedisStore>(o), lo);
    Principal p;
    p.group = "t:sentinel";
    config::LimitsConfig budget;
    budget.budget_nano_usd = 100 * kCost;
    p.levels.push_back({"team:sentinel", "team", "sentinel", budget});
    p.ledger_field = "k|m";

    for (int i = 0; i < 20; ++i) {
        Admission a = limiter.admit(p, kCost, 1);
        ASSERT_EQ(a.result, Admission::Result::admitted);
        limiter.settle(p, a, kCost, 1);
    }
    // Replication is asynchronous: let the replica catch up before the crash, so that what the
    // test counts was not lost with the primary (Redis's own limit, see docs/operations.md).
    auto offset = [](test::RedisServer& r) {
        std::string info = r.cli("INFO replication");
        size_t at = info.find("master_repl_offset:");
        return at == std::string::npos ? -1LL : std::stoll(info.substr(at + 19));
    };
    auto caught_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (offset(group.replica()) < offset(group.primary()) && std::chrono::steady_clock::now() < caught_up)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    group.primary().kill();
    int admitted = 0, unavailable = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (admitted < 80 && std::chrono::steady_clock::now() < deadline) {
        Admission a = limiter.admit(p, kCost, 1);
        if (a.result == Admission::Result::admitted) {
            ++admitted;
            limiter.settle(p, a, kCost, 1);
        } else if (a.result == Admission::Result::unavailable) {
            ++unavailable;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        } else {
            ADD_FAILURE() << "refused before the budget was spent: " << a.kind;
            break;
        }
    }
    EXPECT_GT(unavailable, 0);
    EXPECT_EQ(admitted, 80) << "the replica was promoted and found through the sentinels";
    EXPECT_EQ(group.primary_port(), group.replica().port());
    EXPECT_EQ(limiter.admit(p, kCost, 1).result, Admission::Result::rejected) << "20 + 80 spent: exact";
}

}  // namespace
}  // namespace sy::state
