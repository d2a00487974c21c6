// The in-memory cache backend (LRU by bytes, TTL) and the stampede flights of ResponseCache.
#include <gtest/gtest.h>

#include <thread>

#include "cache/response_cache.hpp"
#include "state/memory_store.hpp"

namespace sy::cache {
namespace {

TEST(MemoryBackendTest, EvictsTheLeastRecentlyUsedBeyondItsSize) {
    MemoryBackend b(300);
    std::string hundred(97, 'x');  // with its 3-byte key: 100 bytes
    b.put("k1", hundred, 60);
    b.put("k2", hundred, 60);
    b.put("k3", hundred, 60);
    ASSERT_TRUE(b.get("k1"));  // k1 is now the most recently used
    b.put("k4", hundred, 60);  // over 300 bytes: k2 goes
    EXPECT_FALSE(b.get("k2"));
    EXPECT_TRUE(b.get("k1"));
    EXPECT_TRUE(b.get("k3"));
    EXPECT_TRUE(b.get("k4"));
    EXPECT_LE(b.bytes(), 300);
    b.put("k4", "short", 60);  // replacing an entry frees its old size
    EXPECT_EQ(*b.get("k4"), "short");
}

TEST(MemoryBackendTest, EntriesExpire) {
    MemoryBackend b(1 << 20);
    b.put("k", "v", 1);
    EXPECT_TRUE(b.get("k"));
    std::this_thread::sleep_for(std::chrono::milliseconds(1050));
    EXPECT_FALSE(b.get("k"));
    EXPECT_EQ(b.bytes(), 0);
}

TEST(ResponseCacheTest, AWaiterGetsTheFillersAnswerAndAFailedFillReleasesIt) {
    config::CacheConfig cfg;
    cfg.stampede_wait_ms = 5000;
    ResponseCache cache(cfg, std::make_unique<MemoryBackend>(1 << 20));
    auto filler = std::make_unique<ResponseCache::Ticket>(cache.lookup("k", -1));
    ASSERT_FALSE(filler->hit);
    std::optional<std::string> waited;
    std::thread waiter([&] { waited = cache.lookup("k", -1).hit; });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    filler->fill("answer");
    waiter.join();
    EXPECT_EQ(waited, "answer");
    EXPECT_EQ(cache.lookup("k", -1).hit, "answer");

    auto failing = std::make_unique<ResponseCache::Ticket>(cache.lookup("other", -1));
    std::optional<std::string> nothing = "unset";
    std::thread second([&] { nothing = cache.lookup("other", -1).hit; });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    failing.reset();  // the filler's upstream call failed: no answer
    second.join();
    EXPECT_FALSE(nothing) << "released without an answer, not after the full wait";
}

TEST(ResponseCacheTest, KeepsNoAnswerAboveTheEntryLimit) {
    config::CacheConfig cfg;
    cfg.max_entry_bytes = 10;
    ResponseCache cache(cfg, std::make_unique<MemoryBackend>(1 << 20));
    cache.lookup("k", -1).fill(std::string(11, 'x'));
    EXPECT_FALSE(cache.lookup("k", -1).hit);
}


// Two instances sharing one store: the second's filler finds the first's fill lock and polls
// for its answer; when the first fails and releases the lock, the second takes it over.
TEST(ResponseCacheTest, AnInstanceWaitsForTheFillOfAnotherSharingTheStore) {
    config::CacheConfig cfg;
    cfg.stampede_wait_ms = 5000;
    auto store = std::make_shared<state::MemoryStore>();
    ResponseCache one(cfg, std::make_unique<StoreBackend>(store, "sy")), two(cfg, std::make_unique<StoreBackend>(store, "sy"));
    auto filler = std::make_unique<ResponseCache::Ticket>(one.lookup("k", -1));
    ASSERT_FALSE(filler->hit);
    EXPECT_EQ(store->command(std::vector<std::string>{"EXISTS", "sy:cache:k:fill"}).integer, 1);
    std::optional<std::string> waited;
    std::thread other([&] { waited = two.lookup("k", -1).hit; });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    filler->fill("answer");
    other.join();
    EXPECT_EQ(waited, "answer");
    EXPECT_EQ(store->command(std::vector<std::string>{"EXISTS", "sy:cache:k:fill"}).integer, 0) << "released";

    auto failing = std::make_unique<ResponseCache::Ticket>(one.lookup("k2", -1));
    std::unique_ptr<ResponseCache::Ticket> taken_over;
    std::thread second([&] { taken_over = std::make_unique<ResponseCache::Ticket>(two.lookup("k2", -1)); });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    failing.reset();  // the first instance's upstream call failed
    second.join();
    EXPECT_FALSE(taken_over->hit) << "no answer: the second instance fills";
    EXPECT_EQ(store->command(std::vector<std::string>{"EXISTS", "sy:cache:k2:fill"}).integer, 1) << "under its lock";
    taken_over->fill("second");
    EXPECT_EQ(one.lookup("k2", -1).hit, "second");
}

TEST(StoreBackendTest, OnlyTheHolderOfTheFillLockReleasesIt) {
    auto store = std::make_shared<state::MemoryStore>();
    StoreBackend b(store, "sy");
    EXPECT_EQ(b.lock_fill("k", "mine", 5000), Backend::Lock::taken);
    EXPECT_EQ(b.lock_fill("k", "theirs", 5000), Backend::Lock::held_elsewhere);
    b.unlock_fill("k", "theirs");
    EXPECT_EQ(b.lock_fill("k", "theirs", 5000), Backend::Lock::held_elsewhere) << "not its lock to release";
    b.unlock_fill("k", "mine");
    EXPECT_EQ(b.lock_fill("k", "theirs", 5000), Backend::Lock::taken);
    EXPECT_GT(store->command(std::vector<std::string>{"PTTL", "sy:cache:k:fill"}).integer, 4000) << "bounded by the wait";
}

}  // namespace
}  // namespace sy::cache
