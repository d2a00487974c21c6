// security.client_base_urls decisions with a scripted resolver, and the pinned connection.
#include "upstream/client_target.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <map>

#include "upstream/transport.hpp"

namespace sy::upstream {
namespace {

using Verdict = ClientTargetPolicy::Verdict;

// Answers from a table; counts the lookups.
struct FakeDns {
    std::map<std::string, std::vector<std::string>> table;
    int lookups = 0;
    Resolver resolver() {
        return [this](const std::string& host, std::vector<config::IpAddress>& out, std::string& error) {
            ++lookups;
            auto it = table.find(host);
            if (it == table.end()) {
                error = "cannot resolve " + host + ": Name or service not known";
                return false;
            }
            for (const auto& a : it->second) out.push_back(*config::IpAddress::parse(a));
            return true;
        };
    }
};

std::unique_ptr<ClientTargetPolicy> policy(std::vector<std::string> hosts, std::vector<std::string> networks = {}) {
    config::ClientBaseUrlConfig cfg;
    cfg.allow_hosts = std::move(hosts);
    cfg.allow_networks = std::move(networks);
    std::string err;
    auto p = ClientTargetPolicy::create(cfg, {}, err);
    EXPECT_TRUE(p) << err;
    return p;
}

TEST(ClientTargetTest, PinsThePublicAddressesAHostResolvesTo) {
    FakeDns dns;
    dns.table["api.tenant.example"] = {"203.0.114.7", "2606:4700::1"};
    auto p = policy({"*.tenant.example:8443"});
    auto r = p->check("https://api.tenant.example:8443/v1", dns.resolver());
    ASSERT_EQ(r.verdict, Verdict::ok) << r.message;
    EXPECT_EQ(r.endpoint.host, "api.tenant.example");
    EXPECT_EQ(r.endpoint.port, 8443);
    ASSERT_EQ(r.endpoint.addresses.size(), 2u);
    EXPECT_EQ(r.endpoint.addresses[0].to_string(), "203.0.114.7");
    EXPECT_EQ(dns.lookups, 1);
}

TEST(ClientTargetTest, RefusesHostsOutsideTheAllowListBeforeResolving) {
    FakeDns dns;
    auto p = policy({"api.tenant.example"});
    auto r = p->check("https://evil.example/v1", dns.resolver());
    EXPECT_EQ(r.verdict, Verdict::host_not_allowed);
    EXPECT_EQ(r.message, "host evil.example:443 is not in security.client_base_urls.allow_hosts");
    EXPECT_EQ(p->check("https://api.tenant.example:444/v1", dns.resolver()).verdict, Verdict::host_not_allowed);
    EXPECT_EQ(dns.lookups, 0);
}

TEST(ClientTargetTest, RefusesANameWithAnyPrivateAddress) {
    FakeDns dns;
    dns.table["localhost"] = {"127.0.0.1", "::1"};
    dns.table["mixed.tenant.example"] = {"203.0.114.7", "10.0.0.5"};  // a rebinding-style answer
    dns.table["metadata.tenant.example"] = {"169.254.169.254"};
    auto p = policy({"localhost:*", "*.tenant.example"});
    auto local = p->check("http://localhost:8000/v1", dns.resolver());
    EXPECT_EQ(local.verdict, Verdict::address_not_allowed);
    EXPECT_EQ(local.message, "host localhost:8000 resolves to a refused address: 127.0.0.1 is a loopback address "
                             "(not in security.client_base_urls.allow_networks)");
    EXPECT_EQ(p->check("https://mixed.tenant.example", dns.resolver()).verdict, Verdict::address_not_allowed);
    EXPECT_NE(p->check("https://metadata.tenant.example", dns.resolver()).message.find("169.254.169.254 is a link-local"),
              std::string::npos);
}

TEST(ClientTargetTest, ChecksLiteralsWithoutResolving) {
    FakeDns dns;
    auto p = policy({"127.0.0.1:*", "[::1]:*", "[::ffff:127.0.0.1]:*", "[fe80::1]:*", "169.254.169.254"});
    for (const char* url : {"http://127.0.0.1:9/", "http://[::1]:9/", "http://[::ffff:127.0.0.1]:9/", "http://[fe80::1]:9/",
                            "http://169.254.169.254/latest/meta-data"})
        EXPECT_EQ(p->check(url, dns.resolver()).verdict, Verdict::address_not_allowed) << url;
    EXPECT_EQ(dns.lookups, 0);
    EXPECT_EQ(p->check("http://2130706433:9/", dns.resolver()).verdict, Verdict::invalid_url);
}

TEST(ClientTargetTest, AllowedNetworksOpenExactlyTheirAddresses) {
    FakeDns dns;
    dns.table["localhost"] = {"127.0.0.1", "::1"};
    auto p = policy({"127.0.0.1:*", "localhost:*"}, {"127.0.0.0/8"});
    auto r = p->check("http://127.0.0.1:9000/v1", dns.resolver());
    ASSERT_EQ(r.verdict, Verdict::ok) << r.message;
    EXPECT_EQ(r.endpoint.addresses.size(), 1u);
    // localhost also answers ::1, which 127.0.0.0/8 does not hold.
    EXPECT_EQ(p->check("http://localhost:9000/v1", dns.resolver()).verdict, Verdict::address_not_allowed);
}

TEST(ClientTargetTest, ReportsAnUnresolvableHost) {
    FakeDns dns;
    auto p = policy({"*.tenant.example"});
    auto r = p->check("https://gone.tenant.example", dns.resolver());
    EXPECT_EQ(r.verdict, Verdict::unresolvable);
    EXPECT_NE(r.message.find("cannot resolve gone.tenant.example"), std::string::npos);
}

TEST(ClientTargetTest, KnowsOnlyTheListedProviders) {
    config::ClientBaseUrlConfig cfg;
    cfg.allow_hosts = {"a.example"};
    cfg.providers = {"tenant"};
    config::ProviderConfig tenant, other;
    tenant.name = "tenant";
    other.name = "other";
    std::string err;
    auto p = ClientTargetPolicy::create(cfg, {tenant, other}, err);
    ASSERT_TRUE(p) << err;
    EXPECT_TRUE(p->provider_tls("tenant"));
    EXPECT_FALSE(p->provider_tls("other"));
    cfg.allow_hosts.clear();
    EXPECT_FALSE(ClientTargetPolicy::create(cfg, {}, err)->enabled());
}

// A listening socket on 127.0.0.1 that never accepts: a connection lands in its backlog.
class Listener {
public:
    Listener() {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        ::listen(fd_, 8);
        socklen_t len = sizeof addr;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
    }
    ~Listener() { ::close(fd_); }
    uint16_t port() const { return port_; }
    bool has_connection() {
        int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) return false;
        ::close(c);
        return true;
    }

private:
    int fd_ = -1;
    uint16_t port_ = 0;
};

TEST(PinnedConnectTest, ConnectsToThePinnedAddressWithoutResolvingTheName) {
    Listener listener;
    Endpoint ep;
    ep.host = "never-resolved.invalid";  // .invalid never resolves: a lookup would fail the connect
    ep.port = listener.port();
    ep.addresses = {*config::IpAddress::parse("::ffff:127.0.0.1")};
    ConnectError err;
    auto t = connect_transport(ep, 2000, nullptr, err);
    ASSERT_TRUE(t) << err.message;
    EXPECT_TRUE(listener.has_connection());
    ep.addresses.clear();
    EXPECT_FALSE(connect_transport(ep, 2000, nullptr, err));
    EXPECT_NE(err.message.find("cannot resolve never-resolved.invalid"), std::string::npos) << err.message;
}

}  // namespace
}  // namespace sy::upstream
