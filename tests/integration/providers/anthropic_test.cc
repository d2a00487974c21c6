// The anthropic provider through the gateway against the fake upstream's Messages API (which
// validates requests as the real API does): text, system, merged turns, images, tools with
// arguments in fragments, usage, errors before and during a stream.
#include <gtest/gtest.h>

#include <regex>

#include "support/http_client.hpp"
#include "support/servers.hpp"

namespace sy::test {
namespace {

std::string config(const FakeUpstream& fake) {
    return R"(
plugins:
  search_paths: [")" + plugin_dir() + R"("]
providers:
  - {name: claude, plugin: anthropic, base_url: ")" + fake.base_url() + R"(", config: {api_key: sk-ant-test}}
models:
  - {name: sonnet, deployments: [{provider: claude, model: claude-up}]}
)";
}

const char* kTools = R"("tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}])";

class AnthropicProviderTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(fake_.ok());
        gw_ = std::make_unique<GatewayProcess>(config(fake_));
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

TEST_F(AnthropicProviderTest, TextWithSystemMergedTurnsAndImages) {
    HttpResponse r = chat(R"({"model": "sonnet", "messages": [
        {"role": "system", "content": "be brief"}, {"role": "developer", "content": "and kind"},
        {"role": "user", "content": "first"},
        {"role": "user", "content": [{"type": "text", "text": "look"}, {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
                                     {"type": "image_url", "image_url": {"url": "https://example.invalid/cat.png"}}]}],
        "stop": "END", "temperature": 0.3})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(std::regex_search(r.body, std::regex(R"(^\{"id":"msg_fake_\d+","object":"chat.completion","created":\d+,"model":"claude-up","choices":\[\{"index":0,"message":\{"role":"assistant","content":"echo: first\\nlook"\},"finish_reason":"stop"\}\],"usage":\{"prompt_tokens":\d+,"completion_tokens":3,"total_tokens":\d+,"prompt_tokens_details":\{"cached_tokens":0\}\}\}$)")))
        << r.body;
    std::string up = upstream_requests();
    for (const char* expected : {R"("model": "claude-up")", R"("max_tokens": 4096)", R"("system": "be brief\n\nand kind")",
                                 R"("stop_sequences": ["END"])", R"("x-api-key": "sk-ant-test")", R"("anthropic-version": "2023-06-01")",
                                 R"({"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}})",
                                 R"({"type": "image", "source": {"type": "url", "url": "https://example.invalid/cat.png"}})",
                                 R"("messages": [{"role": "user", "content": [{"type": "text", "text": "first"}, {"type": "text", "text": "look"})"})
        EXPECT_NE(up.find(expected), std::string::npos) << expected << "\n" << up;
}

TEST_F(AnthropicProviderTest, ToolsBothWaysAndToolResults) {
    HttpResponse r = chat(std::string(R"({"model": "sonnet", "tool_choice": "required", )") + kTools +
                          R"(, "messages": [{"role": "user", "content": "weather in Paris?"}]})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.body.find(R"("tool_calls":[{"id":"toolu_fake_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}])"),
              std::string::npos)
        << r.body;
    EXPECT_NE(r.body.find(R"("finish_reason":"tool_calls")"), std::string::npos);
    HttpResponse follow = chat(std::string(R"({"model": "sonnet", )") + kTools + R"(, "messages": [
        {"role": "user", "content": "weather in Paris?"},
        {"role": "assistant", "content": null, "tool_calls": [{"id": "toolu_fake_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]},
        {"role": "tool", "tool_call_id": "toolu_fake_1", "content": "sunny"},
        {"role": "user", "content": "thanks, and tomorrow?"}]})");
    ASSERT_EQ(follow.status, 200) << follow.body;
    std::string up = upstream_requests();
    EXPECT_NE(up.find(R"("tool_choice": {"type": "any"})"), std::string::npos) << up;
    EXPECT_NE(up.find(R"("input_schema": {"type": "object", "properties": {"city": {"type": "string"}}})"), std::string::npos) << up;
    EXPECT_NE(up.find(R"({"type": "tool_use", "id": "toolu_fake_1", "name": "get_weather", "input": {"city": "Paris"}})"),
              std::string::npos) << up;
    // The tool result and the next user text are one user turn (the API wants alternation).
    EXPECT_NE(up.find(R"({"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_fake_1", "content": [{"type": "text", "text": "sunny"}]}, {"type": "text", "text": "thanks, and tomorrow?"}]})"),
              std::string::npos) << up;
}

TEST_F(AnthropicProviderTest, StreamsTextAndToolArgumentFragmentsWithUsage) {
    HttpResponse text = chat(R"({"model": "sonnet", "stream": true, "stream_options": {"include_usage": true}, "messages": [{"role": "user", "content": "one two three"}]})");
    ASSERT_EQ(text.status, 200) << text.body;
    std::vector<std::string> ev = sse_data(text.body);
    ASSERT_GE(ev.size(), 6u) << text.body;
    EXPECT_NE(ev[0].find(R"("delta":{"role":"assistant","content":""})"), std::string::npos) << ev[0];
    std::string joined;
    for (const auto& e : ev) {
        std::smatch m;
        if (std::regex_search(e, m, std::regex(R"re("content":"([^"]*)")re"))) joined += m[1];
    }
    EXPECT_EQ(joined, "echo: one two three");
    EXPECT_NE(ev[ev.size() - 3].find(R"("finish_reason":"stop")"), std::string::npos) << ev[ev.size() - 3];
    EXPECT_NE(ev[ev.size() - 2].find(R"("choices":[],"usage":{"prompt_tokens":)"), std::string::npos) << ev[ev.size() - 2];
    EXPECT_EQ(ev.back(), "[DONE]");

    HttpResponse tool = chat(std::string(R"({"model": "sonnet", "stream": true, )") + kTools +
                             R"(, "messages": [{"role": "user", "content": "weather please"}]})");
    ASSERT_EQ(tool.status, 200) << tool.body;
    std::string args;
    int fragments = 0;
    for (const auto& e : sse_data(tool.body)) {
        std::smatch m;
        if (std::regex_search(e, m, std::regex(R"re("tool_calls":\[\{"index":0,"function":\{"arguments":"((?:[^"\\]|\\.)*)"\}\}\])re"))) {
            args += m[1];
            ++fragments;
        }
    }
    EXPECT_EQ(args, R"({\"city\": \"Paris\"})");
    EXPECT_GE(fragments, 3) << "fragments pass through as they arrive";
    EXPECT_NE(tool.body.find(R"("tool_calls":[{"index":0,"id":"toolu_fake_1","type":"function","function":{"name":"get_weather","arguments":""}}])"),
              std::string::npos) << tool.body;
    EXPECT_NE(tool.body.find(R"("finish_reason":"tool_calls")"), std::string::npos);
    EXPECT_EQ(tool.body.find("\"usage\""), std::string::npos) << "no usage chunk unless asked for";
}

TEST_F(AnthropicProviderTest, ErrorsBeforeAndDuringAStream) {
    HttpResponse limited = chat(R"({"model": "sonnet", "messages": [{"role": "user", "content": "x #fake:status=429"}]})");
    EXPECT_EQ(limited.status, 429) << limited.body;
    EXPECT_NE(limited.body.find("rate_limit_error"), std::string::npos) << limited.body;
    HttpResponse overloaded = chat(R"({"model": "sonnet", "messages": [{"role": "user", "content": "x #fake:status=529"}]})");
    EXPECT_EQ(overloaded.status, 503) << overloaded.body;
    HttpResponse mid = chat(R"({"model": "sonnet", "stream": true, "messages": [{"role": "user", "content": "a b c d #fake:error_mid=1"}]})");
    ASSERT_EQ(mid.status, 200) << mid.body;
    std::vector<std::string> ev = sse_data(mid.body);
    ASSERT_FALSE(ev.empty());
    EXPECT_NE(ev.back().find(R"("error")"), std::string::npos) << mid.body;
    EXPECT_NE(ev.back().find("Overloaded"), std::string::npos) << mid.body;
    // A request the provider cannot translate is the client's 400, not an upstream call.
    HttpResponse bad = chat(R"({"model": "sonnet", "messages": [{"role": "user", "content": [{"type": "input_audio", "input_audio": {}}]}]})");
    EXPECT_EQ(bad.status, 400) << bad.body;
    EXPECT_NE(bad.body.find("part type 'input_audio' is not supported by the anthropic provider"), std::string::npos) << bad.body;
}

}  // namespace
}  // namespace sy::test
