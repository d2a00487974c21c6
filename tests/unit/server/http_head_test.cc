// The strict request-head parser: accepted heads, every refused framing variant, the limits,
// and byte-at-a-time feeding.
#include "server/http_head.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sy::server::http {
namespace {

struct Outcome {
    Parse parse;
    RequestHead head;
    Rejection why;
    std::string buf;
};

Outcome parse(const std::string& text, HeadLimits limits = {}) {
    Outcome o{Parse::incomplete, {}, {}, text};
    o.parse = parse_head(o.buf, limits, o.head, o.why);
    return o;
}

std::string header(const Outcome& o, std::string_view name) {
    for (const Field& f : o.head.fields)
        if (f.name.in(o.buf) == name) return std::string(f.value.in(o.buf));
    return "<absent>";
}

void expect_rejected(const std::string& text, int status, std::string_view code, HeadLimits limits = {}) {
    Outcome o = parse(text, limits);
    ASSERT_EQ(o.parse, Parse::rejected) << text;
    EXPECT_EQ(o.why.status, status) << text;
    EXPECT_EQ(o.why.code, code) << text;
}

TEST(HttpHeadTest, AcceptsAPostWithContentLength) {
    Outcome o = parse(
        "POST /v1/chat/completions?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n"
        "Content-Type:application/json \r\n\r\n{\"a\":1}");
    ASSERT_EQ(o.parse, Parse::complete) << o.why.message;
    EXPECT_EQ(o.head.method.in(o.buf), "POST");
    EXPECT_EQ(o.head.target.in(o.buf), "/v1/chat/completions?x=1");
    EXPECT_EQ(o.head.minor_version, 1);
    EXPECT_EQ(o.head.framing, Framing::content_length);
    EXPECT_EQ(o.head.content_length, 12u);
    EXPECT_TRUE(o.head.keep_alive);
    EXPECT_EQ(header(o, "Content-Type"), "application/json");
    EXPECT_EQ(o.buf.substr(o.head.size), "{\"a\":1}");
}

TEST(HttpHeadTest, AcceptsChunkedCloseExpectAndHttp10) {
    Outcome o = parse(
        "PUT /x HTTP/1.1\r\nhost: a\r\ntransfer-encoding: ChunKed\r\nConnection: close\r\n"
        "Expect: 100-continue\r\n\r\n");
    ASSERT_EQ(o.parse, Parse::complete) << o.why.message;
    EXPECT_EQ(o.head.framing, Framing::chunked);
    EXPECT_FALSE(o.head.keep_alive);
    EXPECT_TRUE(o.head.expect_continue);
    Outcome old = parse("GET / HTTP/1.0\r\n\r\n");
    ASSERT_EQ(old.parse, Parse::complete);  // no Host needed on 1.0
    EXPECT_FALSE(old.head.keep_alive);
    EXPECT_EQ(old.head.framing, Framing::none);
    Outcome ka = parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
    ASSERT_EQ(ka.parse, Parse::complete);
    EXPECT_TRUE(ka.head.keep_alive);
}

TEST(HttpHeadTest, ToleratesEmptyLinesBeforeTheRequestLineAndObsTextInValues) {
    Outcome o = parse("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nX-Name: caf\xc3\xa9\t ok\r\n\r\n");
    ASSERT_EQ(o.parse, Parse::complete) << o.why.message;
    EXPECT_EQ(header(o, "X-Name"), "caf\xc3\xa9\t ok");
}

TEST(HttpHeadTest, WaitsForTheEndOfTheHead) {
    EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\n").parse, Parse::incomplete);
    EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\n\r").parse, Parse::incomplete);
    EXPECT_EQ(parse("GET / HTT").parse, Parse::incomplete);
    EXPECT_EQ(parse("").parse, Parse::incomplete);
}

TEST(HttpHeadTest, ParsesTheSameHeadFedOneByteAtATime) {
    const std::string text = "POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nX: y\r\n\r\nrest";
    HeadParser parser(HeadLimits{});
    RequestHead head;
    Rejection why;
    Parse p = Parse::incomplete;
    size_t fed = 0;
    while (p == Parse::incomplete && fed < text.size())
        p = parser.feed(std::string_view(text).substr(0, ++fed), head, why);
    ASSERT_EQ(p, Parse::complete) << why.message;
    EXPECT_EQ(head.size, text.size() - 4);
    EXPECT_EQ(head.framing, Framing::chunked);
    EXPECT_EQ(head.fields.size(), 3u);
}

TEST(HttpHeadTest, RefusesAmbiguousFraming) {
    expect_rejected("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
                    "ambiguous_framing");
    expect_rejected("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400,
                    "ambiguous_framing");
    expect_rejected("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
                    400, "unsupported_transfer_encoding");
    for (const char* te : {"xchunked", "chunked, identity", "identity", "gzip, chunked", "chunked;q=1", ""})
        expect_rejected(std::string("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ") + te + "\r\n\r\n", 400,
                        "unsupported_transfer_encoding");
    expect_rejected("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "unsupported_transfer_encoding");
}

TEST(HttpHeadTest, RefusesDuplicateOrMalformedContentLength) {
    expect_rejected("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", 400,
                    "invalid_content_length");
    for (const char* cl : {"", "+5", "-5", "5 5", "0x10", "5,5", "1e3", "99999999999999999999", "5a"})
        expect_rejected(std::string("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ") + cl + "\r\n\r\n", 400,
                        "invalid_content_length");
}

TEST(HttpHeadTest, RefusesBareLineEndsFoldingAndBadNames) {
    expect_rejected("GET / HTTP/1.1\nHost: a\r\n\r\n", 400, "malformed_header");
    expect_rejected("GET / HTTP/1.1\r\nHost: a\n\r\n", 400, "malformed_header");
    expect_rejected("GET / HTTP/1.1\r\nHost: a\r\n\n", 400, "malformed_header");
    expect_rejected("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", 400, "malformed_header");
    expect_rejected("GET / HTTP/1.1\r\nHost: a\r\nX-Long: one\r\n two\r\n\r\n", 400, "obsolete_line_folding");
    expect_rejected("GET / HTTP/1.1\r\nHost: a\r\nX-Long: one\r\n\ttwo\r\n\r\n", 400, "obsolete_line_folding");
    expect_rejected("GET / HTTP/1.1\r\nHost: a\r\nContent-Length : 5\r\n\r\n", 400, "malformed_header");
    expect_rejected("GET / HTTP/1.1\r\nHost: a\r\nBad\x01Name: 5\r\n\r\n", 400, "malformed_header");
    expect_rejected("GET / HTTP/1.1\r\nHost: a\r\n: empty\r\n\r\n", 400, "malformed_header");
    expect_rejected("GET / HTTP/1.1\r\nHost: a\r\nno colon\r\n\r\n", 400, "malformed_header");
    expect_rejected("GET / HTTP/1.1\r\nHost: a\r\nX: a\x01z\r\n\r\n", 400, "malformed_header");
    expect_rejected("GET / HTTP/1.1\r\nHost: a\r\nX: a\x7fz\r\n\r\n", 400, "malformed_header");
}

TEST(HttpHeadTest, RefusesMalformedRequestLinesAndOtherVersions) {
    for (const char* line :
         {"GET /\r\n", "GET  / HTTP/1.1\r\n", " GET / HTTP/1.1\r\n", "GET / HTTP/1.1 \r\n", "G@T / HTTP/1.1\r\n",
          "GET /a\x01 HTTP/1.1\r\n", "GET / http/1.1\r\n", "GET / HTTP/11\r\n"})
        expect_rejected(std::string(line) + "Host: a\r\n\r\n", 400, "malformed_request_line");
    expect_rejected("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, "http_version_not_supported");
    expect_rejected("GET / HTTP/1.2\r\nHost: a\r\n\r\n", 505, "http_version_not_supported");
    expect_rejected("\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400,
                    "malformed_request_line");
}

TEST(HttpHeadTest, RefusesMissingOrDuplicateHostOnHttp11) {
    expect_rejected("GET / HTTP/1.1\r\nX: y\r\n\r\n", 400, "invalid_host");
    expect_rejected("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "invalid_host");
}

TEST(HttpHeadTest, AppliesTheUriAndHeaderLimits) {
    HeadLimits limits{64, 256, 4};
    EXPECT_EQ(parse("GET /" + std::string(63, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n", limits).parse, Parse::complete);
    expect_rejected("GET /" + std::string(64, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n", 414, "uri_too_long", limits);
    // A target that keeps coming without a line end is refused before it ends.
    expect_rejected("GET /" + std::string(500, 'a'), 414, "uri_too_long", limits);
    expect_rejected(std::string(500, 'G'), 400, "malformed_request_line", limits);
    expect_rejected("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", 431,
                    "request_header_fields_too_large", limits);
    expect_rejected("GET / HTTP/1.1\r\nHost: a\r\nBig: " + std::string(300, 'x') + "\r\n\r\n", 431,
                    "request_header_fields_too_large", limits);
    // Headers that never end are refused once they pass the limit.
    expect_rejected("GET / HTTP/1.1\r\nHost: a\r\nBig: " + std::string(300, 'x'), 431,
                    "request_header_fields_too_large", limits);
    EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\nBig: x\r\n\r\n", limits).parse, Parse::complete);
    expect_rejected("GET /" + std::string(64, 'a') + " HTTP/1.1\r\n", 414, "uri_too_long", limits);
}

TEST(HttpHeadTest, RejectionsCarryTheirMetricReason) {
    EXPECT_EQ(parse("GET / HTTP/1.1\nHost: a\r\n\r\n").why.reason, "bad_framing");
    EXPECT_EQ(parse("GET /" + std::string(100, 'a') + " HTTP/1.1\r\n", HeadLimits{64, 256, 4}).why.reason,
              "uri_too_long");
    EXPECT_EQ(parse("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n", HeadLimits{64, 256, 1}).why.reason, "headers_too_large");
}

TEST(HttpHeadTest, ResetStartsANewRequest) {
    HeadParser parser(HeadLimits{});
    RequestHead head;
    Rejection why;
    std::string a = "GET /a HTTP/1.1\r\nHost: a\r\n\r\n";
    ASSERT_EQ(parser.feed(a, head, why), Parse::complete);
    parser.reset();
    std::string b = "GET /bb HTTP/1.0\r\n\r\n";
    ASSERT_EQ(parser.feed(b, head, why), Parse::complete);
    EXPECT_EQ(head.target.in(b), "/bb");
    EXPECT_TRUE(head.fields.empty());
    EXPECT_EQ(head.minor_version, 0);
}

}  // namespace
}  // namespace sy::server::http
