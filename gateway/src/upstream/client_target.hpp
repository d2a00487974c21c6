// security.client_base_urls, compiled: whether a base URL a client sent may be used, and where
// exactly its requests may then connect. Checked in this order, each before any connection:
// the URL's form, the host against allow_hosts, then every address the host resolves to (one
// lookup) against the refused ranges and allow_networks. The addresses checked are pinned in the
// endpoint; nothing resolves the name again.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <switchyard/config.hpp>

#include "config/net_address.hpp"
#include "upstream/endpoint.hpp"
#include "upstream/tls_client.hpp"

namespace sy::upstream {

// Resolves a host name to its addresses; false with an error when it cannot.
using Resolver = std::function<bool(const std::string& host, std::vector<config::IpAddress>& out, std::string& error)>;

// The system resolver (getaddrinfo), every address it returns.
bool resolve_host(const std::string& host, std::vector<config::IpAddress>& out, std::string& error);

class ClientTargetPolicy {
public:
    // The entries were validated when the config loaded (one that does not parse is skipped). Loads
    // a verifying TLS context for each listed provider (its tls_ca_file, else the system's CAs):
    // a client-chosen https host is always verified. Null with an error naming the key.
    static std::unique_ptr<ClientTargetPolicy> create(const config::ClientBaseUrlConfig& cfg,
                                                      const std::vector<config::ProviderConfig>& providers,
                                                      std::string& error);

    bool enabled() const { return !hosts_.empty(); }
    // The TLS context for requests of this provider instance; null when it is not listed.
    const std::shared_ptr<const TlsContext>* provider_tls(std::string_view name) const;

    enum class Verdict { ok, invalid_url, host_not_allowed, address_not_allowed, unresolvable };
    struct Result {
        Verdict verdict = Verdict::ok;
        std::string message;  // why, when not ok
        Endpoint endpoint;    // when ok: with the checked addresses pinned
    };
    Result check(std::string_view url, const Resolver& resolve = resolve_host) const;

private:
    ClientTargetPolicy() = default;
    std::vector<config::HostPattern> hosts_;
    std::vector<config::IpNetwork> networks_;
    std::map<std::string, std::shared_ptr<const TlsContext>, std::less<>> providers_;
};

}  // namespace sy::upstream
