#include <switchyard/testing.hpp>

#include <gtest/gtest.h>

#include "plugin_path.hpp"

namespace {

using namespace switchyard::testing;

class OpenAIProviderTest : public ::testing::Test {
protected:
    Plugin plugin{bundled_plugin("openai")};
};

TEST_F(OpenAIProviderTest, DescriptorIsARemoteProvider) {
    EXPECT_STREQ(plugin.descriptor().name, "openai");
    EXPECT_EQ(plugin.descriptor().kind, static_cast<uint32_t>(SY_KIND_PROVIDER));
    EXPECT_EQ(plugin.provider().flags & SY_PROVIDER_LOCAL, 0u);
}

TEST_F(OpenAIProviderTest, RefusesUnknownConfigKeyNamingIt) {
    ProviderUnderTest p(plugin, R"({"api_key": "k", "apikey": "typo"})");
    EXPECT_EQ(p.create_status(), SY_ERR_CONFIG);
    EXPECT_EQ(p.create_error(), "openai: config.apikey: unknown key");
    ProviderUnderTest q(plugin, R"({"headers": {"x": 1}})");
    EXPECT_EQ(q.create_error(), "openai: config.headers.x: must be a string");
}

TEST_F(OpenAIProviderTest, BuildsRequestWithUpstreamModelAndAuth) {
    ProviderUnderTest p(plugin, R"({"api_key": "sk-1", "organization": "org-1", "headers": {"x-extra": "v"}})");
    ASSERT_EQ(p.create_status(), SY_OK) << p.create_error();
    Request r;
    r.body = R"({"model": "m", "temperature": 0.5, "messages": [{"role": "user", "content": "hi"}], "tools": [{"type": "function"}]})";
    sy_http_builder b;
    ASSERT_EQ(p.build(r, b), SY_OK);
    EXPECT_EQ(b.method, "POST");
    EXPECT_EQ(b.path, "/chat/completions");
    EXPECT_EQ(b.header("Authorization"), "Bearer sk-1");
    EXPECT_EQ(b.header("OpenAI-Organization"), "org-1");
    EXPECT_EQ(b.header("x-extra"), "v");
    // Only the model changes: the rest of the client's body goes as it was written.
    EXPECT_EQ(b.body, R"({"model": "upstream-m", "temperature": 0.5, "messages": [{"role": "user", "content": "hi"}], "tools": [{"type": "function"}]})");
}

TEST_F(OpenAIProviderTest, AModelAlreadyRightLeavesTheBodyAsSent) {
    ProviderUnderTest p(plugin, "{}");
    Request r;
    r.body = "{ \"messages\" : [],\n  \"model\":\"upstream-m\" }";
    sy_http_builder b;
    ASSERT_EQ(p.build(r, b), SY_OK);
    EXPECT_EQ(b.body, r.body);
}

TEST_F(OpenAIProviderTest, ABodyThatMustChangeMoreThanTheModelIsRewritten) {
    ProviderUnderTest p(plugin, "{}");
    Request r;  // the host wants a whole answer of a body that asks to stream (a cascade)
    r.body = R"({"model": "m", "stream": true, "stream_options": {"include_usage": true}, "messages": []})";
    sy_http_builder b;
    ASSERT_EQ(p.build(r, b), SY_OK);
    EXPECT_EQ(b.body, R"({"model":"upstream-m","stream":false,"messages":[]})");
    r.stream = true;  // a stream whose options already ask for usage: only the model changes
    sy_http_builder s;
    ASSERT_EQ(p.build(r, s), SY_OK);
    EXPECT_EQ(s.body, R"({"model": "upstream-m", "stream": true, "stream_options": {"include_usage": true}, "messages": []})");
    EXPECT_EQ(s.header("Accept"), "text/event-stream");
}

TEST_F(OpenAIProviderTest, StreamsAlwaysAskForUsage) {
    ProviderUnderTest p(plugin, "{}");
    Request r;
    r.stream = true;
    r.body = R"({"model": "m", "stream": true, "stream_options": {"include_usage": false}, "messages": []})";
    sy_http_builder b;
    ASSERT_EQ(p.build(r, b), SY_OK);
    EXPECT_NE(b.body.find(R"("stream_options":{"include_usage":true})"), std::string::npos) << b.body;
    EXPECT_EQ(b.header("Authorization"), "");
    EXPECT_EQ(b.framing, SY_FRAMING_SSE);
}

TEST_F(OpenAIProviderTest, PassesAnswerThroughAndReportsUsage) {
    ProviderUnderTest p(plugin, "{}");
    std::string body = R"({"id":"c1","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],)"
                       R"("usage":{"prompt_tokens":12,"completion_tokens":3,"prompt_tokens_details":{"cached_tokens":4}}})";
    sy_response_writer w;
    ASSERT_EQ(p.parse(Request(), 200, body, w), SY_OK);
    EXPECT_EQ(w.body, body);
    ASSERT_TRUE(w.has_usage);
    EXPECT_EQ(w.usage.prompt_tokens, 12);
    EXPECT_EQ(w.usage.completion_tokens, 3);
    EXPECT_EQ(w.usage.cached_prompt_tokens, 4);
    EXPECT_EQ(w.finish_reason, "stop");
}

// The answer's document starts in an 8 KiB buffer on the parser's frame; a longer answer (its
// copy alone does not fit) continues on the heap, and what comes after the 8 KiB is still read.
TEST_F(OpenAIProviderTest, AnAnswerLongerThanTheFramePoolIsReadWhole) {
    ProviderUnderTest p(plugin, "{}");
    std::string content(20000, 'x');
    std::string body = R"({"id":"c1","choices":[{"index":0,"message":{"role":"assistant","content":")" + content +
                       R"("},"finish_reason":"length"}],"usage":{"prompt_tokens":7,"completion_tokens":5000}})";
    sy_response_writer w;
    ASSERT_EQ(p.parse(Request(), 200, body, w), SY_OK);
    EXPECT_EQ(w.body, body);
    ASSERT_TRUE(w.has_usage);
    EXPECT_EQ(w.usage.prompt_tokens, 7);
    EXPECT_EQ(w.usage.completion_tokens, 5000);
    EXPECT_EQ(w.finish_reason, "length");
}

TEST_F(OpenAIProviderTest, MalformedSuccessBodyIsAnUpstreamError) {
    ProviderUnderTest p(plugin, "{}");
    sy_response_writer w;
    std::string err;
    EXPECT_EQ(p.parse(Request(), 200, R"({"id": "x", "choices": [)", w, &err), SY_ERR_UPSTREAM);
    EXPECT_NE(err.find("not a JSON object"), std::string::npos) << err;
}

struct ErrorCase {
    int upstream;
    int client;
    const char* type;
};

class OpenAIErrorMapping : public OpenAIProviderTest, public ::testing::WithParamInterface<ErrorCase> {};

TEST_P(OpenAIErrorMapping, MapsUpstreamStatus) {
    ProviderUnderTest p(plugin, "{}");
    sy_response_writer w;
    ASSERT_EQ(p.parse(Request(), GetParam().upstream,
                      R"({"error": {"message": "boom", "type": "x", "code": null, "param": null}})", w), SY_OK);
    EXPECT_EQ(w.error_status, GetParam().client);
    EXPECT_EQ(w.error_type, GetParam().type);
    EXPECT_NE(w.error_message.find("boom"), std::string::npos) << w.error_message;
    EXPECT_NE(w.error_message.find(std::to_string(GetParam().upstream)), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Statuses, OpenAIErrorMapping,
                         ::testing::Values(ErrorCase{400, 400, "invalid_request_error"},
                                           ErrorCase{422, 422, "invalid_request_error"},
                                           ErrorCase{401, 502, "upstream_auth_error"},
                                           ErrorCase{403, 502, "upstream_auth_error"},
                                           ErrorCase{404, 502, "upstream_error"},
                                           ErrorCase{408, 504, "upstream_error"},
                                           ErrorCase{429, 429, "rate_limit_error"},
                                           ErrorCase{500, 502, "upstream_error"},
                                           ErrorCase{503, 503, "upstream_error"},
                                           ErrorCase{504, 504, "upstream_error"}));

TEST_F(OpenAIProviderTest, NonJsonErrorBodyGetsAGenericMessage) {
    ProviderUnderTest p(plugin, "{}");
    sy_response_writer w;
    ASSERT_EQ(p.parse(Request(), 502, "<html>bad gateway</html>", w), SY_OK);
    EXPECT_EQ(w.error_status, 502);
    EXPECT_EQ(w.error_message, "upstream answered HTTP 502");
}

const char* kContent = R"({"id":"c","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]})";
const char* kToolFragment =
    R"({"id":"c","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"ci"}}]},"finish_reason":null}]})";
const char* kFinish = R"({"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})";
const char* kUsage = R"({"id":"c","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2}})";

TEST_F(OpenAIProviderTest, StreamPassesChunksAndHidesUnrequestedUsage) {
    ProviderUnderTest p(plugin, "{}");
    Request r;
    r.stream = true;
    sy_response_writer w;
    EXPECT_EQ(p.stream(r, {kContent, kToolFragment, kFinish, kUsage, "[DONE]"}, w), SY_DONE);
    ASSERT_EQ(w.chunks.size(), 3u);
    EXPECT_EQ(w.chunks[0], kContent);
    EXPECT_EQ(w.chunks[1], kToolFragment);  // tool-call argument fragments intact
    EXPECT_EQ(w.finish_reason, "stop");
    ASSERT_TRUE(w.has_usage);
    EXPECT_EQ(w.usage.completion_tokens, 2);
}

// A chunk is relayed as one `data:` line: an upstream's multi-line data (joined by LF) or CR
// whitespace inside its JSON would otherwise split the client's event (found by fuzzing).
TEST_F(OpenAIProviderTest, StreamChunksStayOnOneLine) {
    ProviderUnderTest p(plugin, "{}");
    Request r;
    r.stream = true;
    sy_response_writer w;
    EXPECT_EQ(p.stream(r, {"{\"id\":\"c\",\n\"choices\":[]}", "{\"id\":\"c\",\r\"choices\":[],\"usage\":null}"}, w), SY_OK);
    ASSERT_EQ(w.chunks.size(), 2u);
    EXPECT_EQ(w.chunks[0], R"({"id":"c", "choices":[]})");
    EXPECT_EQ(w.chunks[1], R"({"id":"c", "choices":[],"usage":null})");
}

TEST_F(OpenAIProviderTest, StreamForwardsUsageWhenRequested) {
    ProviderUnderTest p(plugin, "{}");
    Request r;
    r.stream = true;
    r.include_usage = true;
    sy_response_writer w;
    EXPECT_EQ(p.stream(r, {kContent, kUsage, "[DONE]"}, w), SY_DONE);
    ASSERT_EQ(w.chunks.size(), 2u);
    EXPECT_EQ(w.chunks[1], kUsage);
}

TEST_F(OpenAIProviderTest, StreamRejectsInvalidJson) {
    ProviderUnderTest p(plugin, "{}");
    sy_response_writer w;
    std::string err;
    EXPECT_EQ(p.stream(Request(), {kContent, "{not json"}, w, &err), SY_ERR_UPSTREAM);
    EXPECT_NE(err.find("not a JSON object"), std::string::npos) << err;
    EXPECT_EQ(w.chunks.size(), 1u);
    // Valid JSON followed by a NUL and more is not one JSON value, nor is a value cut short.
    for (std::string bad : {std::string("{\"id\":\"c\",\"choices\":[]}\0{", 25), std::string("{\"id\":\"c\""),
                            std::string("{\"id\":\"c\",\"choices\":[{\"delta\":{\"content\":\"sixteen bytes or more \x1b\"}}]}"),
                            std::string("{\"id\":\"c\"} {}")}) {
        sy_response_writer again;
        err.clear();
        EXPECT_EQ(p.stream(Request(), {bad}, again, &err), SY_ERR_UPSTREAM) << bad;
        EXPECT_TRUE(again.chunks.empty()) << bad;
    }
}

// An event needs its document for keys (usage, error, a finish_reason that is not null), not
// for words of its text: a delta that mentions them passes through as it came.
TEST_F(OpenAIProviderTest, StreamEventsAreReadForTheirKeysNotTheirText) {
    ProviderUnderTest p(plugin, "{}");
    Request r;
    r.stream = true;
    const std::string mentions =
        R"({"choices":[{"delta":{"content":"\"usage\": {\"error\": 1}, \"finish_reason\": \"stop\""},"finish_reason":null}]})";
    const std::string spaced = R"(  {"choices":[{"delta":{},"finish_reason":"length"}]})";
    sy_response_writer w;
    EXPECT_EQ(p.stream(r, {mentions, spaced}, w), SY_OK);
    ASSERT_EQ(w.chunks.size(), 2u);
    EXPECT_EQ(w.chunks[0], mentions);
    EXPECT_FALSE(w.has_usage);
    EXPECT_EQ(w.error_status, 0);
    EXPECT_EQ(w.finish_reason, "length");  // from the second event, leading blanks and all
}

TEST_F(OpenAIProviderTest, StreamErrorEventBecomesAnError) {
    ProviderUnderTest p(plugin, "{}");
    sy_response_writer w;
    EXPECT_EQ(p.stream(Request(), {R"({"error": {"message": "overloaded"}})"}, w), SY_OK);
    EXPECT_EQ(w.error_status, 502);
    EXPECT_EQ(w.error_message, "overloaded");
}

}  // namespace
