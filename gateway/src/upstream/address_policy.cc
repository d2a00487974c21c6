#include "upstream/address_policy.hpp"

#include <algorithm>

namespace sy::upstream {
namespace {

using config::IpAddress;

bool starts_with(const IpAddress& a, std::initializer_list<uint8_t> prefix) {
    return std::equal(prefix.begin(), prefix.end(), a.bytes.begin());
}

IpAddress v4_from(const IpAddress& a, size_t offset) {
    IpAddress v4;
    std::copy(a.bytes.begin() + static_cast<long>(offset), a.bytes.begin() + static_cast<long>(offset) + 4, v4.bytes.begin());
    return v4;
}

AddressRange classify_v4(const IpAddress& a) {
    const uint8_t b0 = a.bytes[0], b1 = a.bytes[1], b2 = a.bytes[2];
    if (b0 == 0) return AddressRange::unspecified;
    if (b0 == 127) return AddressRange::loopback;
    if (b0 == 10 || (b0 == 172 && (b1 & 0xf0) == 16) || (b0 == 192 && b1 == 168)) return AddressRange::private_network;
    if (b0 == 100 && (b1 & 0xc0) == 64) return AddressRange::shared;
    if (b0 == 169 && b1 == 254) return AddressRange::link_local;
    if (a.bytes[0] == 255 && a.bytes[1] == 255 && a.bytes[2] == 255 && a.bytes[3] == 255) return AddressRange::broadcast;
    if ((b0 & 0xf0) == 224) return AddressRange::multicast;
    if ((b0 & 0xf0) == 240) return AddressRange::reserved;
    const bool documentation = (b0 == 192 && b1 == 0 && b2 == 2) || (b0 == 198 && b1 == 51 && b2 == 100) ||
                               (b0 == 203 && b1 == 0 && b2 == 113);
    const bool special = (b0 == 192 && b1 == 0 && b2 == 0) || (b0 == 198 && (b1 & 0xfe) == 18);
    return documentation || special ? AddressRange::reserved : AddressRange::public_internet;
}

AddressRange classify_v6(const IpAddress& a) {
    static constexpr std::array<uint8_t, 16> kZero{};
    const bool first_96_zero = std::equal(a.bytes.begin(), a.bytes.begin() + 12, kZero.begin());
    if (first_96_zero && std::all_of(a.bytes.begin() + 12, a.bytes.begin() + 15, [](uint8_t b) { return b == 0; })) {
        if (a.bytes[15] == 0) return AddressRange::unspecified;
        if (a.bytes[15] == 1) return AddressRange::loopback;
    }
    if (first_96_zero) return classify_v4(v4_from(a, 12));                                     // IPv4-compatible
    if (a.unmapped().version == 4) return classify_v4(a.unmapped());                          // IPv4-mapped
    if (starts_with(a, {0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0})) return classify_v4(v4_from(a, 12));  // NAT64
    if (starts_with(a, {0x20, 0x02})) return classify_v4(v4_from(a, 2));                       // 6to4
    const uint8_t b0 = a.bytes[0], b1 = a.bytes[1];
    if ((b0 & 0xfe) == 0xfc) return AddressRange::private_network;                              // fc00::/7
    if (b0 == 0xfe && (b1 & 0xc0) == 0x80) return AddressRange::link_local;                    // fe80::/10
    if (b0 == 0xfe && (b1 & 0xc0) == 0xc0) return AddressRange::private_network;               // fec0::/10
    if (b0 == 0xff) return AddressRange::multicast;
    const bool documentation = starts_with(a, {0x20, 0x01, 0x0d, 0xb8});                       // 2001:db8::/32
    const bool ietf = b0 == 0x20 && b1 == 0x01 && a.bytes[2] < 0x02;                            // 2001::/23 (Teredo, ...)
    const bool other = starts_with(a, {0x01, 0x00, 0, 0, 0, 0, 0, 0}) ||                       // 100::/64 discard
                       starts_with(a, {0x00, 0x64, 0xff, 0x9b, 0x00, 0x01});                    // 64:ff9b:1::/48
    return documentation || ietf || other || b0 < 0x20 || b0 >= 0x40 ? AddressRange::reserved
                                                                       : AddressRange::public_internet;
}

}  // namespace

const char* range_name(AddressRange r) {
    switch (r) {
        case AddressRange::public_internet: return "public";
        case AddressRange::unspecified: return "unspecified";
        case AddressRange::loopback: return "loopback";
        case AddressRange::private_network: return "private";
        case AddressRange::shared: return "shared (carrier-grade NAT)";
        case AddressRange::link_local: return "link-local";
        case AddressRange::multicast: return "multicast";
        case AddressRange::broadcast: return "broadcast";
        case AddressRange::reserved: return "reserved";
    }
    return "?";
}

AddressRange classify(const IpAddress& a) { return a.version == 4 ? classify_v4(a) : classify_v6(a); }

std::string refused_address(const std::vector<IpAddress>& addresses, const std::vector<config::IpNetwork>& allowed) {
    for (const IpAddress& a : addresses) {
        AddressRange r = classify(a);
        if (r == AddressRange::public_internet) continue;
        if (std::any_of(allowed.begin(), allowed.end(), [&](const config::IpNetwork& n) { return n.contains(a); })) continue;
        return a.to_string() + " is a " + range_name(r) + " address";
    }
    return {};
}

}  // namespace sy::upstream
