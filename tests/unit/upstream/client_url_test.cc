// Strict parsing of a client-supplied base URL (upstream/client_url.hpp).
#include "upstream/client_url.hpp"

#include <gtest/gtest.h>

namespace sy::upstream {
namespace {

ClientUrl parse_ok(std::string_view url) {
    ClientUrl out;
    std::string err;
    EXPECT_TRUE(parse_client_url(url, out, err)) << url << ": " << err;
    return out;
}

std::string parse_error(std::string_view url) {
    ClientUrl out;
    std::string err;
    EXPECT_FALSE(parse_client_url(url, out, err)) << url << " was accepted";
    return err;
}

TEST(ClientUrlTest, ReadsSchemeHostPortAndPath) {
    ClientUrl u = parse_ok("HTTPS://Tenant.Example.com:8443/openai/v1/");
    EXPECT_TRUE(u.endpoint.tls);
    EXPECT_EQ(u.endpoint.host, "tenant.example.com");
    EXPECT_EQ(u.endpoint.port, 8443);
    EXPECT_EQ(u.endpoint.base_path, "/openai/v1");
    EXPECT_EQ(u.endpoint.host_header, "tenant.example.com:8443");
    EXPECT_TRUE(u.endpoint.addresses.empty());
    ClientUrl plain = parse_ok("http://10.0.0.1");
    EXPECT_FALSE(plain.endpoint.tls);
    EXPECT_EQ(plain.endpoint.port, 80);
    EXPECT_EQ(plain.endpoint.host_header, "10.0.0.1");
    EXPECT_EQ(plain.host.ip->to_string(), "10.0.0.1");
}

TEST(ClientUrlTest, ParsesBracketedIpv6AsAnAddress) {
    ClientUrl u = parse_ok("http://[::FFFF:127.0.0.1]:9000/v1");
    ASSERT_TRUE(u.host.ip);
    EXPECT_EQ(u.host.ip->version, 6);
    EXPECT_EQ(u.endpoint.host, "::ffff:127.0.0.1");
    EXPECT_EQ(u.endpoint.host_header, "[::ffff:127.0.0.1]:9000");
    EXPECT_EQ(parse_ok("http://[::1]").endpoint.host_header, "[::1]");
}

TEST(ClientUrlTest, RefusesNumericHostFormsPeopleMisread) {
    for (const char* url : {"http://2130706433/v1", "http://0x7f000001/v1", "http://0177.0.0.1/v1", "http://127.1/v1",
                            "http://127.0.1:8000/", "http://0x7f.1/"})
        EXPECT_NE(parse_error(url).find("numeric host"), std::string::npos) << url;
}

TEST(ClientUrlTest, RefusesUserInfoQueryFragmentAndOtherSchemes) {
    EXPECT_NE(parse_error("http://user:pw@api.example.com/v1").find("user info"), std::string::npos);
    EXPECT_NE(parse_error("http://api.example.com@127.0.0.1/").find("user info"), std::string::npos);
    EXPECT_NE(parse_error("http://api.example.com/v1#x").find("fragment"), std::string::npos);
    EXPECT_NE(parse_error("http://api.example.com/v1?a=b").find("query"), std::string::npos);
    EXPECT_NE(parse_error("ftp://api.example.com/").find("http:// or https://"), std::string::npos);
    EXPECT_NE(parse_error("//api.example.com/").find("http:// or https://"), std::string::npos);
    EXPECT_NE(parse_error("file:///etc/passwd").find("http:// or https://"), std::string::npos);
}

TEST(ClientUrlTest, RefusesMalformedAuthoritiesAndPaths) {
    EXPECT_NE(parse_error("http://::1/").find("brackets"), std::string::npos);
    EXPECT_NE(parse_error("http://[::1]x/").find("after its ']'"), std::string::npos);
    EXPECT_NE(parse_error("http://api.example.com:/").find("empty port"), std::string::npos);
    EXPECT_NE(parse_error("http://api.example.com:0/").find("invalid port"), std::string::npos);
    EXPECT_NE(parse_error("http://api.example.com:65536/").find("invalid port"), std::string::npos);
    EXPECT_NE(parse_error("http://api.example.com:+80/").find("invalid port"), std::string::npos);
    EXPECT_NE(parse_error("http://api.example.com/v1 x").find("space"), std::string::npos);
    EXPECT_NE(parse_error("http://api.example.com/v1\r\nHost: evil").find("control"), std::string::npos);
    EXPECT_NE(parse_error("http://api.example.com\\@evil.example/").find("backslash"), std::string::npos);
    EXPECT_NE(parse_error("http://api.example.com/%zz").find("%-escape"), std::string::npos);
    EXPECT_NE(parse_error("http://api.example.com/a/../b").find("dot segment"), std::string::npos);
    EXPECT_NE(parse_error("http://api.example.com/a/<b>").find("character '<'"), std::string::npos);
    EXPECT_NE(parse_error("http://ex%61mple.com/").find("invalid host"), std::string::npos);
    EXPECT_NE(parse_error("http:///v1").find("missing host"), std::string::npos);
    parse_error("http://" + std::string(2100, 'a') + ".com/");
}

}  // namespace
}  // namespace sy::upstream
