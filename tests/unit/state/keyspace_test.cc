// The in-process keyspace answers like Redis for the commands the scripts use.
#include <gtest/gtest.h>

#include "state/keyspace.hpp"

namespace sy::state {
namespace {

Reply run(Keyspace& ks, std::vector<std::string> argv) { return ks.execute(argv); }

TEST(KeyspaceTest, CountersAndStrings) {
    Keyspace ks;
    EXPECT_EQ(run(ks, {"GET", "a"}).type, Reply::Type::nil);
    EXPECT_EQ(run(ks, {"INCRBY", "a", "5"}).integer, 5);
    EXPECT_EQ(run(ks, {"DECR", "a"}).integer, 4);
    EXPECT_EQ(run(ks, {"GET", "a"}).str, "4");
    EXPECT_EQ(run(ks, {"SET", "a", "x"}).str, "OK");
    EXPECT_EQ(run(ks, {"INCR", "a"}).type, Reply::Type::error);
    EXPECT_EQ(run(ks, {"SET", "a", "y", "NX"}).type, Reply::Type::nil);
    EXPECT_EQ(run(ks, {"GET", "a"}).str, "x");
}

TEST(KeyspaceTest, MgetAndSetKeepTtl) {
    Keyspace ks;
    run(ks, {"SET", "a", "1", "PX", "5000"});
    run(ks, {"HSET", "h", "f", "v"});
    Reply m = run(ks, {"MGET", "a", "missing", "h"});
    ASSERT_EQ(m.elements.size(), 3u);
    EXPECT_EQ(m.elements[0].str, "1");
    EXPECT_EQ(m.elements[1].type, Reply::Type::nil);
    EXPECT_EQ(m.elements[2].type, Reply::Type::nil);
    run(ks, {"SET", "a", "2", "KEEPTTL"});
    EXPECT_GT(run(ks, {"PTTL", "a"}).integer, 4000);
    run(ks, {"SET", "a", "3"});
    EXPECT_EQ(run(ks, {"PTTL", "a"}).integer, -1);
}

TEST(KeyspaceTest, WrongTypeIsAnError) {
    Keyspace ks;
    run(ks, {"HSET", "h", "f", "1"});
    Reply r = run(ks, {"INCR", "h"});
    EXPECT_EQ(r.type, Reply::Type::error);
    EXPECT_NE(r.str.find("WRONGTYPE"), std::string::npos);
}

TEST(KeyspaceTest, HashesKeepFieldsAndCount) {
    Keyspace ks;
    EXPECT_EQ(run(ks, {"HSET", "h", "a", "1", "b", "2"}).integer, 2);
    EXPECT_EQ(run(ks, {"HINCRBY", "h", "a", "-3"}).integer, -2);
    Reply m = run(ks, {"HMGET", "h", "a", "zz", "b"});
    ASSERT_EQ(m.elements.size(), 3u);
    EXPECT_EQ(m.elements[0].str, "-2");
    EXPECT_EQ(m.elements[1].type, Reply::Type::nil);
    EXPECT_EQ(m.elements[2].str, "2");
    EXPECT_EQ(run(ks, {"HGETALL", "h"}).elements.size(), 4u);
    Reply names = run(ks, {"HKEYS", "h"});
    ASSERT_EQ(names.elements.size(), 2u);
    EXPECT_EQ(names.elements[0].str, "a");
    EXPECT_EQ(names.elements[1].str, "b");
    EXPECT_EQ(run(ks, {"HLEN", "h"}).integer, 2);
    EXPECT_EQ(run(ks, {"HLEN", "missing"}).integer, 0);
    EXPECT_EQ(run(ks, {"HKEYS", "missing"}).elements.size(), 0u);
}

TEST(KeyspaceTest, KeysExpireOnTheStoreClock) {
    Keyspace ks;
    run(ks, {"SET", "a", "1", "PX", "1000"});
    run(ks, {"SET", "b", "1"});
    EXPECT_GT(run(ks, {"PTTL", "a"}).integer, 0);
    EXPECT_EQ(run(ks, {"PTTL", "b"}).integer, -1);
    ks.advance_clock_ms(1001);
    EXPECT_EQ(run(ks, {"EXISTS", "a", "b"}).integer, 1);
    EXPECT_EQ(run(ks, {"PTTL", "a"}).integer, -2);
}

TEST(KeyspaceTest, SortedSetRangeByScoreWithLimit) {
    Keyspace ks;
    run(ks, {"ZADD", "z", "3", "c", "1", "a", "2", "b"});
    Reply r = run(ks, {"ZRANGEBYSCORE", "z", "-inf", "2", "LIMIT", "0", "10"});
    ASSERT_EQ(r.elements.size(), 2u);
    EXPECT_EQ(r.elements[0].str, "a");
    EXPECT_EQ(r.elements[1].str, "b");
    EXPECT_EQ(run(ks, {"ZREM", "z", "a", "nope"}).integer, 1);
    EXPECT_EQ(run(ks, {"ZCARD", "z"}).integer, 2);
}

TEST(KeyspaceTest, TimeFollowsTheClockOffset) {
    Keyspace ks;
    int64_t before = std::stoll(run(ks, {"TIME"}).elements.at(0).str);
    ks.advance_clock_ms(86400000);
    int64_t after = std::stoll(run(ks, {"TIME"}).elements.at(0).str);
    EXPECT_GE(after - before, 86400);
}

}  // namespace
}  // namespace sy::state
