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


std::optional<SemanticKey> semantic_of(const std::string& body, const std::string& model = "m",
                                       const std::string& scope = "k:a", const std::string& embedder = "e") {
    ChatRequest req;
    EXPECT_FALSE(parse_chat_request(body, req).has_value()) << body;
    return semantic_key(req, model, scope, embedder);
}

std::string conversation(const std::string& system, const std::string& last, const std::string& more = "") {
    return R"({"model": "m", "temperature": 0)" + more + R"(, "messages": [{"role": "system", "content": ")" + system +
           R"("}, {"role": "user", "content": ")" + last + R"("}]})";
}

TEST(SemanticKeyTest, TheBucketIgnoresOnlyTheWordingOfTheLastUserTurn) {
    auto base = semantic_of(conversation("be brief", "What is the capital of France?"));
    ASSERT_TRUE(base);
    EXPECT_EQ(base->text, "What is the capital of France?");
    EXPECT_TRUE(base->deterministic);
    auto reworded = semantic_of(conversation("be brief", "Tell me the capital of France"));
    ASSERT_TRUE(reworded);
    EXPECT_EQ(reworded->bucket, base->bucket);
    EXPECT_NE(semantic_of(conversation("be verbose", "What is the capital of France?"))->bucket, base->bucket)
        << "another system prompt";
    EXPECT_NE(semantic_of(conversation("be brief", "What is the capital of France?", R"(, "max_tokens": 9)"))->bucket,
              base->bucket)
        << "another parameter";
    EXPECT_NE(semantic_of(conversation("be brief", "What is the capital of France?"), "n")->bucket, base->bucket)
        << "another model";
    EXPECT_NE(semantic_of(conversation("be brief", "What is the capital of France?"), "m", "k:b")->bucket, base->bucket)
        << "another tenant";
    EXPECT_NE(semantic_of(conversation("be brief", "What is the capital of France?"), "m", "k:a", "e2")->bucket,
              base->bucket)
        << "another embedder";
    EXPECT_NE(base->bucket, key_of(conversation("be brief", "What is the capital of France?")))
        << "not the exact key";
}

TEST(SemanticKeyTest, OnlyALastUserTurnOfTextIsCompared) {
    auto parts = semantic_of(R"({"model": "m", "messages": [{"role": "user", "content": [{"type": "text", "text": "a"},
                                {"type": "text", "text": "b"}]}]})");
    ASSERT_TRUE(parts);
    EXPECT_EQ(parts->text, "a\nb");
    EXPECT_FALSE(parts->deterministic);
    EXPECT_FALSE(semantic_of(R"({"model": "m", "messages": [{"role": "user", "content": [{"type": "text", "text": "a"},
                                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA=="}}]}]})"))
        << "an image's meaning is not in the text";
    EXPECT_FALSE(semantic_of(R"({"model": "m", "messages": [{"role": "user", "content": "q"},
                                {"role": "assistant", "content": "a"}]})"))
        << "the last turn is not the user's";
}

}  // namespace
}  // namespace sy::cache
