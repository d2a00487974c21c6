// The feedback ledger: take-once, expiry and the bound of the in-process table; the store
// ledger's background writes, the wait for them, and its bounded queue.
#include <gtest/gtest.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <switchyard/metrics.hpp>

#include "server/feedback_ledger.hpp"
#include "state/memory_store.hpp"

namespace sy::server {
namespace {

using Status = LedgerTake::Status;

// The value of one series in the registry's exposition (0 when absent).
double exposed(const std::string& series) {
    const std::string text = metrics::Registry::instance().render();
    size_t at = text.find("\n" + series + " ");
    return at == std::string::npos ? 0 : std::stod(text.substr(at + series.size() + 2));
}

std::string numbered(const char* prefix, int i) {
    std::string s(prefix);
    s += std::to_string(i);  // (operator+ on a literal trips GCC 12's false -Wrestrict)
    return s;
}

TEST(MemoryLedgerTest, ARecordIsTakenOnce) {
    auto ledger = memory_ledger(1000);
    EXPECT_EQ(ledger->keep("req-1", "record one", 60000), 0u) << "kept at once: nothing to await";
    LedgerTake t = ledger->take("req-1");
    EXPECT_EQ(t.status, Status::found);
    EXPECT_EQ(t.record, "record one");
    EXPECT_EQ(ledger->take("req-1").status, Status::missing);
    EXPECT_EQ(ledger->take("never-kept").status, Status::missing);
}

TEST(MemoryLedgerTest, AnExpiredRecordIsMissing) {
    auto ledger = memory_ledger(1000);
    ledger->keep("short", "r", 1);
    ledger->keep("long", "r", 60000);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(ledger->take("short").status, Status::missing);
    EXPECT_EQ(ledger->take("long").status, Status::found);
}

TEST(MemoryLedgerTest, TheTableKeepsAtMostItsBoundAndTheNewestRecords) {
    auto ledger = memory_ledger(1600);  // 100 per shard
    constexpr int kKept = 20000;
    const std::string evicted = R"(switchyard_feedback_records_dropped_total{reason="evicted"})";
    const double evicted_before = exposed(evicted);
    for (int i = 0; i < kKept; ++i) ledger->keep(numbered("req-", i), numbered("r", i), 60000);
    EXPECT_GE(exposed(evicted) - evicted_before, kKept - 1600) << "each record pushed out is counted";
    int found = 0, newest = 0;
    for (int i = 0; i < kKept; ++i) {
        LedgerTake t = ledger->take(numbered("req-", i));
        if (t.status != Status::found) continue;
        ++found;
        EXPECT_EQ(t.record, numbered("r", i));
        newest += i >= kKept - 1000;
    }
    EXPECT_LE(found, 1600);
    EXPECT_GE(found, 1000) << "each shard holds its share";
    EXPECT_GE(newest, 900) << "the oldest go first";
}

TEST(MemoryLedgerTest, KeepingAgainReplacesTheRecord) {
    auto ledger = memory_ledger(1000);
    ledger->keep("req", "first", 60000);
    ledger->keep("req", "second", 60000);  // a failed feedback puts its record back
    EXPECT_EQ(ledger->take("req").record, "second");
    EXPECT_EQ(ledger->take("req").status, Status::missing);
}

TEST(StoreLedgerTest, RecordsReachTheStoreAndAreTakenOnceFromIt) {
    auto store = std::make_shared<state::MemoryStore>();
    auto ledger = store_ledger(store, "sy", 1000);
    uint64_t ticket = ledger->keep("req-1", "record", 60000);
    EXPECT_NE(ticket, 0u);
    ledger->await(ticket);
    std::string argv[] = {"GET", "sy:fb:req-1"};
    EXPECT_EQ(store->command(argv).str, "record") << "written by the time await returns";
    LedgerTake t = ledger->take("req-1");
    EXPECT_EQ(t.status, Status::found);
    EXPECT_EQ(t.record, "record");
    EXPECT_EQ(ledger->take("req-1").status, Status::missing);
    EXPECT_EQ(store->command(argv).type, state::Reply::Type::nil);
}

// A store whose batches wait until the test lets them through.
class GatedStore final : public state::Store {
public:
    std::shared_ptr<state::MemoryStore> inner = std::make_shared<state::MemoryStore>();
    std::mutex mu;
    std::condition_variable cv;
    bool open = false;
    int batches = 0;

    state::Reply eval(const state::Script& s, std::span<const std::string> k, std::span<const std::string> a) override {
        return inner->eval(s, k, a);
    }
    std::vector<state::Reply> eval_many(const state::Script& s, std::span<const state::ScriptCall> calls) override {
        std::unique_lock lock(mu);
        ++batches;
        cv.notify_all();
        cv.wait(lock, [this] { return open; });
        lock.unlock();
        return inner->eval_many(s, calls);
    }
    state::Reply command(std::span<const std::string> argv) override { return inner->command(argv); }
    std::string_view kind() const override { return "redis"; }
    void let_through() {
        std::lock_guard lock(mu);
        open = true;
        cv.notify_all();
    }
    void await_batch() {
        std::unique_lock lock(mu);
        cv.wait(lock, [this] { return batches > 0; });
    }
};

TEST(StoreLedgerTest, ARecordNotYetWrittenIsTakenFromTheQueueAndNeverWritten) {
    auto store = std::make_shared<GatedStore>();
    auto ledger = store_ledger(store, "sy", 1000);
    ledger->keep("first", "one", 60000);
    store->await_batch();  // the writer holds "first"
    uint64_t second = ledger->keep("second", "two", 60000);
    LedgerTake t = ledger->take("second");
    EXPECT_EQ(t.status, Status::found);
    EXPECT_EQ(t.record, "two");
    store->let_through();
    ledger->await(second);  // its ticket still counts as done
    std::string argv[] = {"GET", "sy:fb:second"};
    EXPECT_EQ(store->command(argv).type, state::Reply::Type::nil) << "a taken record is not written";
    std::string first[] = {"GET", "sy:fb:first"};
    EXPECT_EQ(store->command(first).str, "one");
}

TEST(StoreLedgerTest, AFullQueueDropsTheRecordWithoutWaiting) {
    auto store = std::make_shared<GatedStore>();
    auto ledger = store_ledger(store, "sy", 2);
    ledger->keep("held", "r", 60000);
    store->await_batch();
    EXPECT_NE(ledger->keep("q1", "r", 60000), 0u);
    EXPECT_NE(ledger->keep("q2", "r", 60000), 0u);
    EXPECT_EQ(ledger->keep("dropped", "r", 60000), 0u) << "no ticket: nothing to wait for";
    store->let_through();
    ledger.reset();  // writes what was queued, then stops
    std::string q2[] = {"GET", "sy:fb:q2"};
    EXPECT_EQ(store->command(q2).str, "r");
    std::string dropped[] = {"GET", "sy:fb:dropped"};
    EXPECT_EQ(store->command(dropped).type, state::Reply::Type::nil);
}

}  // namespace
}  // namespace sy::server
