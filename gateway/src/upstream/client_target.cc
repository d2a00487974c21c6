#include "upstream/client_target.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "upstream/address_policy.hpp"
#include "upstream/client_url.hpp"

namespace sy::upstream {

bool resolve_host(const std::string& host, std::vector<config::IpAddress>& out, std::string& error) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &res); rc != 0) {
        error = "cannot resolve " + host + ": " + gai_strerror(rc);
        return false;
    }
    for (addrinfo* ai = res; ai; ai = ai->ai_next) {
        config::IpAddress a;
        if (ai->ai_family == AF_INET) {
            a.version = 4;
            std::memcpy(a.bytes.data(), &reinterpret_cast<const sockaddr_in*>(ai->ai_addr)->sin_addr, 4);
        } else if (ai->ai_family == AF_INET6) {
            a.version = 6;
            std::memcpy(a.bytes.data(), &reinterpret_cast<const sockaddr_in6*>(ai->ai_addr)->sin6_addr, 16);
        } else {
            continue;
        }
        if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
    }
    ::freeaddrinfo(res);
    if (out.empty()) error = "no address for " + host;
    return !out.empty();
}

std::unique_ptr<ClientTargetPolicy> ClientTargetPolicy::create(const config::ClientBaseUrlConfig& cfg,
                                                                const std::vector<config::ProviderConfig>& providers,
                                                                std::string& error) {
    auto policy = std::unique_ptr<ClientTargetPolicy>(new ClientTargetPolicy());
    std::string ignored;
    for (const auto& text : cfg.allow_hosts)
        if (config::HostPattern p; config::parse_host_pattern(text, p, ignored)) policy->hosts_.push_back(std::move(p));
    for (const auto& text : cfg.allow_networks)
        if (config::IpNetwork n; config::parse_network(text, n, ignored)) policy->networks_.push_back(n);
    for (size_t i = 0; i < providers.size(); ++i) {
        const config::ProviderConfig& pc = providers[i];
        if (std::find(cfg.providers.begin(), cfg.providers.end(), pc.name) == cfg.providers.end()) continue;
        auto tls = TlsContext::create({true, pc.tls_ca_file}, error);
        if (!tls) {
            error = "providers[" + std::to_string(i) + "].tls_ca_file: " + error;
            return nullptr;
        }
        policy->providers_.emplace(pc.name, std::move(tls));
    }
    return policy;
}

const std::shared_ptr<const TlsContext>* ClientTargetPolicy::provider_tls(std::string_view name) const {
    auto it = providers_.find(name);
    return it == providers_.end() ? nullptr : &it->second;
}

ClientTargetPolicy::Result ClientTargetPolicy::check(std::string_view url, const Resolver& resolve) const {
    Result r;
    ClientUrl parsed;
    if (!parse_client_url(url, parsed, r.message)) {
        r.verdict = Verdict::invalid_url;
        return r;
    }
    const Endpoint& ep = parsed.endpoint;
    const bool v6 = parsed.host.ip && parsed.host.ip->version == 6;
    const std::string where = (v6 ? "[" + ep.host + "]" : ep.host) + ":" + std::to_string(ep.port);
    if (std::none_of(hosts_.begin(), hosts_.end(),
                     [&](const config::HostPattern& p) { return p.matches(parsed.host, ep.port, parsed.default_port); })) {
        r.verdict = Verdict::host_not_allowed;
        r.message = "host " + where + " is not in security.client_base_urls.allow_hosts";
        return r;
    }
    std::vector<config::IpAddress> addresses;
    if (parsed.host.ip) addresses.push_back(*parsed.host.ip);
    else if (!resolve(parsed.host.name, addresses, r.message)) {
        r.verdict = Verdict::unresolvable;
        return r;
    }
    if (std::string why = refused_address(addresses, networks_); !why.empty()) {
        r.verdict = Verdict::address_not_allowed;
        r.message = "host " + where + " resolves to a refused address: " + why +
                    " (not in security.client_base_urls.allow_networks)";
        return r;
    }
    r.endpoint = ep;
    r.endpoint.addresses = std::move(addresses);
    return r;
}

}  // namespace sy::upstream
