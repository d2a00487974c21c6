#include "config/listen_address.hpp"

#include <arpa/inet.h>

#include <algorithm>

#include "config/scalar.hpp"

namespace sy::config {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool is_ipv4(std::string_view s) {
    std::string text(s);
    in_addr addr{};
    return inet_pton(AF_INET, text.c_str(), &addr) == 1;
}

bool is_ipv6(std::string_view s) {
    std::string text(s);
    in6_addr addr{};
    return inet_pton(AF_INET6, text.c_str(), &addr) == 1;
}

// RFC 1123 host name: dot-separated labels of letters, digits and '-', not starting or ending with '-'.
bool is_hostname(std::string_view s) {
    if (s.empty() || s.size() > 253) return false;
    while (true) {
        size_t dot = s.find('.');
        std::string_view label = s.substr(0, dot);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
        if (!std::all_of(label.begin(), label.end(), [](char c) { return is_alnum(c) || c == '-'; })) return false;
        if (dot == std::string_view::npos) return true;
        s.remove_prefix(dot + 1);
    }
}

bool is_numeric_host(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return is_digit(c) || c == '.'; });
}

bool parse_host(std::string_view host, bool bracketed, std::string& error) {
    if (host.empty()) {
        error = "missing host";
        return false;
    }
    bool ok = bracketed                ? is_ipv6(host)
              : is_numeric_host(host) ? is_ipv4(host)
                                      : is_hostname(host);
    if (!ok) {
        // Built with append: GCC 12 warns (-Wrestrict, a false positive) on "literal" + string&&.
        error = bracketed ? std::string("'").append(host).append("' is not an IPv6 address")
                          : std::string("invalid host '").append(host).append("'");
    }
    return ok;
}

bool parse_port(std::string_view text, uint16_t& port, std::string& error) {
    bool digits = !text.empty() && text.size() <= 5 && std::all_of(text.begin(), text.end(), is_digit);
    std::optional<int64_t> value = digits ? parse_int(text) : std::nullopt;
    if (!value || *value > 65535) {
        error = text.empty() ? "missing port" : "invalid port '" + std::string(text) + "' (expected 0..65535)";
        return false;
    }
    port = static_cast<uint16_t>(*value);
    return true;
}

}  // namespace

bool parse_listen_address(std::string_view text, ListenAddress& out, std::string& error) {
    std::string_view host;
    std::string_view rest;
    bool bracketed = text.starts_with('[');
    if (bracketed) {
        size_t close = text.find(']');
        if (close == std::string_view::npos) {
            error = "missing ']' after the IPv6 address";
            return false;
        }
        host = text.substr(1, close - 1);
        rest = text.substr(close + 1);
    } else {
        size_t colon = text.rfind(':');
        host = text.substr(0, colon);
        rest = colon == std::string_view::npos ? std::string_view() : text.substr(colon);
        if (host.find(':') != std::string_view::npos) {
            error = "an IPv6 address must be in brackets";
            return false;
        }
    }
    if (!rest.starts_with(':')) {
        error = "missing ':PORT'";
        return false;
    }
    uint16_t port = 0;
    if (!parse_host(host, bracketed, error) || !parse_port(rest.substr(1), port, error)) return false;
    out.host = std::string(host);
    out.port = port;
    return true;
}

}  // namespace sy::config
