// Parsers for the upstream-safety keys: security.client_base_urls (x-switchyard-base-url) and the
// tls_ca_file of providers, embedders and the trace exporter.
#pragma once

#include <string>

#include <switchyard/config.hpp>

#include "config/node_reader.hpp"

namespace sy::config {

// {allow_hosts, allow_networks, providers}; providers must be configured already (cfg.providers).
void parse_client_base_urls(const NodeReader& node, const Config& cfg, ClientBaseUrlConfig& out);

// Checks a tls_ca_file whose path the caller has resolved: readable, holding a PEM certificate, and
// not combined with tls_verify: false (it would have no effect).
void check_ca_file(const NodeReader& node, bool tls_verify, const std::string& path);

}  // namespace sy::config
