// HTTPS upstreams: nginx with certificates made for the test by openssl (a test CA and the
// certificates it signs, a self-signed one). The gateway verifies chain and host name by
// default: an unknown CA, a certificate for another name and an expired one each give 502
// upstream_tls_error saying which; tls_ca_file trusts the test CA; tls_verify: false trusts all.
#include <gtest/gtest.h>

#include "support/http_client.hpp"
#include "support/servers.hpp"

namespace sy::test {
namespace {

constexpr const char* kAnswer =
    R"({"id":"tls-1","object":"chat.completion","created":0,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"over tls"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}})";
constexpr const char* kChat = R"({"model": "m", "messages": [{"role": "user", "content": "hi"}]})";

// The servers nginx runs, one port each.
enum Server { kSelfSigned, kTrusted, kOtherName, kExpired, kServerCount };

class TlsUpstreamTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = make_temp_dir();
        ok_ = make_certificates();
        if (!ok_) return;
        std::string servers;
        const char* certs[] = {"self", "trusted", "other", "expired"};
        for (int s = 0; s < kServerCount; ++s) {
            ports_[s] = free_port();
            servers += "  server {\n    listen 127.0.0.1:" + std::to_string(ports_[s]) + " ssl;\n    ssl_certificate " + dir_ +
                       "/" + certs[s] + ".pem; ssl_certificate_key " + dir_ + "/" + certs[s] + ".key;\n" +
                       "    location /v1/chat/completions { default_type application/json; return 200 '" + kAnswer +
                       "'; }\n  }\n";
        }
        write_file(dir_ + "/nginx.conf",
                   "daemon off; master_process off; worker_processes 1; pid " + dir_ + "/nginx.pid;\n"
                   "error_log " + dir_ + "/error.log;\nevents { worker_connections 64; }\nhttp {\n"
                   "  access_log off; client_body_temp_path " + dir_ + "; proxy_temp_path " + dir_ + ";\n"
                   "  fastcgi_temp_path " + dir_ + "; uwsgi_temp_path " + dir_ + "; scgi_temp_path " + dir_ + ";\n" +
                   servers + "}\n");
        nginx_ = new Process({"nginx", "-p", dir_, "-e", dir_ + "/error.log", "-c", dir_ + "/nginx.conf"}, dir_ + "/nginx.log");
        for (int port : ports_) ok_ = ok_ && wait_for_port(port, 10000);
    }
    static void TearDownTestSuite() {
        if (nginx_) nginx_->stop(5000);
        delete nginx_;
        nginx_ = nullptr;
        remove_tree(dir_);
    }
    void SetUp() override { ASSERT_TRUE(ok_) << log_ << (nginx_ ? nginx_->log() + read_file(dir_ + "/error.log") : ""); }

    static bool run(const std::vector<std::string>& argv) {
        Process p(argv, dir_ + "/openssl.log");
        bool done = p.wait(30000) == 0;
        if (!done) log_ += read_file(dir_ + "/openssl.log");
        return done;
    }
    // A key and a certificate signed by the test CA, valid for `names` (subjectAltName).
    static bool signed_cert(const std::string& name, const std::string& names, const std::string& days) {
        write_file(dir_ + "/" + name + ".ext", "subjectAltName=" + names + "\n");
        return run({"openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + name, "-keyout",
                    dir_ + "/" + name + ".key", "-out", dir_ + "/" + name + ".csr"}) &&
               run({"openssl", "x509", "-req", "-in", dir_ + "/" + name + ".csr", "-CA", dir_ + "/ca.pem", "-CAkey",
                    dir_ + "/ca.key", "-CAcreateserial", "-days", days, "-extfile", dir_ + "/" + name + ".ext", "-out",
                    dir_ + "/" + name + ".pem"});
    }
    static bool make_certificates() {
        return run({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1",
                    "-keyout", dir_ + "/self.key", "-out", dir_ + "/self.pem"}) &&
               run({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=Switchyard Test CA", "-days",
                    "1", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                    "-keyout", dir_ + "/ca.key", "-out", dir_ + "/ca.pem"}) &&
               signed_cert("trusted", "IP:127.0.0.1,DNS:localhost", "1") &&
               signed_cert("other", "DNS:other.example", "1") &&
               signed_cert("expired", "IP:127.0.0.1,DNS:localhost", "-1");  // notAfter before now
    }

    // One provider reaching `host`:port of server `s`; `tls` holds its tls_* keys.
    static std::string config(Server s, const std::string& tls, const std::string& host = "127.0.0.1") {
        return R"(
plugins:
  search_paths: [")" + plugin_dir() + R"("]
providers:
  - name: secure
    plugin: openai
    base_url: https://)" + host + ":" + std::to_string(ports_[s]) + R"(/v1
    timeouts: {connect_ms: 3000, first_byte_ms: 3000}
)" + tls + R"(
models:
  - name: m
    deployments: [{provider: secure}]
)";
    }
    static std::string ca_file() { return "    tls_ca_file: " + dir_ + "/ca.pem\n"; }

    // Expects 502 upstream_tls_error whose message holds `why`.
    static void expect_tls_error(const std::string& yaml, const std::string& why) {
        GatewayProcess gw(yaml);
        ASSERT_TRUE(gw.ok()) << gw.log();
        HttpResponse r = post_chat(gw.port(), kChat);
        EXPECT_EQ(r.status, 502) << r.body;
        EXPECT_NE(r.body.find(R"("code":"upstream_tls_error")"), std::string::npos) << r.body;
        EXPECT_NE(r.body.find(why), std::string::npos) << r.body;
    }

    static inline std::string dir_;
    static inline std::string log_;
    static inline bool ok_ = false;
    static inline int ports_[kServerCount] = {};
    static inline Process* nginx_ = nullptr;
};

TEST_F(TlsUpstreamTest, RelaysOverTlsWithoutVerification) {
    GatewayProcess gw(config(kSelfSigned, "    tls_verify: false"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    for (int i = 0; i < 3; ++i) {  // the second and third reuse the pooled TLS connection
        HttpResponse r = post_chat(gw.port(), kChat);
        ASSERT_EQ(r.status, 200) << r.body << gw.log();
        EXPECT_NE(r.body.find("over tls"), std::string::npos) << r.body;
    }
}

TEST_F(TlsUpstreamTest, RefusesASelfSignedCertificateWhenVerifying) {
    expect_tls_error(config(kSelfSigned, ""), "unknown CA: the certificate is not signed by a CA the gateway trusts");
}

TEST_F(TlsUpstreamTest, ACustomCaBundleMakesTheRefusedServerWork) {
    expect_tls_error(config(kTrusted, ""), "unknown CA");  // the system's CAs do not know the test CA
    for (const char* host : {"127.0.0.1", "localhost"}) {
        GatewayProcess gw(config(kTrusted, ca_file(), host));
        ASSERT_TRUE(gw.ok()) << gw.log();
        for (int i = 0; i < 2; ++i) {
            HttpResponse r = post_chat(gw.port(), kChat);
            EXPECT_EQ(r.status, 200) << host << ": " << r.body << gw.log();
            EXPECT_NE(r.body.find("over tls"), std::string::npos) << r.body;
        }
    }
}

// Poco's VERIFY_RELAXED skipped the name check for a host that resolves to loopback; these pass
// only because the name is checked inside the handshake, for names and addresses alike.
TEST_F(TlsUpstreamTest, RefusesACertificateForAnotherName) {
    expect_tls_error(config(kOtherName, ca_file()), "name mismatch: the certificate is not valid for this host (IP address mismatch)");
    expect_tls_error(config(kOtherName, ca_file(), "localhost"),
                     "name mismatch: the certificate is not valid for this host (hostname mismatch)");
}

TEST_F(TlsUpstreamTest, RefusesAnExpiredCertificate) {
    expect_tls_error(config(kExpired, ca_file()), "expired: the certificate's validity has ended");
}

TEST_F(TlsUpstreamTest, PlainHttpAtAnHttpsUrlIsAClearTlsError) {
    FakeUpstream plain;
    ASSERT_TRUE(plain.ok());
    std::string yaml = config(kTrusted, "");
    const std::string https = "https://127.0.0.1:" + std::to_string(ports_[kTrusted]);
    yaml.replace(yaml.find(https), https.size(), "https://127.0.0.1:" + std::to_string(plain.port()));
    expect_tls_error(yaml, "does not speak TLS here");
}

TEST_F(TlsUpstreamTest, AMissingCaFileFailsTheConfigNamingTheKey) {
    std::string yaml = config(kTrusted, "    tls_ca_file: " + dir_ + "/nope.pem\n");
    write_file(dir_ + "/bad.yaml", yaml);
    Process check({gateway_binary(), "config", "check", dir_ + "/bad.yaml"}, dir_ + "/check.log");
    EXPECT_EQ(check.wait(30000), 1);
    EXPECT_NE(check.log().find("providers[0].tls_ca_file: cannot read '" + dir_ + "/nope.pem'"), std::string::npos)
        << check.log();
}

}  // namespace
}  // namespace sy::test
