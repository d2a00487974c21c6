#include <switchyard/testing.hpp>

#include <gtest/gtest.h>

#include "plugin_path.hpp"

namespace {

using namespace switchyard::testing;

class MockProviderTest : public ::testing::Test {
protected:
    Plugin plugin{bundled_plugin("mock")};
};

std::string joined_content(const std::vector<std::string>& chunks) {
    std::string text;
    for (const auto& c : chunks) {
        size_t p = c.find("\"content\":\"");
        if (p == std::string::npos) continue;
        p += 11;
        text += c.substr(p, c.find('"', p) - p);
    }
    return text;
}

TEST_F(MockProviderTest, IsALocalProvider) {
    EXPECT_NE(plugin.provider().flags & SY_PROVIDER_LOCAL, 0u);
}

TEST_F(MockProviderTest, RefusesBadConfigNamingTheKey) {
    ProviderUnderTest p(plugin, R"({"error_rate": 2})");
    EXPECT_EQ(p.create_status(), SY_ERR_CONFIG);
    EXPECT_EQ(p.create_error(), "mock: config.error_rate: must be between 0 and 1, got 2");
    ProviderUnderTest q(plugin, R"({"ttft": 5})");
    EXPECT_EQ(q.create_error(), "mock: config.ttft: unknown key");
}

TEST_F(MockProviderTest, AnswersDeterministicallyFromThePrompt) {
    ProviderUnderTest p(plugin, R"({"ttft_ms": 20, "tokens_per_second": 100})");
    Request r;
    r.last_user_text = "tell me \"quoted\" things";
    sy_response_writer w;
    uint64_t delay = 0;
    ASSERT_EQ(p.complete_local(r, w, delay), SY_OK);
    EXPECT_NE(w.body.find(R"("content":"[upstream-m] tell me \"quoted\" things")"), std::string::npos) << w.body;
    EXPECT_NE(w.body.find(R"("finish_reason":"stop")"), std::string::npos);
    EXPECT_EQ(w.usage.prompt_tokens, 10);
    EXPECT_EQ(w.usage.completion_tokens, 5);
    EXPECT_EQ(delay, 20000u + 5 * 10000u);  // ttft + 5 words at 100/s
}

TEST_F(MockProviderTest, TruncatesToMaxTokensWithLengthFinish) {
    ProviderUnderTest p(plugin, R"({"answer_words": 50})");
    Request r;
    r.max_tokens = 3;
    sy_response_writer w;
    uint64_t delay = 0;
    ASSERT_EQ(p.complete_local(r, w, delay), SY_OK);
    EXPECT_EQ(w.usage.completion_tokens, 3);
    EXPECT_EQ(w.finish_reason, "length");
}

TEST_F(MockProviderTest, StreamsRoleWordsFinishAndRequestedUsage) {
    ProviderUnderTest p(plugin, R"({"ttft_ms": 10, "tokens_per_second": 1000})");
    Request r;
    r.stream = true;
    r.include_usage = true;
    r.last_user_text = "one two three";
    sy_response_writer w;
    uint64_t total = p.stream_local(r, w);
    ASSERT_EQ(w.chunks.size(), 1u + 4u + 1u + 1u);  // role, 4 words, finish, usage
    EXPECT_EQ(joined_content(w.chunks), "[upstream-m] one two three");
    EXPECT_NE(w.chunks[5].find(R"("finish_reason":"stop")"), std::string::npos);
    EXPECT_NE(w.chunks[6].find(R"("choices":[],"usage")"), std::string::npos) << w.chunks[6];
    EXPECT_EQ(total, 10000u + 4 * 1000u);
}

TEST_F(MockProviderTest, StreamOmitsUsageChunkUnlessAsked) {
    ProviderUnderTest p(plugin, "{}");
    Request r;
    r.stream = true;
    sy_response_writer w;
    p.stream_local(r, w);
    for (const auto& c : w.chunks) EXPECT_EQ(c.find("\"usage\""), std::string::npos) << c;
    EXPECT_TRUE(w.has_usage);  // still reported to the host for accounting
}

TEST_F(MockProviderTest, CallsTheFirstToolForWeatherQuestions) {
    ProviderUnderTest p(plugin, "{}");
    Request r;
    r.has_tools = true;
    r.last_user_text = "what is the weather?";
    r.body = R"({"model":"m","messages":[],"tools":[{"type":"function","function":{"name":"get_weather"}}]})";
    sy_response_writer w;
    uint64_t delay = 0;
    ASSERT_EQ(p.complete_local(r, w, delay), SY_OK);
    EXPECT_NE(w.body.find(R"("name":"get_weather")"), std::string::npos) << w.body;
    EXPECT_NE(w.body.find(R"("finish_reason":"tool_calls")"), std::string::npos);

    r.stream = true;
    sy_response_writer s;
    p.stream_local(r, s);
    std::string args;
    for (const auto& c : s.chunks) {
        size_t at = c.find("\"arguments\":\"");
        if (at == std::string::npos) continue;
        at += 13;
        std::string piece;
        for (size_t i = at; i < c.size() && c[i] != '"'; ++i) {
            if (c[i] == '\\') ++i;
            piece += c[i];
        }
        args += piece;
    }
    EXPECT_EQ(args, R"({"city":"Paris"})");
}

TEST_F(MockProviderTest, ErrorRateOneAlwaysFails) {
    ProviderUnderTest p(plugin, R"({"error_rate": 1, "error_status": 429})");
    sy_response_writer w;
    uint64_t delay = 0;
    ASSERT_EQ(p.complete_local(Request(), w, delay), SY_OK);
    EXPECT_EQ(w.error_status, 429);
    EXPECT_EQ(w.error_type, "rate_limit_error");
    EXPECT_TRUE(w.body.empty());
}

}  // namespace
