// The in-memory cache backend (LRU by bytes, TTL) and the stampede flights of ResponseCache.
#include <gtest/gtest.h>

#include <thread>

#include "cache/response_cache.hpp"

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

}  // namespace
}  // namespace sy::cache
