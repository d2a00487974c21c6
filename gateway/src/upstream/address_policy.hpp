// Which addresses a client-chosen upstream host may resolve to. Everything that is not the public
// internet is refused unless an operator's network (security.client_base_urls.allow_networks)
// holds it: a request must not reach the gateway's own host, its network or a cloud metadata
// service through a name the client picked.
#pragma once

#include <string>
#include <vector>

#include "config/net_address.hpp"

namespace sy::upstream {

enum class AddressRange {
    public_internet,
    unspecified,      // 0.0.0.0/8, ::
    loopback,         // 127.0.0.0/8, ::1
    private_network,  // 10/8, 172.16/12, 192.168/16, fc00::/7, fec0::/10
    shared,           // 100.64.0.0/10 (carrier-grade NAT)
    link_local,       // 169.254.0.0/16 (cloud metadata), fe80::/10
    multicast,        // 224.0.0.0/4, ff00::/8
    broadcast,        // 255.255.255.255
    reserved,         // documentation, benchmarking, IETF and future-use blocks
};

const char* range_name(AddressRange r);

// The range of an address. An IPv6 address that carries an IPv4 one (IPv4-mapped ::ffff:a.b.c.d,
// IPv4-compatible ::a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16) is classified by that IPv4 address.
AddressRange classify(const config::IpAddress& a);

// Empty when every address may be connected to; else why the first refused one is refused.
std::string refused_address(const std::vector<config::IpAddress>& addresses,
                            const std::vector<config::IpNetwork>& allowed);

}  // namespace sy::upstream
