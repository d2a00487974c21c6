// The HTTP edge against raw sockets: every request-smuggling variant gets 400 and a closed
// connection and never reaches the upstream; each oversized part gets its status; chunked
// bodies, 100-continue, pipelining and requests sent during an answer work.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "integration/edge/raw_conn.hpp"
#include "integration/gateway/test_configs.hpp"
#include "support/http_client.hpp"

namespace sy::test {
namespace {

const std::string kPath = "/v1/chat/completions";

std::string body() {
    return chat_body("gpt-test", "hello edge");
}

// A chat request with the given framing header lines (each ending in CRLF) and raw body.
std::string request(const std::string& framing, const std::string& raw_body) {
    return "POST " + kPath + " HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer x\r\nContent-Type: application/json\r\n" +
           framing + "\r\n" + raw_body;
}

std::string chunked(const std::string& data) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx", data.size());
    return std::string(size) + "\r\n" + data + "\r\n0\r\n\r\n";
}

std::string length(const std::string& b) {
    return std::to_string(b.size());
}

class EdgeFramingTest : public ::testing::Test {
protected:
    void SetUp() override {
        fake_ = std::make_unique<FakeUpstream>();
        ASSERT_TRUE(fake_->ok());
        gw_ = std::make_unique<GatewayProcess>(fake_upstream_config(
            *fake_, "", "  max_uri_bytes: 256\n  max_header_bytes: 1024\n  max_header_count: 12\n"));
        ASSERT_TRUE(gw_->ok()) << gw_->log();
    }
    void expect_refused(const std::string& bytes, int status, const std::string& code, const std::string& what) {
        RawAnswer a = raw_exchange(gw_->port(), bytes);
        EXPECT_EQ(a.status, status) << what << "\n" << a.text;
        EXPECT_TRUE(a.closed) << what << ": the connection stayed open";
        EXPECT_NE(a.text.find("\"code\":\"" + code + "\""), std::string::npos) << what << "\n" << a.text;
        EXPECT_NE(a.text.find("Connection: close"), std::string::npos) << what << "\n" << a.text;
    }
    std::unique_ptr<FakeUpstream> fake_;
    std::unique_ptr<GatewayProcess> gw_;
};

TEST_F(EdgeFramingTest, EverySmugglingVariantGets400ClosedAndNeverReachesTheUpstream) {
    const std::string b = body();
    const std::string second = request("Content-Length: " + length(b) + "\r\n", b);  // the smuggled request
    struct Variant {
        std::string what, bytes, code;
    };
    const std::vector<Variant> variants = {
        {"CL+TE", request("Content-Length: " + length(b) + "\r\nTransfer-Encoding: chunked\r\n", chunked(b)),
         "ambiguous_framing"},
        {"TE+CL", request("Transfer-Encoding: chunked\r\nContent-Length: " + length(b) + "\r\n", chunked(b)),
         "ambiguous_framing"},
        {"TE chunked twice", request("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", chunked(b)),
         "unsupported_transfer_encoding"},
        {"TE xchunked", request("Transfer-Encoding: xchunked\r\n", chunked(b)), "unsupported_transfer_encoding"},
        {"TE chunked, identity", request("Transfer-Encoding: chunked, identity\r\n", chunked(b)),
         "unsupported_transfer_encoding"},
        {"duplicate CL", request("Content-Length: " + length(b) + "\r\nContent-Length: " + length(b) + "\r\n", b),
         "invalid_content_length"},
        {"CL with sign", request("Content-Length: +" + length(b) + "\r\n", b), "invalid_content_length"},
        {"CL with inner space", request("Content-Length: 1 " + length(b) + "\r\n", b), "invalid_content_length"},
        {"CL in hex", request("Content-Length: 0x1f\r\n", b), "invalid_content_length"},
        {"obs-fold", request("X-Note: one\r\n two\r\nContent-Length: " + length(b) + "\r\n", b),
         "obsolete_line_folding"},
        {"bare LF", "POST " + kPath + " HTTP/1.1\nHost: gw\nContent-Length: " + length(b) + "\n\n" + b,
         "malformed_header"},
        {"space before colon", request("Content-Length : " + length(b) + "\r\n", b), "malformed_header"},
        // CL.TE: a front end going by Content-Length forwards the whole body; one going by
        // Transfer-Encoding sees an empty chunked body and then a second request.
        {"CL.TE smuggle",
         request("Content-Length: " + std::to_string(5 + second.size()) + "\r\nTransfer-Encoding: chunked\r\n",
                 "0\r\n\r\n" + second),
         "ambiguous_framing"},
        {"missing Host", "POST " + kPath + " HTTP/1.1\r\nContent-Length: " + length(b) + "\r\n\r\n" + b,
         "invalid_host"},
        {"bad chunk size", request("Transfer-Encoding: chunked\r\n", "+5\r\nhello\r\n0\r\n\r\n"),
         "malformed_chunked_body"},
    };
    for (const Variant& v : variants) expect_refused(v.bytes, 400, v.code, v.what);
    EXPECT_EQ(fake_->requests(), 0) << "a refused request reached the upstream";
    // Well-formed requests still pass, exactly one upstream request for each.
    for (int i = 0; i < 3; ++i) {
        RawAnswer a =
            raw_exchange(gw_->port(), request("Content-Length: " + length(b) + "\r\nConnection: close\r\n", b));
        EXPECT_EQ(a.status, 200) << a.text;
    }
    EXPECT_EQ(fake_->requests(), 3);
    EXPECT_GE(await_metric(gw_->port(), "switchyard_http_rejected_total{reason=\"bad_framing\"}",
                           static_cast<double>(variants.size())),
              static_cast<double>(variants.size()));
}

TEST_F(EdgeFramingTest, OversizedPartsGetTheirStatusAndTheConnectionCloses) {
    const std::string b = body();
    expect_refused("GET /v1/models?q=" + std::string(300, 'a') + " HTTP/1.1\r\nHost: gw\r\n\r\n", 414, "uri_too_long",
                   "long target");
    std::string many;
    for (int i = 0; i < 13; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
    expect_refused("GET /v1/models HTTP/1.1\r\nHost: gw\r\n" + many + "\r\n", 431, "request_header_fields_too_large",
                   "too many headers");
    expect_refused("GET /v1/models HTTP/1.1\r\nHost: gw\r\nX-Big: " + std::string(1100, 'x') + "\r\n\r\n", 431,
                   "request_header_fields_too_large", "headers too large");
    // 413 from the head alone: the client sends no body at all.
    expect_refused(request("Content-Length: 70000\r\n", ""), 413, "request_too_large", "Content-Length over the limit");
    EXPECT_EQ(fake_->requests(), 0);
}

TEST_F(EdgeFramingTest, ChunkedBodyOverTheLimitGets413WhileTheClientIsStillSending) {
    RawConn c(gw_->port());
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c.send(request("Transfer-Encoding: chunked\r\n", "")));
    // 9 chunks of 8 KiB pass the 64 KiB limit; the last chunk is never sent, so the request is
    // still incomplete when the answer comes.
    const std::string chunk = "2000\r\n" + std::string(8192, 'a') + "\r\n";
    for (int i = 0; i < 9; ++i) ASSERT_TRUE(c.send(chunk)) << "chunk " << i;
    std::string got;
    EXPECT_TRUE(c.read_until_closed(got));
    EXPECT_EQ(status_of(got), 413) << got;
    EXPECT_NE(got.find("request_too_large"), std::string::npos) << got;
    EXPECT_EQ(fake_->requests(), 0);
}

TEST_F(EdgeFramingTest, ChunkedBodyWithinTheLimitReachesTheHandler) {
    const std::string b = body();
    std::string pieces;  // the body in 7-byte chunks, with an extension and a trailer
    for (size_t at = 0; at < b.size(); at += 7) {
        std::string part = b.substr(at, 7);
        char size[16];
        std::snprintf(size, sizeof size, "%zx", part.size());
        pieces += std::string(size) + ";ext=1\r\n" + part + "\r\n";
    }
    pieces += "0\r\nX-Trailer: t\r\n\r\n";
    RawAnswer a = raw_exchange(gw_->port(), request("Transfer-Encoding: chunked\r\nConnection: close\r\n", pieces));
    EXPECT_EQ(a.status, 200) << a.text;
    EXPECT_NE(a.text.find("echo: hello edge"), std::string::npos) << a.text;
    EXPECT_EQ(fake_->requests(), 1);
}

TEST_F(EdgeFramingTest, ExpectContinueGets100BeforeTheBody) {
    const std::string b = body();
    RawConn c(gw_->port());
    ASSERT_TRUE(c.send(request("Content-Length: " + length(b) + "\r\nExpect: 100-continue\r\n", "")));
    std::string got;
    ASSERT_TRUE(c.read_until(got, "\r\n\r\n"));
    EXPECT_EQ(got, "HTTP/1.1 100 Continue\r\n\r\n");
    ASSERT_TRUE(c.send(b));
    got.clear();
    ASSERT_TRUE(c.read_until(got, "echo: hello edge")) << got;
    EXPECT_EQ(status_of(got), 200) << got;
}

TEST_F(EdgeFramingTest, PipelinedRequestsAreAnsweredInOrderOnOneConnection) {
    const std::string b = body();
    const std::string one = request("Content-Length: " + length(b) + "\r\n", b);
    RawConn c(gw_->port());
    ASSERT_TRUE(c.send(one + one + "GET /healthz HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n"));
    std::string got;
    EXPECT_TRUE(c.read_until_closed(got));
    size_t first = got.find("HTTP/1.1 200"), second = got.find("HTTP/1.1 200", first + 1),
           third = got.find("HTTP/1.1 200", second + 1);
    ASSERT_NE(third, std::string::npos) << got;
    EXPECT_NE(got.find("{\"status\":\"ok\"}", third), std::string::npos) << got;
    EXPECT_EQ(fake_->requests(), 2);
}

// Requests sent while the one before is still being answered wait in the socket, not in the
// gateway's buffer: each is read once the answer before it is out (the edge reads at once, before
// waiting), also when its bytes come in two parts.
TEST_F(EdgeFramingTest, RequestsSentDuringTheAnswerBeforeAreServedInOrder) {
    const std::string slow = chat_body("gpt-test", "first #fake:delay_ms=300"), fast = body();
    RawConn c(gw_->port());
    ASSERT_TRUE(c.send(request("Content-Length: " + length(slow) + "\r\n", slow)));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the gateway waits on the upstream
    const std::string second = request("Content-Length: " + length(fast) + "\r\n", fast);
    const std::string third = request("Content-Length: " + length(fast) + "\r\nConnection: close\r\n", fast);
    ASSERT_TRUE(c.send(second + third.substr(0, third.size() / 2)));
    std::string got;
    ASSERT_TRUE(c.read_until(got, "echo: first")) << got;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ASSERT_TRUE(c.send(third.substr(third.size() / 2)));
    EXPECT_TRUE(c.read_until_closed(got));
    size_t first = got.find("HTTP/1.1 200"), two = got.find("HTTP/1.1 200", first + 1),
           three = got.find("HTTP/1.1 200", two + 1);
    ASSERT_NE(three, std::string::npos) << got;
    EXPECT_LT(got.find("echo: first"), two) << got;
    EXPECT_NE(got.find("echo: hello edge", three), std::string::npos) << got;
    EXPECT_EQ(fake_->requests(), 3);
}

TEST_F(EdgeFramingTest, KeepAliveConnectionServesManyRequests) {
    HttpClient c(gw_->port());
    for (int i = 0; i < 20; ++i) {
        HttpResponse r = c.request("POST", kPath, body(), {{"Content-Type", "application/json"}});
        ASSERT_EQ(r.status, 200) << i << " " << r.body;
    }
    EXPECT_EQ(fake_->requests(), 20);
}

}  // namespace
}  // namespace sy::test
