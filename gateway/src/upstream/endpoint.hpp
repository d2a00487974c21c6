// Where a provider instance lives: parsed from its base_url.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace sy::upstream {

struct Endpoint {
    bool tls = false;
    std::string host;
    uint16_t port = 0;
    std::string base_path;    // path prefix without a trailing slash, e.g. "/v1"
    std::string host_header;  // value of the Host header
};

// http://host[:port][/path] or https://...; error names what is wrong.
std::optional<Endpoint> parse_base_url(const std::string& url, std::string& error);

}  // namespace sy::upstream
