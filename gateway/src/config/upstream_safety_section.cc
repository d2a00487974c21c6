#include "config/upstream_safety_section.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "config/net_address.hpp"

namespace sy::config {
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
