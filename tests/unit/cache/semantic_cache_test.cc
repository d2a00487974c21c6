// The semantic cache's stores: the nearest entry of a bucket above the threshold, buckets kept
// apart, the per-bucket cap (oldest first), the global LRU bound and expiry, in memory and in
// the state store (here the in-process one, which runs the same script as Redis).
#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "cache/semantic_memory.hpp"
#include "cache/semantic_store.hpp"
#include "state/memory_store.hpp"

namespace sy::cache {
namespace {

// A unit vector in the plane of axes 0 and 1 at `degrees` from axis 0: cos(angle) is the
// similarity of two such vectors, so tests choose similarities exactly.
std::vector<float> at(double degrees, size_t dim = 8) {
    std::vector<float> v(dim, 0.f);
    v[0] = static_cast<float>(std::cos(degrees * M_PI / 180));
    v[1] = static_cast<float>(std::sin(degrees * M_PI / 180));
    return v;
}

TEST(SimilarityTest, IsTheCosineOfUnitVectors) {
    std::vector<float> a{3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0}, b(11, 0.f);
    ASSERT_TRUE(normalise(a));
    EXPECT_NEAR(a[0], 0.6, 1e-6);
    EXPECT_NEAR(similarity(a, a), 1.0, 1e-6);
    b[1] = 1;
    EXPECT_NEAR(similarity(a, b), 0.8, 1e-6);
    EXPECT_NEAR(similarity(at(0), at(60)), 0.5, 1e-6);
    EXPECT_EQ(similarity(at(0, 8), at(0, 16)), 0) << "another dimension never matches";
    std::vector<float> zero(4, 0.f);
    EXPECT_FALSE(normalise(zero));
}

// The same behaviour from both stores.
void nearest_above_the_threshold(SemanticBackend& b) {
    b.put("bucket", at(0), "zero", 60);
    b.put("bucket", at(40), "forty", 60);
    b.put("other", at(10), "other bucket", 60);
    auto m = b.nearest("bucket", at(8), 0.95);  // cos 8° = 0.990 to "zero", cos 32° = 0.848 to "forty"
    ASSERT_TRUE(m);
    EXPECT_EQ(m->answer, "zero");
    EXPECT_NEAR(m->similarity, std::cos(8 * M_PI / 180), 1e-5);
    m = b.nearest("bucket", at(35), 0.95);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->answer, "forty");
    EXPECT_FALSE(b.nearest("bucket", at(20), 0.95)) << "cos 20° = 0.9397 to both: below the threshold";
    EXPECT_TRUE(b.nearest("bucket", at(20), 0.93));
    EXPECT_FALSE(b.nearest("nobody", at(0), 0.5));
    EXPECT_EQ(b.nearest("other", at(10), 0.99)->answer, "other bucket");
}

void keeps_the_newest_of_a_full_bucket(SemanticBackend& b) {  // built with max_bucket_entries 3
    for (int i = 0; i < 4; ++i) b.put("bucket", at(30.0 * i), std::to_string(i), 60);
    EXPECT_FALSE(b.nearest("bucket", at(0), 0.99)) << "the oldest went";
    for (int i = 1; i < 4; ++i) EXPECT_EQ(b.nearest("bucket", at(30.0 * i), 0.99)->answer, std::to_string(i));
}

void entries_expire(SemanticBackend& b) {
    b.put("bucket", at(0), "short", 1);
    b.put("bucket", at(90), "long", 60);
    EXPECT_TRUE(b.nearest("bucket", at(0), 0.99));
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    EXPECT_FALSE(b.nearest("bucket", at(0), 0.99));
    EXPECT_TRUE(b.nearest("bucket", at(90), 0.99));
}

TEST(SemanticMemoryTest, FindsTheNearestEntryAboveTheThreshold) {
    SemanticMemory b(100, 10);
    nearest_above_the_threshold(b);
}

TEST(SemanticMemoryTest, KeepsTheNewestOfAFullBucket) {
    SemanticMemory b(100, 3);
    keeps_the_newest_of_a_full_bucket(b);
    EXPECT_EQ(b.size(), 3u);
}

TEST(SemanticMemoryTest, EvictsTheLeastRecentlyUsedBeyondMaxEntries) {
    SemanticMemory b(3, 10);
    b.put("b1", at(0), "one", 60);
    b.put("b2", at(0), "two", 60);
    b.put("b3", at(0), "three", 60);
    ASSERT_TRUE(b.nearest("b1", at(0), 0.99));  // b1's entry is now the most recently used
    b.put("b4", at(0), "four", 60);
    EXPECT_EQ(b.size(), 3u);
    EXPECT_FALSE(b.nearest("b2", at(0), 0.99));
    EXPECT_TRUE(b.nearest("b1", at(0), 0.99));
    EXPECT_TRUE(b.nearest("b3", at(0), 0.99));
    EXPECT_TRUE(b.nearest("b4", at(0), 0.99));
}

TEST(SemanticMemoryTest, EntriesExpire) {
    SemanticMemory b(100, 10);
    entries_expire(b);
    EXPECT_EQ(b.size(), 1u);
}

TEST(SemanticStoreTest, FindsTheNearestEntryAboveTheThreshold) {
    auto store = std::make_shared<state::MemoryStore>();
    SemanticStore b(store, "sy", 10);
    nearest_above_the_threshold(b);
    state::Reply names = store->command(std::vector<std::string>{"HKEYS", "sy:scache:bucket"});
    ASSERT_EQ(names.elements.size(), 2u);
    EXPECT_EQ(store->command(std::vector<std::string>{"GET", "sy:scache:a:bucket:" + names.elements[0].str}).str,
              "zero");
}

TEST(SemanticStoreTest, KeepsTheNewestOfAFullBucket) {
    auto store = std::make_shared<state::MemoryStore>();
    SemanticStore b(store, "sy", 3);
    keeps_the_newest_of_a_full_bucket(b);
    EXPECT_EQ(store->command(std::vector<std::string>{"HLEN", "sy:scache:bucket"}).integer, 3);
}

TEST(SemanticStoreTest, EntriesExpireAndAnInsertDropsThem) {
    auto store = std::make_shared<state::MemoryStore>();
    SemanticStore b(store, "sy", 10);
    entries_expire(b);
    b.put("bucket", at(45), "later", 60);
    EXPECT_EQ(store->command(std::vector<std::string>{"HLEN", "sy:scache:bucket"}).integer, 2) << "the expired field went";
    EXPECT_GT(store->command(std::vector<std::string>{"PTTL", "sy:scache:bucket"}).integer, 50000);
}

}  // namespace
}  // namespace sy::cache
