// routers[].baseline, routers[].sticky_sessions, routing.savings_baseline and routing.sessions.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config_test_util.hpp"

namespace sy::config::test {
namespace {

using ::testing::HasSubstr;

std::string router_with(std::string_view fields) {
    return with_base("routers:\n  - {name: r, plugin: random, candidates: [strong, weak]" + std::string(fields) + "}\n");
}

TEST(SavingsConfigTest, DefaultsMeasureRoutersAgainstTheirStrongestModel) {
    Config c = load_ok(router_with(""));
    EXPECT_EQ(c.routers[0].baseline, "strongest");
    EXPECT_FALSE(c.routers[0].sticky_sessions);
    EXPECT_EQ(c.routing.savings_baseline, "requested");
    EXPECT_EQ(c.routing.sessions.ttl_s, 3600);
}

TEST(SavingsConfigTest, ReadsBaselinesAndSessions) {
    Config c = load_ok(router_with(", baseline: weak, sticky_sessions: true") +
                       "routing:\n  savings_baseline: none\n  sessions: {ttl_s: 60}\n");
    EXPECT_EQ(c.routers[0].baseline, "weak");
    EXPECT_TRUE(c.routers[0].sticky_sessions);
    EXPECT_EQ(c.routing.savings_baseline, "none");
    EXPECT_EQ(c.routing.sessions.ttl_s, 60);
    EXPECT_EQ(load_ok(router_with(", baseline: requested")).routers[0].baseline, "requested");
}

TEST(SavingsConfigTest, ErrorsNameTheKey) {
    EXPECT_THAT(load_error(router_with(", baseline: gpt-9")),
                AllOf(HasSubstr("routers[0].baseline"), HasSubstr("'gpt-9' is neither strongest, requested nor a model")));
    EXPECT_THAT(load_error(router_with(", baseline: ''")), HasSubstr("routers[0].baseline"));
    EXPECT_THAT(load_error(router_with(", sticky_sessions: maybe")), HasSubstr("routers[0].sticky_sessions"));
    EXPECT_THAT(load_error(with_base("routing: {savings_baseline: strongest}\n")),
                AllOf(HasSubstr("routing.savings_baseline"), HasSubstr("neither none, requested nor a model")));
    EXPECT_THAT(load_error(with_base("routing: {sessions: {ttl_s: 0}}\n")), HasSubstr("routing.sessions.ttl_s"));
    EXPECT_THAT(load_error(with_base("routing: {sessions: {ttl: 5}}\n")), HasSubstr("routing.sessions"));
}

}  // namespace
}  // namespace sy::config::test
