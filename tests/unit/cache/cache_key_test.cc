// The exact cache's key: the same for requests that can only get the same answer, different
// otherwise.
#include <gtest/gtest.h>

#include "cache/cache_key.hpp"

namespace sy::cache {
namespace {

std::string key_of(const std::string& body, const std::string& model = "m", const std::string& scope = "k:a") {
    ChatRequest req;
    EXPECT_FALSE(parse_chat_request(body, req).has_value()) << body;
    auto k = cache_key(req, model, scope);
    EXPECT_TRUE(k);
    return k ? k->key : "";
}

TEST(CacheKeyTest, IgnoresKeyOrderAndFieldsThatDoNotChangeTheAnswer) {
    std::string base = key_of(R"({"model": "m", "temperature": 0, "messages": [{"role": "user", "content": "hi"}]})");
    EXPECT_EQ(base.size(), 64u) << "SHA-256 hex";
    EXPECT_EQ(key_of(R"({"messages": [{"content": "hi", "role": "user"}], "temperature": 0, "model": "alias",
                        "user": "u1", "stream": true, "stream_options": {"include_usage": true}, "metadata": {"a": "b"}})"),
              base);
}

TEST(CacheKeyTest, DiffersForWhatChangesTheAnswerOrWhoSharesIt) {
    const std::string body = R"({"model": "m", "temperature": 0, "messages": [{"role": "user", "content": "hi"}]})";
    std::string base = key_of(body);
    EXPECT_NE(key_of(R"({"model": "m", "temperature": 0, "messages": [{"role": "user", "content": "hi!"}]})"), base);
    EXPECT_NE(key_of(R"({"model": "m", "temperature": 0, "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]})"), base);
    EXPECT_NE(key_of(body, "other-model"), base) << "the served model";
    EXPECT_NE(key_of(body, "m", "k:b"), base) << "another tenant";
}

TEST(CacheKeyTest, KnowsDeterministicRequests) {
    auto det = [](const std::string& body) {
        ChatRequest req;
        EXPECT_FALSE(parse_chat_request(body, req).has_value());
        return cache_key(req, "m", "*")->deterministic;
    };
    EXPECT_TRUE(det(R"({"model": "m", "temperature": 0, "messages": [{"role": "user", "content": "x"}]})"));
    EXPECT_TRUE(det(R"({"model": "m", "seed": 3, "temperature": 1, "messages": [{"role": "user", "content": "x"}]})"));
    EXPECT_FALSE(det(R"({"model": "m", "messages": [{"role": "user", "content": "x"}]})"));
    EXPECT_FALSE(det(R"({"model": "m", "temperature": 0.2, "messages": [{"role": "user", "content": "x"}]})"));
}

}  // namespace
}  // namespace sy::cache
