// The strict chunked-body decoder: well-formed bodies (whole and byte by byte), every framing
// error, and the body limit applied when a chunk size is read.
#include "server/chunked_body.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sy::server::http {
namespace {

struct Decoded {
    Parse parse;
    std::string body;
    size_t consumed = 0;
    Rejection why;
};

Decoded decode(const std::string& in, uint64_t max_body = 1024, size_t max_trailer = 256) {
    ChunkedDecoder d(max_body, max_trailer);
    Decoded out{Parse::incomplete, {}, 0, {}};
    out.parse = d.feed(in, out.body, out.consumed, out.why);
    return out;
}

void expect_malformed(const std::string& in) {
    Decoded d = decode(in);
    ASSERT_EQ(d.parse, Parse::rejected) << in;
    EXPECT_EQ(d.why.status, 400) << in;
    EXPECT_EQ(d.why.code, "malformed_chunked_body") << in;
}

TEST(ChunkedBodyTest, DecodesChunksExtensionsAndTrailers) {
    Decoded d = decode("5\r\nhello\r\nA;name=v;x\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\nGET / HTTP/1.1");
    ASSERT_EQ(d.parse, Parse::complete) << d.why.message;
    EXPECT_EQ(d.body, "hello0123456789");
    EXPECT_EQ(d.consumed, std::string("5\r\nhello\r\nA;name=v;x\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n").size());
    Decoded empty = decode("0\r\n\r\n");
    ASSERT_EQ(empty.parse, Parse::complete);
    EXPECT_EQ(empty.body, "");
}

TEST(ChunkedBodyTest, DecodesTheSameBodyFedOneByteAtATime) {
    const std::string in = "3\r\nabc\r\n1f\r\n" + std::string(31, 'z') + "\r\n0\r\n\r\n";
    ChunkedDecoder d(1024, 256);
    std::string body;
    Rejection why;
    Parse p = Parse::incomplete;
    for (size_t i = 0; i < in.size() && p == Parse::incomplete; ++i) {
        size_t used = 0;
        p = d.feed(std::string_view(in).substr(i, 1), body, used, why);
        ASSERT_EQ(used, 1u);
    }
    ASSERT_EQ(p, Parse::complete) << why.message;
    EXPECT_EQ(body, "abc" + std::string(31, 'z'));
    EXPECT_EQ(d.decoded(), 34u);
}

TEST(ChunkedBodyTest, WaitsForMore) {
    EXPECT_EQ(decode("5\r\nhel").parse, Parse::incomplete);
    EXPECT_EQ(decode("5\r\nhello\r\n0\r\n").parse, Parse::incomplete);
    EXPECT_EQ(decode("5").parse, Parse::incomplete);
}

TEST(ChunkedBodyTest, RefusesMalformedFraming) {
    expect_malformed("5\nhello\r\n0\r\n\r\n");                 // bare LF after the size
    expect_malformed("5\r\nhello\n0\r\n\r\n");                 // bare LF after data
    expect_malformed("5\r\nhelloX\r\n0\r\n\r\n");              // data longer than announced
    expect_malformed("\r\nhello\r\n0\r\n\r\n");                // no size
    expect_malformed("g\r\n");                                 // not hex
    expect_malformed("+5\r\nhello\r\n0\r\n\r\n");              // sign
    expect_malformed(" 5\r\nhello\r\n0\r\n\r\n");              // leading space
    expect_malformed("5 \r\nhello\r\n0\r\n\r\n");              // trailing space
    expect_malformed(";ext\r\n");                              // extension without size
    expect_malformed("5;a\x01\r\n");                           // control byte in an extension
    expect_malformed("1000000000000000\r\n");                  // 16 hex digits: overflow guard
    expect_malformed("0\r\nX: 1\n\r\n");                       // bare LF in trailers
    expect_malformed("0\r\n folded\r\n\r\n");                  // obs-fold in trailers
    expect_malformed("0\r\n\rx");                              // bare CR at the end
    expect_malformed("5;" + std::string(5000, 'e') + "\r\n");  // endless extension
}

TEST(ChunkedBodyTest, RefusesABodyOverTheLimitAtTheChunkSize) {
    Decoded d = decode("10\r\n", 15);  // 16 bytes announced, 15 allowed: refused before the data
    ASSERT_EQ(d.parse, Parse::rejected);
    EXPECT_EQ(d.why.status, 413);
    EXPECT_EQ(d.why.reason, "body_too_large");
    Decoded sum = decode("8\r\n12345678\r\n8\r\n", 15);  // the second chunk passes the limit
    ASSERT_EQ(sum.parse, Parse::rejected);
    EXPECT_EQ(sum.why.status, 413);
    EXPECT_EQ(sum.body, "12345678");
    EXPECT_EQ(decode("f\r\n" + std::string(15, 'a') + "\r\n0\r\n\r\n", 15).parse, Parse::complete);
}

TEST(ChunkedBodyTest, RefusesTrailersOverTheLimit) {
    Decoded d = decode("0\r\nX: " + std::string(300, 'x') + "\r\n\r\n", 1024, 256);
    ASSERT_EQ(d.parse, Parse::rejected);
    EXPECT_EQ(d.why.status, 431);
}

TEST(ChunkedBodyTest, ResetDecodesAnotherBody) {
    ChunkedDecoder d(1024, 256);
    std::string body;
    size_t used = 0;
    Rejection why;
    ASSERT_EQ(d.feed("1\r\na\r\n0\r\n\r\n", body, used, why), Parse::complete);
    d.reset();
    body.clear();
    ASSERT_EQ(d.feed("2\r\nbc\r\n0\r\n\r\n", body, used, why), Parse::complete);
    EXPECT_EQ(body, "bc");
    EXPECT_EQ(d.decoded(), 2u);
}

}  // namespace
}  // namespace sy::server::http
