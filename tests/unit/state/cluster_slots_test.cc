// Redis Cluster key slots, against the values in the Redis Cluster specification.
#include <gtest/gtest.h>

#include "state/cluster_slots.hpp"

namespace sy::state {
namespace {

TEST(ClusterSlotsTest, Crc16MatchesTheSpecification) {
    EXPECT_EQ(crc16_xmodem("123456789"), 0x31C3);
    EXPECT_EQ(key_slot("foo"), 12182);
    EXPECT_EQ(key_slot(""), 0);
}

TEST(ClusterSlotsTest, HashTagsDecideTheSlot) {
    EXPECT_EQ(key_slot("{user1000}.following"), key_slot("{user1000}.followers"));
    EXPECT_EQ(hash_tag("foo{}{bar}"), "foo{}{bar}");     // empty first tag: the whole key
    EXPECT_EQ(hash_tag("foo{{bar}}zap"), "{bar");       // up to the first '}'
    EXPECT_EQ(hash_tag("foo{bar}{zap}"), "bar");
    EXPECT_EQ(hash_tag("no-tag"), "no-tag");
    EXPECT_EQ(key_slot("sy:{t:search}:rx"), key_slot("sy:{t:search}:b:key:app:d20779"));
}

}  // namespace
}  // namespace sy::state
