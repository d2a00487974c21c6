// The nesting cap checked before JSON from outside is parsed (core/json_depth.hpp, the SDK's
// switchyard::json_too_deep). Found while writing the fuzz targets: a 200 KB body of '['
// overflowed the stack in rapidjson's recursive reader.
#include "core/json_depth.hpp"

#include <switchyard/chat_request.hpp>

#include <gtest/gtest.h>

#include <string>

namespace sy {
namespace {

std::string nested(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(JsonDepthTest, CountsArraysAndObjectsUpToTheLimit) {
    EXPECT_FALSE(json_too_deep(nested(kMaxJsonDepth)));
    EXPECT_TRUE(json_too_deep(nested(kMaxJsonDepth + 1)));
    EXPECT_TRUE(json_too_deep(R"({"a":{"b":[[{"c":1}]]}})", 4));
    EXPECT_FALSE(json_too_deep(R"({"a":{"b":[[{"c":1}]]}})", 5));
    EXPECT_FALSE(json_too_deep(R"([[1],[2],[3],[4],[5],[6]])", 2));  // siblings do not add up
}

TEST(JsonDepthTest, TextWithNoMoreOpeningBracketsThanTheLimitIsNeverTooDeep) {
    // The quick count: at the limit it cannot be deeper, one more and the exact walk decides.
    EXPECT_FALSE(json_too_deep(std::string(kMaxJsonDepth, '{')));
    EXPECT_TRUE(json_too_deep(std::string(kMaxJsonDepth + 1, '{')));
    std::string shallow = "[";
    for (size_t i = 0; i < 3 * kMaxJsonDepth; ++i) shallow += "{},";
    EXPECT_FALSE(json_too_deep(shallow + "[]]"));  // many brackets, depth 2
}

TEST(JsonDepthTest, IgnoresBracketsInsideStrings) {
    EXPECT_FALSE(json_too_deep(R"(["[[[[", "{{{{", "\"[[[["])", 1));
    EXPECT_TRUE(json_too_deep(R"(["\\", [[]]])", 2));  // an escaped backslash does not hide the quote
}

TEST(JsonDepthTest, OnePassOverAHugeInput) {
    EXPECT_TRUE(json_too_deep(std::string(4 << 20, '[')));
    EXPECT_FALSE(json_too_deep(std::string(4 << 20, ']')));
}

TEST(ChatRequestTest, RefusesABodyNestedTooDeepInsteadOfOverflowingTheStack) {
    ChatRequest r;
    std::string body = R"({"model": "m", "messages": [{"role": "user", "content": "x"}], "tools": )" +
                       std::string(200000, '[');
    auto err = parse_chat_request(body, r);
    ASSERT_TRUE(err);
    EXPECT_EQ(err->status, 400);
    EXPECT_EQ(err->code, "invalid_json");
    EXPECT_NE(err->message.find("deeper than 128 levels"), std::string::npos) << err->message;
}

}  // namespace
}  // namespace sy
