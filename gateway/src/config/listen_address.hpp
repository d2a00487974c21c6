// `HOST:PORT` listen addresses (server.listen).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sy::config {

struct ListenAddress {
    std::string host;  // IPv4 address, hostname, or IPv6 address without the brackets
    uint16_t port = 0;
};

// Parses `127.0.0.1:8080`, `localhost:0`, `[::1]:8080`. On failure returns false and sets `error` to what is
// wrong (without the expected form, which the caller adds).
bool parse_listen_address(std::string_view text, ListenAddress& out, std::string& error);

}  // namespace sy::config
