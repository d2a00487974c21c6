#include "upstream/client_url.hpp"

#include <algorithm>
#include <cctype>

namespace sy::upstream {
namespace {

constexpr size_t kMaxUrl = 2048;

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() &&
           std::equal(prefix.begin(), prefix.end(), s.begin(),
                      [](char p, char c) { return std::tolower(static_cast<unsigned char>(c)) == p; });
}

// RFC 3986 path characters: unreserved, sub-delims, ':', '@', '/' and %XX.
bool valid_path(std::string_view path, std::string& error) {
    for (size_t i = 0; i < path.size(); ++i) {
        const char c = path[i];
        if (c == '%') {
            if (i + 2 >= path.size() || !std::isxdigit(static_cast<unsigned char>(path[i + 1])) ||
                !std::isxdigit(static_cast<unsigned char>(path[i + 2]))) {
                error = "has a malformed %-escape in its path";
                return false;
            }
            i += 2;
        } else if (!std::isalnum(static_cast<unsigned char>(c)) && std::string_view("-._~!$&'()*+,;=:@/").find(c) == std::string_view::npos) {
            error = std::string("has the character '") + c + "' in its path";
            return false;
        }
    }
    for (std::string_view dots : {"/../", "/./"})
        if (path.find(dots) != std::string_view::npos || path.ends_with(dots.substr(0, dots.size() - 1))) {
            error = "has a dot segment in its path";
            return false;
        }
    return true;
}

bool split_authority(std::string_view authority, std::string_view& host, std::string_view& port, std::string& error) {
    host = authority;
    port = {};
    size_t close = authority.starts_with('[') ? authority.find(']') : std::string_view::npos;
    size_t colon = close != std::string_view::npos ? authority.find(':', close) : authority.find(':');
    if (close == std::string_view::npos && colon != std::string_view::npos &&
        authority.find(':', colon + 1) != std::string_view::npos) {
        error = "has an IPv6 address without brackets";
        return false;
    }
    if (close != std::string_view::npos && colon != close + 1 && close + 1 != authority.size()) {
        error = "has characters after its ']'";
        return false;
    }
    if (colon == std::string_view::npos) return true;
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) {
        error = "has an empty port";
        return false;
    }
    return true;
}

}  // namespace

bool parse_client_url(std::string_view url, ClientUrl& out, std::string& error) {
    auto fail = [&](const std::string& why) {
        error = "the base URL " + why;
        return false;
    };
    if (url.size() > kMaxUrl) return fail("is longer than 2048 characters");
    if (std::any_of(url.begin(), url.end(), [](char c) { return c <= 0x20 || c >= 0x7f || c == '\\'; }))
        return fail("holds a space, a control character, a backslash or a non-ASCII byte");
    out = ClientUrl{};
    Endpoint& ep = out.endpoint;
    if (starts_with_nocase(url, "https://")) {
        ep.tls = true;
        url.remove_prefix(8);
    } else if (starts_with_nocase(url, "http://")) {
        url.remove_prefix(7);
    } else {
        return fail("must start with http:// or https://");
    }
    if (url.find('#') != std::string_view::npos) return fail("has a fragment (#)");
    if (url.find('?') != std::string_view::npos) return fail("has a query (?)");
    size_t slash = url.find('/');
    std::string_view authority = url.substr(0, slash);
    std::string_view path = slash == std::string_view::npos ? std::string_view() : url.substr(slash);
    if (authority.find('@') != std::string_view::npos) return fail("has user info (user@host), which is not accepted");
    std::string_view host, port;
    std::string why;
    if (!split_authority(authority, host, port, why)) return fail(why);
    if (!config::parse_host(host, out.host, why)) return fail("has an invalid host: " + why);
    out.default_port = ep.tls ? 443 : 80;
    auto number = port.empty() ? std::optional<int>(out.default_port) : config::parse_port(port);
    if (!number) return fail("has an invalid port " + config::quoted(port) + " (expected 1 to 65535)");
    if (!valid_path(path, why)) return fail(why);
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    ep.host = out.host.name;
    ep.port = static_cast<uint16_t>(*number);
    ep.base_path = std::string(path);
    const bool v6 = out.host.ip && out.host.ip->version == 6;
    ep.host_header = v6 ? "[" + out.host.name + "]" : out.host.name;
    if (*number != out.default_port) ep.host_header += ":" + std::to_string(*number);
    return true;
}

}  // namespace sy::upstream
