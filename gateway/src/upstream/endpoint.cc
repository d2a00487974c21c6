#include "upstream/endpoint.hpp"

#include <charconv>

namespace sy::upstream {

std::optional<Endpoint> parse_base_url(const std::string& url, std::string& error) {
    Endpoint ep;
    std::string_view rest(url);
    if (rest.starts_with("http://")) {
        rest.remove_prefix(7);
    } else if (rest.starts_with("https://")) {
        ep.tls = true;
        rest.remove_prefix(8);
    } else {
        error = "base_url '" + url + "' must start with http:// or https://";
        return std::nullopt;
    }
    size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    ep.base_path = std::string(path);
    ep.host_header = std::string(authority);
    std::string_view host = authority;
    std::string_view port;
    if (authority.starts_with('[')) {  // [v6]:port
        size_t close = authority.find(']');
        if (close == std::string_view::npos) {
            error = "base_url '" + url + "' has an unterminated IPv6 address";
            return std::nullopt;
        }
        host = authority.substr(1, close - 1);
        if (close + 1 < authority.size() && authority[close + 1] == ':') port = authority.substr(close + 2);
    } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    if (host.empty()) {
        error = "base_url '" + url + "' has no host";
        return std::nullopt;
    }
    ep.host = std::string(host);
    ep.port = ep.tls ? 443 : 80;
    if (!port.empty()) {
        unsigned value = 0;
        auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (ec != std::errc() || p != port.data() + port.size() || value == 0 || value > 65535) {
            error = "base_url '" + url + "' has an invalid port";
            return std::nullopt;
        }
        ep.port = static_cast<uint16_t>(value);
    }
    return ep;
}

}  // namespace sy::upstream
