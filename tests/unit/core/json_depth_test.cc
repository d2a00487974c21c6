// The nesting cap checked before JSON from outside is parsed (core/json_depth.hpp, the SDK's
// switchyard::json_too_deep). Found while writing the fuzz targets: a 200 KB body of '['
// overflowed the stack in rapidjson's recursive reader.
#include "core/json_depth.hpp"

#include <switchyard/chat_request.hpp>
#include <switchyard/sdk.hpp>

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

// The SDK's raw control byte check (switchyard::json_forbidden_byte), every byte value at the
// start, inside and at the end of texts short and long (the vectorised pass and its tail).
TEST(JsonForbiddenByteTest, FindsTheFirstControlByteOtherThanTabLineFeedAndReturn) {
    for (int b = 0; b < 256; ++b) {
        const char c = static_cast<char>(b);
        const bool forbidden = b < 0x20 && b != '\t' && b != '\n' && b != '\r';
        EXPECT_EQ(switchyard::json_raw_control(c), forbidden ? 1u : 0u) << b;
        for (size_t size : {1, 17, 100}) {
            for (size_t at : {size_t{0}, size / 2, size - 1}) {
                std::string text(size, 'a');
                text[at] = c;
                EXPECT_EQ(switchyard::json_forbidden_byte(text), forbidden ? at : std::string_view::npos)
                    << "byte " << b << " at " << at << " of " << size;
            }
        }
    }
    EXPECT_EQ(switchyard::json_forbidden_byte(""), std::string_view::npos);
    EXPECT_EQ(switchyard::json_forbidden_byte(std::string("a\x1b b\x01", 5)), 1u);  // the first of two
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
