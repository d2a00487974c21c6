// Redacted values put back into answers: whole JSON bodies, and streams whose placeholders are
// split across chunks, in the OpenAI shape and through the Anthropic translator.
#include <gtest/gtest.h>

#include "server/anthropic_messages.hpp"
#include "server/restoring_translator.hpp"

namespace sy::server {
namespace {

std::string chunk(const std::string& content, const char* finish = nullptr) {
    return std::string(R"(data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":")") +
           content + R"("},"finish_reason":)" + (finish ? std::string("\"") + finish + "\"" : "null") + "}]}\n\n";
}

// The content deltas of SSE frames, concatenated.
std::string contents(const std::string& sse) {
    std::string out;
    const std::string key = R"("content":")";
    for (size_t at = sse.find(key); at != std::string::npos; at = sse.find(key, at + 1)) {
        size_t end = sse.find('"', at + key.size());
        out += sse.substr(at + key.size(), end - at - key.size());
    }
    return out;
}

class RestoringTranslatorTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string out;
        policy::redact_with_placeholders("ann@example.com", 1u << static_cast<unsigned>(policy::PiiKind::email), ph_, out);
        ASSERT_EQ(out, "[EMAIL_1]");
    }
    policy::PiiPlaceholders ph_;
};

TEST_F(RestoringTranslatorTest, RestoresAWholeAnswer) {
    RestoringTranslator t(ph_, nullptr);
    EXPECT_EQ(t.json(R"({"choices":[{"message":{"content":"mail [EMAIL_1] now"}}]})"),
              R"({"choices":[{"message":{"content":"mail ann@example.com now"}}]})");
}

TEST_F(RestoringTranslatorTest, APlaceholderSplitAcrossChunksIsRestoredWhole) {
    RestoringTranslator t(ph_, nullptr);
    std::string sent;
    for (std::string frames : {chunk("write to [EM"), chunk("AIL"), chunk("_1] today"), chunk("", "stop")}) {
        t.frames(frames);
        sent += frames;
    }
    sent += t.done();
    EXPECT_EQ(contents(sent), "write to ann@example.com today") << sent;
    EXPECT_EQ(sent.find("[EM"), std::string::npos) << "no piece of the placeholder reaches the client";
    EXPECT_NE(sent.find("data: [DONE]"), std::string::npos);
}

TEST_F(RestoringTranslatorTest, WhatIsHeldBackIsSentWhenTheStreamEnds) {
    RestoringTranslator t(ph_, nullptr);
    std::string first = chunk("a bracket [");
    t.frames(first);
    EXPECT_EQ(contents(first), "a bracket ");
    std::string end = t.done();
    EXPECT_EQ(contents(end), "[") << "not a placeholder after all";
    EXPECT_TRUE(end.ends_with("data: [DONE]\n\n"));
}

TEST_F(RestoringTranslatorTest, FramesWithoutPlaceholdersPassUnchanged) {
    RestoringTranslator t(ph_, nullptr);
    std::string frames = chunk("plain") + ": keep-alive\n\n";
    std::string before = frames;
    t.frames(frames);
    EXPECT_EQ(frames, before);
}

TEST_F(RestoringTranslatorTest, TheAnthropicTranslatorSeesTheRestoredAnswer) {
    AnthropicTranslator anthropic;
    RestoringTranslator t(ph_, &anthropic);
    std::string body = t.json(R"({"id":"c1","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"to [EMAIL_1]"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}})");
    EXPECT_NE(body.find(R"("text":"to ann@example.com")"), std::string::npos) << body;
    EXPECT_NE(body.find(R"("type":"message")"), std::string::npos) << body;
}

}  // namespace
}  // namespace sy::server
