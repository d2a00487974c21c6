// Where a provider instance lives: parsed from its base_url.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/net_address.hpp"

namespace sy::upstream {

struct Endpoint {
    bool tls = false;
    std::string host;
    uint16_t port = 0;
    std::string base_path;    // path prefix without a trailing slash, e.g. "/v1"
    std::string host_header;  // value of the Host header
    // When set, the only addresses connected to (host is not resolved again): a client-chosen host
    // is resolved once, checked, and pinned so that a second lookup cannot answer differently.
    std::vector<config::IpAddress> addresses;
};

// http://host[:port][/path] or https://...; error names what is wrong.
std::optional<Endpoint> parse_base_url(const std::string& url, std::string& error);

}  // namespace sy::upstream
