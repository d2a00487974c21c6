// IP addresses, networks and host names as a config or a client-supplied URL writes them, read
// strictly: one spelling per address, so that what an operator allows is what a person reads.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sy::config {

struct IpAddress {
    int version = 4;                  // 4 or 6
    std::array<uint8_t, 16> bytes{};  // network order; an IPv4 address uses the first 4

    // Canonical dotted-quad IPv4 (no leading zeros) or IPv6 without brackets or zone.
    static std::optional<IpAddress> parse(std::string_view text);
    std::string to_string() const;
    // The IPv4 address of an IPv4-mapped IPv6 address (::ffff:a.b.c.d), else this address.
    IpAddress unmapped() const;
    bool operator==(const IpAddress&) const = default;
};

// A CIDR network: base address and prefix length.
struct IpNetwork {
    IpAddress base;
    int prefix = 0;

    bool contains(const IpAddress& a) const;  // an IPv4-mapped address counts as its IPv4 address
    std::string to_string() const;
};

// 'text', for messages.
std::string quoted(std::string_view text);

// A port as a URL or config writes it: 1 to 65535, digits only, no leading zero.
std::optional<int> parse_port(std::string_view text);

// `10.0.0.0/8`, `fd00::/8`, or one address (`127.0.0.1` is /32). Bits set below the prefix are an
// error (`10.0.0.1/8` is refused: the writer may have meant the one address).
bool parse_network(std::string_view text, IpNetwork& out, std::string& error);

// A host as a URL names it: a DNS name (letters, digits, '-' and '.'; lower-cased, one trailing dot
// dropped) or an IP literal (dotted-quad IPv4, or IPv6 in brackets).
struct Host {
    std::string name;             // lower-case name, or the address's canonical text (IPv6 without brackets)
    std::optional<IpAddress> ip;  // set for literals
};

// Refuses the numeric forms that resolvers accept but people misread: 2130706433, 0x7f000001,
// 0177.0.0.1, 127.1 (any name whose last label is a number must be a canonical dotted quad).
bool parse_host(std::string_view text, Host& out, std::string& error);

// An entry of security.client_base_urls.allow_hosts: `api.example.com`, `*.example.com` (any name
// below it, not the name itself), `10.1.2.3`, `[fd00::1]`, each with `:PORT`, `:*` (any port) or no
// port (the default port of the URL's scheme). A bare `*` is refused.
struct HostPattern {
    Host host;
    bool subdomains = false;  // written as *.<name>
    int port = 0;             // 0: the scheme's default port (80, 443); -1: any

    bool matches(const Host& h, int url_port, int default_port) const;
};

bool parse_host_pattern(std::string_view text, HostPattern& out, std::string& error);

}  // namespace sy::config
