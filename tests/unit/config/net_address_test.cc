// Strict reading of IP addresses, networks, hosts and allow_hosts patterns (config/net_address.hpp).
#include "config/net_address.hpp"

#include <gtest/gtest.h>

namespace sy::config {
namespace {

Host host_of(std::string_view text) {
    Host h;
    std::string err;
    EXPECT_TRUE(parse_host(text, h, err)) << text << ": " << err;
    return h;
}

std::string host_error(std::string_view text) {
    Host h;
    std::string err;
    EXPECT_FALSE(parse_host(text, h, err)) << text << " was accepted as " << h.name;
    return err;
}

TEST(NetAddressTest, ParsesCanonicalAddressesOnly) {
    EXPECT_EQ(IpAddress::parse("127.0.0.1")->to_string(), "127.0.0.1");
    EXPECT_EQ(IpAddress::parse("::FFFF:127.0.0.1")->to_string(), "::ffff:127.0.0.1");
    EXPECT_EQ(IpAddress::parse("fe80::1")->version, 6);
    for (const char* bad : {"127.1", "0177.0.0.1", "2130706433", "0x7f000001", "1.2.3.256", "1.2.3.4.5", "01.2.3.4",
                            "fe80::1%eth0", "", "1.2.3.", "::g"})
        EXPECT_FALSE(IpAddress::parse(bad)) << bad;
}

TEST(NetAddressTest, UnmapsIpv4MappedAddresses) {
    EXPECT_EQ(IpAddress::parse("::ffff:10.1.2.3")->unmapped(), *IpAddress::parse("10.1.2.3"));
    EXPECT_EQ(IpAddress::parse("::10.1.2.3")->unmapped().version, 6);  // compatible, not mapped
}

TEST(NetAddressTest, NetworksContainTheirAddressesAndMappedForms) {
    IpNetwork n;
    std::string err;
    ASSERT_TRUE(parse_network("127.0.0.0/8", n, err)) << err;
    EXPECT_TRUE(n.contains(*IpAddress::parse("127.255.0.9")));
    EXPECT_TRUE(n.contains(*IpAddress::parse("::ffff:127.0.0.1")));
    EXPECT_FALSE(n.contains(*IpAddress::parse("128.0.0.1")));
    EXPECT_FALSE(n.contains(*IpAddress::parse("::1")));
    ASSERT_TRUE(parse_network("172.16.0.0/12", n, err));
    EXPECT_TRUE(n.contains(*IpAddress::parse("172.31.255.255")));
    EXPECT_FALSE(n.contains(*IpAddress::parse("172.32.0.0")));
    ASSERT_TRUE(parse_network("fd00::/8", n, err));
    EXPECT_TRUE(n.contains(*IpAddress::parse("fd12::1")));
    ASSERT_TRUE(parse_network("10.9.8.7", n, err));
    EXPECT_EQ(n.to_string(), "10.9.8.7/32");
    ASSERT_TRUE(parse_network("0.0.0.0/0", n, err));
    EXPECT_TRUE(n.contains(*IpAddress::parse("8.8.8.8")));
}

TEST(NetAddressTest, RefusesMalformedNetworks) {
    IpNetwork n;
    std::string err;
    EXPECT_FALSE(parse_network("10.0.0.1/8", n, err));
    EXPECT_NE(err.find("did you mean 10.0.0.0/8"), std::string::npos) << err;
    EXPECT_FALSE(parse_network("10.0.0.0/33", n, err));
    EXPECT_FALSE(parse_network("10.0.0.0/", n, err));
    EXPECT_FALSE(parse_network("10.0.0.0/08", n, err));
    EXPECT_FALSE(parse_network("localhost/8", n, err));
    EXPECT_FALSE(parse_network("fd00::/129", n, err));
}

TEST(NetAddressTest, ReadsNamesAndLiterals) {
    EXPECT_EQ(host_of("API.Example.COM.").name, "api.example.com");
    EXPECT_FALSE(host_of("api.example.com").ip);
    EXPECT_EQ(host_of("10.0.0.1").ip->to_string(), "10.0.0.1");
    Host v6 = host_of("[::FFFF:7f00:1]");
    EXPECT_EQ(v6.name, "::ffff:127.0.0.1");
    EXPECT_EQ(v6.ip->version, 6);
    EXPECT_EQ(host_of("localhost").name, "localhost");
    EXPECT_EQ(host_of("0x.example.com").name, "0x.example.com");  // only the last label decides
}

TEST(NetAddressTest, RefusesNumericFormsOtherThanTheDottedQuad) {
    for (const char* text : {"2130706433", "0x7f000001", "0X7F000001", "0177.0.0.1", "127.1", "127.0.1", "0x7f.0.0.1",
                             "1.2.3.4.5", "example.123", "foo.0x10", "127.000.000.001"})
        EXPECT_NE(host_error(text).find("numeric host"), std::string::npos) << text;
}

TEST(NetAddressTest, RefusesOtherMalformedHosts) {
    EXPECT_NE(host_error("a_b.example").find("invalid character"), std::string::npos);
    EXPECT_NE(host_error("::1").find("brackets"), std::string::npos);
    EXPECT_NE(host_error("[fe80::1%25eth0]").find("zone"), std::string::npos);
    EXPECT_NE(host_error("[127.0.0.1]").find("not an IPv6 address"), std::string::npos);
    EXPECT_NE(host_error("a..b").find("invalid label"), std::string::npos);
    EXPECT_NE(host_error("-a.example").find("invalid label"), std::string::npos);
    host_error("");
    host_error("[::1");
    host_error("ex%61mple.com");
}

TEST(HostPatternTest, MatchesNamesSubdomainsAndPorts) {
    HostPattern exact, any_port, sub, v6;
    std::string err;
    ASSERT_TRUE(parse_host_pattern("api.example.com", exact, err)) << err;
    ASSERT_TRUE(parse_host_pattern("10.0.0.5:*", any_port, err)) << err;
    ASSERT_TRUE(parse_host_pattern("*.tenants.example.com:8443", sub, err)) << err;
    ASSERT_TRUE(parse_host_pattern("[FD00::1]:8000", v6, err)) << err;
    EXPECT_TRUE(exact.matches(host_of("API.example.com"), 443, 443));
    EXPECT_FALSE(exact.matches(host_of("api.example.com"), 8443, 443));  // no port: the scheme's default only
    EXPECT_FALSE(exact.matches(host_of("evil-api.example.com"), 443, 443));
    EXPECT_TRUE(any_port.matches(host_of("10.0.0.5"), 1234, 80));
    EXPECT_FALSE(any_port.matches(host_of("10.0.0.6"), 1234, 80));
    EXPECT_TRUE(sub.matches(host_of("a.tenants.example.com"), 8443, 443));
    EXPECT_TRUE(sub.matches(host_of("x.y.tenants.example.com"), 8443, 443));
    EXPECT_FALSE(sub.matches(host_of("tenants.example.com"), 8443, 443));
    EXPECT_FALSE(sub.matches(host_of("eviltenants.example.com"), 8443, 443));
    EXPECT_FALSE(sub.matches(host_of("a.tenants.example.com"), 443, 443));
    EXPECT_TRUE(v6.matches(host_of("[fd00:0::1]"), 8000, 80));
}

TEST(HostPatternTest, RefusesBareWildcardsAndMalformedPatterns) {
    HostPattern p;
    std::string err;
    EXPECT_FALSE(parse_host_pattern("*", p, err));
    EXPECT_NE(err.find("any host"), std::string::npos) << err;
    EXPECT_FALSE(parse_host_pattern("*:443", p, err));
    EXPECT_FALSE(parse_host_pattern("*.10.0.0.1", p, err));
    EXPECT_FALSE(parse_host_pattern("fd00::1", p, err));
    EXPECT_NE(err.find("brackets"), std::string::npos) << err;
    EXPECT_FALSE(parse_host_pattern("api.example.com:0", p, err));
    EXPECT_FALSE(parse_host_pattern("api.example.com:", p, err));
    EXPECT_FALSE(parse_host_pattern("2130706433", p, err));
    EXPECT_FALSE(parse_host_pattern("user@api.example.com", p, err));
}

}  // namespace
}  // namespace sy::config
