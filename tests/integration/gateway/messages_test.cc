// POST /v1/messages (Anthropic Messages inbound) over real sockets: what goes up to an OpenAI
// upstream (system, images, tool calls and results, stop sequences), the answer's shape, the
// stream's event sequence, and errors in the Anthropic shape.
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
auth:
  required: true
  keys: [{id: app, key: sk-app}]
providers:
  - {name: fake, plugin: openai, base_url: ")" + fake.base_url() + R"("}
models:
  - {name: claude-ish, deployments: [{provider: fake, model: up-model}]}
)";
}

HttpResponse messages(int port, const std::string& body, const std::string& key = "sk-app") {
    HttpClient c(port);
    return c.request("POST", "/v1/messages", body, {{"x-api-key", key}, {"anthropic-version", "2023-06-01"}});
}

TEST(MessagesTest, TranslatesTheRequestForAnOpenAIUpstreamAndTheAnswerBack) {
    FakeUpstream fake;
    ASSERT_TRUE(fake.ok());
    GatewayProcess gw(config(fake));
    ASSERT_TRUE(gw.ok()) << gw.log();
    HttpResponse r = messages(gw.port(), R"({"model": "claude-ish", "max_tokens": 64, "system": [{"type": "text", "text": "be brief"}],
      "stop_sequences": ["END"], "temperature": 0.2,
      "messages": [
        {"role": "user", "content": [{"type": "text", "text": "what is in this picture"},
                                     {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}}]},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "look", "input": {"zoom": 2}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "a cat"}, {"type": "text", "text": "so what is it"}]}
      ]})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(std::regex_search(r.body, std::regex(R"(^\{"id":"msg_[^"]+","type":"message","role":"assistant","model":"up-model","content":\[\{"type":"text","text":"echo: so what is it"\}\],"stop_reason":"end_turn","stop_sequence":null,"usage":\{"input_tokens":\d+,"output_tokens":\d+,"cache_read_input_tokens":0\}\}$)")))
        << r.body;
    HttpClient c(fake.port());
    std::string up = c.request("GET", "/_requests").body;
    for (const char* expected : {R"("model": "up-model")", R"("role": "system", "content": "be brief")",
                                 R"("url": "data:image/png;base64,iVBORw0KGgo=")", R"("stop": ["END"])",
                                 R"("tool_calls": [{"id": "toolu_1", "type": "function", "function": {"name": "look", "arguments": "{\"zoom\":2}"}}])",
                                 R"("role": "tool", "tool_call_id": "toolu_1", "content": "a cat")", R"("max_tokens": 64)"})
        EXPECT_NE(up.find(expected), std::string::npos) << expected << "\n" << up;
}

TEST(MessagesTest, StreamsTheAnthropicEventSequence) {
    FakeUpstream fake;
    ASSERT_TRUE(fake.ok());
    GatewayProcess gw(config(fake));
    ASSERT_TRUE(gw.ok()) << gw.log();
    HttpResponse r = messages(gw.port(), R"({"model": "claude-ish", "max_tokens": 64, "stream": true,
      "tools": [{"name": "get_weather", "input_schema": {"type": "object"}}],
      "messages": [{"role": "user", "content": "weather in Paris?"}]})");
    ASSERT_EQ(r.status, 200) << r.body;
    std::vector<std::string> names;
    std::regex ev("event: (\\w+)\n");
    for (auto it = std::sregex_iterator(r.body.begin(), r.body.end(), ev); it != std::sregex_iterator(); ++it)
        names.push_back((*it)[1]);
    ASSERT_GE(names.size(), 6u) << r.body;
    EXPECT_EQ(names.front(), "message_start");
    EXPECT_EQ(names[1], "content_block_start");
    EXPECT_EQ(names[names.size() - 3], "content_block_stop");
    EXPECT_EQ(names[names.size() - 2], "message_delta");
    EXPECT_EQ(names.back(), "message_stop");
    EXPECT_NE(r.body.find(R"("content_block":{"type":"tool_use","id":)"), std::string::npos) << r.body;
    // The argument fragments arrive as input_json_delta and join to the whole JSON.
    std::string joined;
    std::regex frag(R"re("partial_json":"((?:[^"\\]|\\.)*)")re");
    for (auto it = std::sregex_iterator(r.body.begin(), r.body.end(), frag); it != std::sregex_iterator(); ++it)
        joined += (*it)[1];
    EXPECT_EQ(joined, R"({\"city\": \"Paris\"})") << r.body;
    EXPECT_NE(r.body.find(R"("stop_reason":"tool_use")"), std::string::npos);
    EXPECT_EQ(r.body.find("[DONE]"), std::string::npos);
}

TEST(MessagesTest, ErrorsComeBackInTheAnthropicShape) {
    FakeUpstream fake;
    ASSERT_TRUE(fake.ok());
    GatewayProcess gw(config(fake));
    ASSERT_TRUE(gw.ok()) << gw.log();
    struct Case {
        std::string body, key;
        int status;
        std::string type, text;
    } cases[] = {
        {R"({"model": "claude-ish", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]})", "sk-bad", 401, "authentication_error", ""},
        {R"({"model": "claude-ish", "messages": [{"role": "user", "content": "x"}]})", "sk-app", 400, "invalid_request_error", "max_tokens is required"},
        {R"({"model": "claude-ish", "max_tokens": 5, "messages": [{"role": "robot", "content": "x"}]})", "sk-app", 400, "invalid_request_error", "messages[0].role must be user or assistant"},
        {R"({"model": "claude-ish", "max_tokens": 5, "messages": [{"role": "user", "content": [{"type": "image", "source": {}}]}]})", "sk-app", 400, "invalid_request_error", "messages[0].content[0].source must be"},
        {R"({"model": "other", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]})", "sk-app", 404, "not_found_error", "other"},
        {R"({"model": "claude-ish", "max_tokens": 5, "messages": [{"role": "user", "content": "x #fake:status=429"}]})", "sk-app", 429, "rate_limit_error", "429"},
    };
    for (const auto& c : cases) {
        HttpResponse r = messages(gw.port(), c.body, c.key);
        EXPECT_EQ(r.status, c.status) << c.body << " -> " << r.body;
        EXPECT_NE(r.body.find(R"({"type":"error","error":{"type":")" + c.type + "\""), std::string::npos) << r.body;
        EXPECT_NE(r.body.find(c.text), std::string::npos) << r.body;
    }
}

}  // namespace
}  // namespace sy::test
