#include "config/net_address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

namespace sy::config {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

bool all_digits(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), is_digit); }

// A decimal number as written in a URL or config: digits only, no sign, no leading zero.
std::optional<unsigned> canonical_number(std::string_view s, unsigned max) {
    if (!all_digits(s) || (s.size() > 1 && s.front() == '0') || s.size() > 5) return std::nullopt;
    unsigned value = 0;
    std::from_chars(s.data(), s.data() + s.size(), value);
    return value <= max ? std::optional<unsigned>(value) : std::nullopt;
}

std::optional<IpAddress> parse_ipv4(std::string_view text) {
    IpAddress a;
    a.version = 4;
    for (int i = 0; i < 4; ++i) {
        size_t dot = text.find('.');
        if ((i < 3) == (dot == std::string_view::npos)) return std::nullopt;
        auto part = canonical_number(text.substr(0, dot), 255);
        if (!part) return std::nullopt;
        a.bytes[static_cast<size_t>(i)] = static_cast<uint8_t>(*part);
        text = i < 3 ? text.substr(dot + 1) : std::string_view();
    }
    return a;
}

std::optional<IpAddress> parse_ipv6(std::string_view text) {
    if (text.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos || text.size() > 45) return std::nullopt;
    std::string s(text);
    IpAddress a;
    a.version = 6;
    if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) != 1) return std::nullopt;
    return a;
}

// A label that resolvers read as a number: decimal, octal (leading 0) or hex (0x...).
bool numeric_label(std::string_view label) {
    if (all_digits(label)) return true;
    if (label.size() >= 2 && label[0] == '0' && (label[1] == 'x' || label[1] == 'X'))
        return std::all_of(label.begin() + 2, label.end(), is_hex);
    return false;
}

bool check_labels(std::string_view name, std::string& error) {
    if (name.size() > 253) {
        error = "host name longer than 253 characters";
        return false;
    }
    for (;;) {
        size_t dot = name.find('.');
        std::string_view label = name.substr(0, dot);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
            error = "invalid label " + quoted(label) + " in host name";
            return false;
        }
        if (dot == std::string_view::npos) return true;
        name.remove_prefix(dot + 1);
    }
}

bool parse_bracketed(std::string_view text, Host& out, std::string& error) {
    if (text.size() < 2 || text.back() != ']') {
        error = quoted(text) + " has no closing ']'";
        return false;
    }
    std::string_view inner = text.substr(1, text.size() - 2);
    auto ip = parse_ipv6(inner);
    if (!ip) {
        error = quoted(text) + " is not an IPv6 address" +
                (inner.find('%') != std::string_view::npos ? " (zone ids are not accepted)" : "");
        return false;
    }
    out = {ip->to_string(), ip};
    return true;
}

}  // namespace

// Built by append: GCC 12 warns (a false -Wrestrict) on "literal" + std::string&&.
std::string quoted(std::string_view text) { return std::string("'").append(text).append("'"); }

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    if (text.find(':') != std::string_view::npos) return parse_ipv6(text);
    return parse_ipv4(text);
}

std::string IpAddress::to_string() const {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(version == 4 ? AF_INET : AF_INET6, bytes.data(), buf, sizeof buf);
    return buf;
}

IpAddress IpAddress::unmapped() const {
    static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (version != 6 || !std::equal(std::begin(kMapped), std::end(kMapped), bytes.begin())) return *this;
    IpAddress v4;
    std::copy(bytes.begin() + 12, bytes.end(), v4.bytes.begin());
    return v4;
}

bool IpNetwork::contains(const IpAddress& address) const {
    IpAddress a = address.unmapped();
    if (a.version != base.version) return false;
    int full = prefix / 8, rest = prefix % 8;
    if (!std::equal(base.bytes.begin(), base.bytes.begin() + full, a.bytes.begin())) return false;
    if (rest == 0) return true;
    auto mask = static_cast<uint8_t>(0xff << (8 - rest));
    return (base.bytes[static_cast<size_t>(full)] & mask) == (a.bytes[static_cast<size_t>(full)] & mask);
}

std::optional<int> parse_port(std::string_view text) {
    auto n = canonical_number(text, 65535);
    return n && *n > 0 ? std::optional<int>(static_cast<int>(*n)) : std::nullopt;
}

std::string IpNetwork::to_string() const { return base.to_string() + "/" + std::to_string(prefix); }

bool parse_network(std::string_view text, IpNetwork& out, std::string& error) {
    size_t slash = text.find('/');
    auto base = IpAddress::parse(text.substr(0, slash));
    if (!base) {
        error = quoted(text.substr(0, slash)) + " is not an IP address (dotted-quad IPv4 or IPv6)";
        return false;
    }
    const unsigned bits = base->version == 4 ? 32 : 128;
    auto prefix = slash == std::string_view::npos ? std::optional<unsigned>(bits) : canonical_number(text.substr(slash + 1), bits);
    if (!prefix) {
        error = "invalid prefix length in " + quoted(text) + " (expected 0 to " + std::to_string(bits) + ")";
        return false;
    }
    out = {*base, static_cast<int>(*prefix)};
    IpNetwork masked{*base, out.prefix};
    for (unsigned bit = *prefix; bit < bits; ++bit)
        masked.base.bytes[bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));
    if (masked.base != *base) {
        error = quoted(text) + " has bits set below its prefix (did you mean " + masked.to_string() + "?)";
        return false;
    }
    return true;
}

bool parse_host(std::string_view text, Host& out, std::string& error) {
    if (text.empty()) {
        error = "missing host";
        return false;
    }
    if (text.front() == '[') return parse_bracketed(text, out, error);
    std::string name(text);
    std::transform(name.begin(), name.end(), name.begin(), [](char c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; });
    if (name.size() > 1 && name.back() == '.') name.pop_back();
    if (size_t bad = name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-"); bad != std::string::npos) {
        error = "invalid character " + quoted(std::string(1, name[bad])) + " in host " + quoted(text) +
                (name[bad] == ':' ? " (write IPv6 addresses in brackets)" : "");
        return false;
    }
    if (!check_labels(name, error)) return false;
    std::string_view last = std::string_view(name).substr(name.rfind('.') + 1);
    if (numeric_label(last)) {
        auto ip = parse_ipv4(name);
        if (!ip) {
            error = quoted(text) + " is a numeric host in a form other than a dotted quad (a.b.c.d, "
                    "no leading zeros); such forms are refused";
            return false;
        }
        out = {ip->to_string(), ip};
        return true;
    }
    out = {std::move(name), std::nullopt};
    return true;
}

bool HostPattern::matches(const Host& h, int url_port, int default_port) const {
    if (port == 0 ? url_port != default_port : port > 0 && port != url_port) return false;
    if (!subdomains) return h.name == host.name;
    return !h.ip && h.name.size() > host.name.size() + 1 && h.name.ends_with(host.name) &&
           h.name[h.name.size() - host.name.size() - 1] == '.';
}

bool parse_host_pattern(std::string_view text, HostPattern& out, std::string& error) {
    out = HostPattern{};
    if (text == "*" || text.starts_with("*:")) {
        error = "a bare '*' would let clients send requests (with the provider's key) to any host; list the hosts";
        return false;
    }
    std::string_view host = text, port;
    size_t close = text.starts_with('[') ? text.find(']') : std::string_view::npos;
    size_t colon = close != std::string_view::npos ? text.find(':', close) : text.find(':');
    if (close == std::string_view::npos && colon != std::string_view::npos && text.find(':', colon + 1) != std::string_view::npos) {
        error = "write IPv6 addresses in brackets, e.g. [fd00::1]:8000";
        return false;
    }
    if (colon != std::string_view::npos) {
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        auto number = parse_port(port);
        if (port == "*") out.port = -1;
        else if (number) out.port = *number;
        else {
            error = "invalid port " + quoted(port) + " (expected 1 to 65535 or *)";
            return false;
        }
    }
    if (host.starts_with("*.")) {
        out.subdomains = true;
        host.remove_prefix(2);
    }
    if (!parse_host(host, out.host, error)) return false;
    if (out.subdomains && out.host.ip) {
        error = "'*.' applies to names, not to addresses";
        return false;
    }
    return true;
}

}  // namespace sy::config
