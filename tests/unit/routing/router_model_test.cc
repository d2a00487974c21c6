#include "routing/runtime.hpp"

#include <gtest/gtest.h>

namespace sy::routing {
namespace {

TEST(RouterModelTest, ParsesNameAndThreshold) {
    ModelTarget t;
    std::string err;
    ASSERT_TRUE(parse_router_model("router-mf-0.11593", t, err));
    EXPECT_TRUE(err.empty()) << err;
    EXPECT_EQ(t.kind, ModelTarget::Kind::router);
    EXPECT_EQ(t.router, "mf");
    EXPECT_DOUBLE_EQ(t.threshold, 0.11593);
}

TEST(RouterModelTest, ThresholdIsOptional) {
    ModelTarget t;
    std::string err;
    ASSERT_TRUE(parse_router_model("router-my_router", t, err));
    EXPECT_TRUE(err.empty());
    EXPECT_EQ(t.router, "my_router");
    EXPECT_TRUE(std::isnan(t.threshold));
}

TEST(RouterModelTest, OtherNamesAreNotRouterModels) {
    ModelTarget t;
    std::string err;
    EXPECT_FALSE(parse_router_model("gpt-4o", t, err));
    EXPECT_FALSE(parse_router_model("routerx-a-1", t, err));
}

TEST(RouterModelTest, RejectsBadThresholdsAndNames) {
    for (const char* bad : {"router-mf-1.5", "router-mf--1", "router-mf-abc", "router-MF-0.5", "router--0.5"}) {
        ModelTarget t;
        std::string err;
        EXPECT_TRUE(parse_router_model(bad, t, err)) << bad;
        EXPECT_FALSE(err.empty()) << bad;
    }
}

}  // namespace
}  // namespace sy::routing
