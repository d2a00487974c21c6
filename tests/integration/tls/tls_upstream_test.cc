// An HTTPS upstream: nginx with a self-signed certificate made for the test. The gateway
// reaches it through Poco NetSSL with tls_verify off, and refuses it with tls_verify on.
#include <gtest/gtest.h>

#include "support/http_client.hpp"
#include "support/servers.hpp"

namespace sy::test {
namespace {

constexpr const char* kAnswer =
    R"({"id":"tls-1","object":"chat.completion","created":0,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"over tls"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}})";

class TlsUpstreamTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = make_temp_dir();
        Process cert({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days",
                      "1", "-keyout", dir_ + "/key.pem", "-out", dir_ + "/cert.pem"},
                     dir_ + "/openssl.log");
        ASSERT_EQ(cert.wait(30000), 0) << cert.log();
        port_ = free_port();
        write_file(dir_ + "/nginx.conf",
                   "daemon off; master_process off; worker_processes 1; pid " + dir_ + "/nginx.pid;\n"
                   "error_log " + dir_ + "/error.log;\nevents { worker_connections 64; }\nhttp {\n"
                   "  access_log off; client_body_temp_path " + dir_ + "; proxy_temp_path " + dir_ + ";\n"
                   "  fastcgi_temp_path " + dir_ + "; uwsgi_temp_path " + dir_ + "; scgi_temp_path " + dir_ + ";\n"
                   "  server {\n    listen 127.0.0.1:" + std::to_string(port_) + " ssl;\n"
                   "    ssl_certificate " + dir_ + "/cert.pem; ssl_certificate_key " + dir_ + "/key.pem;\n"
                   "    location /v1/chat/completions { default_type application/json; return 200 '" + kAnswer + "'; }\n"
                   "  }\n}\n");
        nginx_ = std::make_unique<Process>(
            std::vector<std::string>{"nginx", "-p", dir_, "-e", dir_ + "/error.log", "-c", dir_ + "/nginx.conf"},
            dir_ + "/nginx.log");
        ASSERT_TRUE(wait_for_port(port_, 10000)) << nginx_->log() << read_file(dir_ + "/error.log");
    }
    void TearDown() override {
        if (nginx_) nginx_->stop(5000);
        remove_tree(dir_);
    }
    std::string config(bool verify) const {
        return R"(
plugins:
  search_paths: [")" + plugin_dir() + R"("]
providers:
  - name: secure
    plugin: openai
    base_url: https://127.0.0.1:)" + std::to_string(port_) + R"(/v1
    tls_verify: )" + (verify ? "true" : "false") + R"(
    timeouts: {connect_ms: 3000, first_byte_ms: 3000}
models:
  - name: m
    deployments: [{provider: secure}]
)";
    }

    std::string dir_;
    int port_ = 0;
    std::unique_ptr<Process> nginx_;
};

TEST_F(TlsUpstreamTest, RelaysOverTlsWithoutVerification) {
    GatewayProcess gw(config(false));
    ASSERT_TRUE(gw.ok()) << gw.log();
    for (int i = 0; i < 3; ++i) {  // the second and third reuse the pooled TLS connection
        HttpResponse r = post_chat(gw.port(), R"({"model": "m", "messages": [{"role": "user", "content": "hi"}]})");
        ASSERT_EQ(r.status, 200) << r.body << gw.log();
        EXPECT_NE(r.body.find("over tls"), std::string::npos) << r.body;
    }
}

TEST_F(TlsUpstreamTest, RefusesASelfSignedCertificateWhenVerifying) {
    GatewayProcess gw(config(true));
    ASSERT_TRUE(gw.ok()) << gw.log();
    HttpResponse r = post_chat(gw.port(), R"({"model": "m", "messages": [{"role": "user", "content": "hi"}]})");
    EXPECT_EQ(r.status, 502) << r.body;
    EXPECT_NE(r.body.find("upstream_unavailable"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace sy::test
