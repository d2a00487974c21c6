// The gemini provider through the gateway against the fake upstream's generateContent: roles,
// systemInstruction, images, generationConfig, functions both ways, safety blocks, SSE streams
// (CRLF-framed, as Google sends them) with usage, errors.
#include <gtest/gtest.h>

#include <regex>

#include "support/http_client.hpp"
#include "support/servers.hpp"

namespace sy::test {
namespace {

class GeminiProviderTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(fake_.ok());
        gw_ = std::make_unique<GatewayProcess>(R"(
plugins:
  search_paths: [")" + plugin_dir() + R"("]
providers:
  - {name: google, plugin: gemini, base_url: ")" + fake_.base_url() + R"(beta", config: {api_key: g-key}}
models:
  - {name: flash, deployments: [{provider: google, model: gemini-2.5-flash}]}
)");
        ASSERT_TRUE(gw_->ok()) << gw_->log();
    }
    HttpResponse chat(const std::string& body) { return post_chat(gw_->port(), body); }
    std::string upstream_requests() {
        HttpClient c(fake_.port());
        return c.request("GET", "/_requests").body;
    }
    FakeUpstream fake_;
    std::unique_ptr<GatewayProcess> gw_;
};

const char* kTools = R"("tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}])";

TEST_F(GeminiProviderTest, TextConfigImagesAndUsage) {
    HttpResponse r = chat(R"({"model": "flash", "max_tokens": 40, "temperature": 0.5, "top_p": 0.8, "stop": ["END"],
        "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}},
        "messages": [{"role": "system", "content": "be brief"},
                     {"role": "user", "content": [{"type": "text", "text": "describe"}, {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBOR"}}]}]})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(std::regex_search(r.body, std::regex(R"("message":\{"role":"assistant","content":"echo: describe"\},"finish_reason":"stop"\}\],"usage":\{"prompt_tokens":\d+,"completion_tokens":2,"total_tokens":\d+,"prompt_tokens_details":\{"cached_tokens":0\}\})")))
        << r.body;
    std::string up = upstream_requests();
    for (const char* expected : {R"("path": "/v1beta/models/gemini-2.5-flash:generateContent")", R"("x-goog-api-key": "g-key")",
                                 R"("systemInstruction": {"parts": [{"text": "be brief"}]})",
                                 R"({"inlineData": {"mimeType": "image/png", "data": "iVBOR"}})", R"("maxOutputTokens": 40)",
                                 R"("temperature": 0.5)", R"("topP": 0.8)", R"("stopSequences": ["END"])",
                                 R"("responseMimeType": "application/json")", R"("responseSchema": {"type": "object"})"})
        EXPECT_NE(up.find(expected), std::string::npos) << expected << "\n" << up;
    HttpResponse cut = chat(R"({"model": "flash", "max_tokens": 2, "messages": [{"role": "user", "content": "a b c d"}]})");
    EXPECT_NE(cut.body.find(R"("finish_reason":"length")"), std::string::npos) << cut.body;
    HttpResponse blocked = chat(R"({"model": "flash", "messages": [{"role": "user", "content": "something forbidden"}]})");
    EXPECT_NE(blocked.body.find(R"("content":null},"finish_reason":"content_filter")"), std::string::npos) << blocked.body;
}

TEST_F(GeminiProviderTest, FunctionsBothWaysAndStreams) {
    HttpResponse call = chat(std::string(R"({"model": "flash", "tool_choice": "required", )") + kTools +
                             R"(, "messages": [{"role": "user", "content": "weather?"}]})");
    ASSERT_EQ(call.status, 200) << call.body;
    EXPECT_NE(call.body.find(R"("tool_calls":[{"id":"call_0","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},"finish_reason":"tool_calls")"),
              std::string::npos) << call.body;
    HttpResponse follow = chat(std::string(R"({"model": "flash", )") + kTools + R"(, "messages": [
        {"role": "user", "content": "weather?"},
        {"role": "assistant", "content": null, "tool_calls": [{"id": "call_0", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]},
        {"role": "tool", "tool_call_id": "call_0", "content": "sunny"}]})");
    ASSERT_EQ(follow.status, 200) << follow.body;
    std::string up = upstream_requests();
    for (const char* expected : {R"("toolConfig": {"functionCallingConfig": {"mode": "ANY"}})",
                                 R"("functionDeclarations": [{"name": "get_weather", "parameters": {"type": "object"}}])",
                                 R"({"role": "model", "parts": [{"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}]})",
                                 R"({"functionResponse": {"name": "get_weather", "response": {"content": "sunny"}}})"})
        EXPECT_NE(up.find(expected), std::string::npos) << expected << "\n" << up;

    HttpResponse text = chat(R"({"model": "flash", "stream": true, "stream_options": {"include_usage": true}, "messages": [{"role": "user", "content": "x y z"}]})");
    ASSERT_EQ(text.status, 200) << text.body;
    std::vector<std::string> ev = sse_data(text.body);
    std::string joined;
    for (const auto& e : ev) {
        std::smatch m;
        if (std::regex_search(e, m, std::regex(R"re("content":"([^"]*)")re"))) joined += m[1];
    }
    EXPECT_EQ(joined, "echo: x y z") << text.body;
    ASSERT_GE(ev.size(), 3u);
    EXPECT_NE(ev[ev.size() - 3].find(R"("finish_reason":"stop")"), std::string::npos) << text.body;
    EXPECT_NE(ev[ev.size() - 2].find(R"("usage":{"prompt_tokens":)"), std::string::npos) << text.body;
    EXPECT_EQ(ev.back(), "[DONE]");
    EXPECT_NE(upstream_requests().find(R"(:streamGenerateContent?alt=sse")"), std::string::npos);
    HttpResponse streamed_call = chat(std::string(R"({"model": "flash", "stream": true, )") + kTools +
                                      R"(, "messages": [{"role": "user", "content": "weather?"}]})");
    EXPECT_NE(streamed_call.body.find(R"("tool_calls":[{"index":0,"id":"call_0","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}])"),
              std::string::npos) << streamed_call.body;
    EXPECT_NE(streamed_call.body.find(R"("finish_reason":"tool_calls")"), std::string::npos);
}

TEST_F(GeminiProviderTest, Errors) {
    HttpResponse limited = chat(R"({"model": "flash", "messages": [{"role": "user", "content": "x #fake:status=429"}]})");
    EXPECT_EQ(limited.status, 429) << limited.body;
    EXPECT_NE(limited.body.find("fake upstream error 429"), std::string::npos) << limited.body;
    HttpResponse orphan = chat(R"({"model": "flash", "messages": [{"role": "user", "content": "x"}, {"role": "tool", "tool_call_id": "nope", "content": "y"}]})");
    EXPECT_EQ(orphan.status, 400) << orphan.body;
    EXPECT_NE(orphan.body.find("does not answer a tool call"), std::string::npos) << orphan.body;
}

}  // namespace
}  // namespace sy::test
