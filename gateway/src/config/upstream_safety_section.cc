#include "config/upstream_safety_section.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "config/net_address.hpp"

namespace sy::config {
namespace {

// The entries `parse` accepts, as written; the first it refuses fails the load with its reason.
template <class Parsed>
void parse_entries(const NodeReader& node, std::string_view expected,
                   bool (*parse)(std::string_view, Parsed&, std::string&), std::vector<std::string>& out) {
    for (const NodeReader& item : node.list(expected)) {
        std::string text, why;
        Parsed parsed;
        if (!item.get(text, Text::required)) continue;
        if (parse(text, parsed, why)) out.push_back(text);
        else item.fail(why);
    }
}

void parse_providers(const NodeReader& node, const Config& cfg, std::vector<std::string>& out) {
    for (const NodeReader& item : node.list("a list of provider names")) {
        std::string name;
        if (!item.get(name, Text::required)) continue;
        const ProviderConfig* p = cfg.find_provider(name);
        if (!p) item.fail("unknown provider '" + name + "'");
        else if (p->base_url.empty()) item.fail("provider '" + name + "' runs in process (no base_url): it connects nowhere");
        else if (!p->tls_verify)
            item.fail("provider '" + name + "' has tls_verify: false; a client-chosen host is always verified");
        else out.push_back(name);
    }
    if (out.empty() && node.ok())
        node.fail("needs at least one provider: the instances (and so the keys) requests may take to a client's host");
}

}  // namespace

void parse_client_base_urls(const NodeReader& node, const Config& cfg, ClientBaseUrlConfig& out) {
    if (!node.has_value()) return;
    MapReader m = node.map({"allow_hosts", "allow_networks", "providers"});
    NodeReader hosts = m["allow_hosts"];
    parse_entries(hosts, "a list of host patterns (api.example.com, *.example.com:8443, 10.0.0.5:*)", parse_host_pattern,
                  out.allow_hosts);
    if (out.allow_hosts.empty() && hosts.ok())
        hosts.fail("needs at least one host pattern (without allow_hosts, x-switchyard-base-url is refused)");
    parse_entries(m["allow_networks"], "a list of CIDR networks (e.g. 10.20.0.0/16, fd00::/8)", parse_network,
                  out.allow_networks);
    parse_providers(m["providers"], cfg, out.providers);
}

void check_ca_file(const NodeReader& node, bool tls_verify, const std::string& path) {
    if (!tls_verify) {
        node.fail("has no effect with tls_verify: false (certificates are not checked at all)");
        return;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        node.fail("cannot read " + quoted(path) + ": " + std::strerror(errno));
        return;
    }
    std::stringstream text;
    text << in.rdbuf();
    if (text.str().find("-----BEGIN CERTIFICATE-----") == std::string::npos)
        node.fail(quoted(path) + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
}

}  // namespace sy::config
