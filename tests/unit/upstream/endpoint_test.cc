#include "upstream/endpoint.hpp"

#include <gtest/gtest.h>

namespace sy::upstream {
namespace {

TEST(EndpointTest, ParsesHttpWithPortAndPath) {
    std::string err;
    auto ep = parse_base_url("http://127.0.0.1:8000/v1/", err);
    ASSERT_TRUE(ep) << err;
    EXPECT_FALSE(ep->tls);
    EXPECT_EQ(ep->host, "127.0.0.1");
    EXPECT_EQ(ep->port, 8000);
    EXPECT_EQ(ep->base_path, "/v1");
    EXPECT_EQ(ep->host_header, "127.0.0.1:8000");
}

TEST(EndpointTest, DefaultsHttpsPortAndParsesIpv6) {
    std::string err;
    auto ep = parse_base_url("https://api.example.com", err);
    ASSERT_TRUE(ep);
    EXPECT_TRUE(ep->tls);
    EXPECT_EQ(ep->port, 443);
    EXPECT_EQ(ep->base_path, "");
    auto v6 = parse_base_url("http://[::1]:9000/x", err);
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->host, "::1");
    EXPECT_EQ(v6->port, 9000);
}

TEST(EndpointTest, RejectsBadUrls) {
    std::string err;
    EXPECT_FALSE(parse_base_url("ftp://x", err));
    EXPECT_NE(err.find("http://"), std::string::npos);
    EXPECT_FALSE(parse_base_url("http://:80", err));
    EXPECT_FALSE(parse_base_url("http://h:99999", err));
    EXPECT_FALSE(parse_base_url("http://h:abc", err));
    EXPECT_FALSE(parse_base_url("http://[::1", err));
}

}  // namespace
}  // namespace sy::upstream
