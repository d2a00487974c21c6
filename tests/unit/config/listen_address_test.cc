// HOST:PORT parsing for server.listen.
#include <gtest/gtest.h>

#include "config/listen_address.hpp"

namespace sy::config {
namespace {

ListenAddress parse_ok(std::string_view text) {
    ListenAddress out;
    std::string error;
    EXPECT_TRUE(parse_listen_address(text, out, error)) << text << ": " << error;
    return out;
}

std::string parse_error(std::string_view text) {
    ListenAddress out;
    std::string error;
    EXPECT_FALSE(parse_listen_address(text, out, error)) << text;
    return error;
}

TEST(ConfigListenAddressTest, ParsesIpv4HostnamesAndBracketedIpv6) {
    EXPECT_EQ(parse_ok("127.0.0.1:8080").host, "127.0.0.1");
    EXPECT_EQ(parse_ok("127.0.0.1:8080").port, 8080);
    EXPECT_EQ(parse_ok("0.0.0.0:0").port, 0);
    EXPECT_EQ(parse_ok("localhost:65535").port, 65535);
    EXPECT_EQ(parse_ok("my-gateway.svc.cluster.local:80").host, "my-gateway.svc.cluster.local");
    EXPECT_EQ(parse_ok("[::1]:8443").host, "::1");
    EXPECT_EQ(parse_ok("[::]:80").host, "::");
    EXPECT_EQ(parse_ok("[fe80::1:2]:1").host, "fe80::1:2");
}

TEST(ConfigListenAddressTest, SaysWhatIsWrong) {
    EXPECT_EQ(parse_error("localhost"), "missing ':PORT'");
    EXPECT_EQ(parse_error(":8080"), "missing host");
    EXPECT_EQ(parse_error("localhost:"), "missing port");
    EXPECT_EQ(parse_error("localhost:65536"), "invalid port '65536' (expected 0..65535)");
    EXPECT_EQ(parse_error("localhost:080080"), "invalid port '080080' (expected 0..65535)");
    EXPECT_EQ(parse_error("::1:80"), "an IPv6 address must be in brackets");
    EXPECT_EQ(parse_error("[::1:80"), "missing ']' after the IPv6 address");
    EXPECT_EQ(parse_error("[1.2.3.4]:80"), "'1.2.3.4' is not an IPv6 address");
    EXPECT_EQ(parse_error("300.0.0.1:80"), "invalid host '300.0.0.1'");
    EXPECT_EQ(parse_error("under_score:80"), "invalid host 'under_score'");
    EXPECT_EQ(parse_error("a..b:80"), "invalid host 'a..b'");
}

}  // namespace
}  // namespace sy::config
