// Which addresses a client-chosen host may resolve to (upstream/address_policy.hpp).
#include "upstream/address_policy.hpp"

#include <gtest/gtest.h>

namespace sy::upstream {
namespace {

AddressRange range_of(const char* text) {
    auto a = config::IpAddress::parse(text);
    EXPECT_TRUE(a) << text;
    return a ? classify(*a) : AddressRange::public_internet;
}

TEST(AddressPolicyTest, ClassifiesIpv4Ranges) {
    EXPECT_EQ(range_of("127.0.0.1"), AddressRange::loopback);
    EXPECT_EQ(range_of("127.255.255.254"), AddressRange::loopback);
    EXPECT_EQ(range_of("0.0.0.0"), AddressRange::unspecified);
    EXPECT_EQ(range_of("10.0.0.1"), AddressRange::private_network);
    EXPECT_EQ(range_of("172.16.0.1"), AddressRange::private_network);
    EXPECT_EQ(range_of("172.31.255.255"), AddressRange::private_network);
    EXPECT_EQ(range_of("192.168.1.1"), AddressRange::private_network);
    EXPECT_EQ(range_of("100.64.0.1"), AddressRange::shared);
    EXPECT_EQ(range_of("100.127.255.255"), AddressRange::shared);
    EXPECT_EQ(range_of("169.254.169.254"), AddressRange::link_local);
    EXPECT_EQ(range_of("224.0.0.1"), AddressRange::multicast);
    EXPECT_EQ(range_of("255.255.255.255"), AddressRange::broadcast);
    EXPECT_EQ(range_of("240.0.0.1"), AddressRange::reserved);
    EXPECT_EQ(range_of("192.0.2.1"), AddressRange::reserved);
    EXPECT_EQ(range_of("198.18.0.1"), AddressRange::reserved);
    for (const char* pub : {"8.8.8.8", "1.1.1.1", "172.32.0.1", "172.15.255.255", "100.128.0.1", "100.63.255.255",
                            "169.253.0.1", "192.169.0.1", "11.0.0.1", "126.255.255.255", "128.0.0.1", "223.255.255.255"})
        EXPECT_EQ(range_of(pub), AddressRange::public_internet) << pub;
}

TEST(AddressPolicyTest, ClassifiesIpv6Ranges) {
    EXPECT_EQ(range_of("::1"), AddressRange::loopback);
    EXPECT_EQ(range_of("::"), AddressRange::unspecified);
    EXPECT_EQ(range_of("fe80::1"), AddressRange::link_local);
    EXPECT_EQ(range_of("febf::1"), AddressRange::link_local);
    EXPECT_EQ(range_of("fc00::1"), AddressRange::private_network);
    EXPECT_EQ(range_of("fd12:3456::1"), AddressRange::private_network);
    EXPECT_EQ(range_of("fec0::1"), AddressRange::private_network);
    EXPECT_EQ(range_of("ff02::1"), AddressRange::multicast);
    EXPECT_EQ(range_of("2001:db8::1"), AddressRange::reserved);
    EXPECT_EQ(range_of("2001::1"), AddressRange::reserved);  // Teredo
    EXPECT_EQ(range_of("100::1"), AddressRange::reserved);
    EXPECT_EQ(range_of("2606:4700:4700::1111"), AddressRange::public_internet);
    EXPECT_EQ(range_of("2a00:1450:4001::1"), AddressRange::public_internet);
}

TEST(AddressPolicyTest, ClassifiesIpv6FormsOfIpv4ByTheirIpv4Address) {
    EXPECT_EQ(range_of("::ffff:127.0.0.1"), AddressRange::loopback);         // mapped
    EXPECT_EQ(range_of("::ffff:169.254.169.254"), AddressRange::link_local);
    EXPECT_EQ(range_of("::127.0.0.1"), AddressRange::loopback);              // compatible
    EXPECT_EQ(range_of("::10.0.0.1"), AddressRange::private_network);
    EXPECT_EQ(range_of("64:ff9b::a9fe:a9fe"), AddressRange::link_local);     // NAT64 of 169.254.169.254
    EXPECT_EQ(range_of("2002:7f00:1::1"), AddressRange::loopback);           // 6to4 of 127.0.0.1
    EXPECT_EQ(range_of("2002:c0a8:101::1"), AddressRange::private_network);  // 6to4 of 192.168.1.1
    EXPECT_EQ(range_of("::ffff:8.8.8.8"), AddressRange::public_internet);
}

TEST(AddressPolicyTest, RefusesAnyNonPublicAddressOutsideTheAllowedNetworks) {
    auto ip = [](const char* t) { return *config::IpAddress::parse(t); };
    config::IpNetwork loopback;
    std::string err;
    ASSERT_TRUE(config::parse_network("127.0.0.0/8", loopback, err));
    EXPECT_EQ(refused_address({ip("8.8.8.8"), ip("2606:4700:4700::1111")}, {}), "");
    // One bad address among good ones is enough (a name that resolves to both).
    EXPECT_EQ(refused_address({ip("8.8.8.8"), ip("10.1.2.3")}, {}), "10.1.2.3 is a private address");
    EXPECT_EQ(refused_address({ip("127.0.0.1")}, {loopback}), "");
    EXPECT_EQ(refused_address({ip("::ffff:127.0.0.1")}, {loopback}), "");
    EXPECT_EQ(refused_address({ip("127.0.0.1"), ip("::1")}, {loopback}), "::1 is a loopback address");
    EXPECT_EQ(refused_address({ip("169.254.169.254")}, {loopback}), "169.254.169.254 is a link-local address");
}

}  // namespace
}  // namespace sy::upstream
