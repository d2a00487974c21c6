// A base URL a client sends (x-switchyard-base-url), read strictly: http or https, a host as
// config::parse_host reads it, an optional port and path; no user info, query or fragment.
#pragma once

#include <string>
#include <string_view>

#include "config/net_address.hpp"
#include "upstream/endpoint.hpp"

namespace sy::upstream {

struct ClientUrl {
    Endpoint endpoint;  // addresses empty: the caller resolves and pins them
    config::Host host;
    int default_port = 80;  // of the scheme
};

bool parse_client_url(std::string_view url, ClientUrl& out, std::string& error);

}  // namespace sy::upstream
