// The ollama provider through the gateway against the fake upstream's native /api/chat and
// /api/embed: options, images, tools both ways, NDJSON streams with usage, errors, embeddings.
#include <gtest/gtest.h>

#include <regex>

#include "support/http_client.hpp"
#include "support/servers.hpp"

namespace sy::test {
namespace {

class OllamaProviderTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(fake_.ok());
        gw_ = std::make_unique<GatewayProcess>(R"(
plugins:
  search_paths: [")" + plugin_dir() + R"("]
providers:
  - {name: llama, plugin: ollama, base_url: "http://127.0.0.1:)" + std::to_string(fake_.port()) + R"(", config: {keep_alive: 10m}}
models:
  - {name: local, deployments: [{provider: llama, model: "llama3.2:3b"}]}
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

TEST_F(OllamaProviderTest, TextOptionsImagesAndUsage) {
    HttpResponse r = chat(R"({"model": "local", "max_tokens": 50, "temperature": 0.1, "top_p": 0.9, "seed": 7, "stop": "END",
        "response_format": {"type": "json_object"},
        "messages": [{"role": "developer", "content": "be brief"},
                     {"role": "user", "content": [{"type": "text", "text": "what is this"}, {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,/9j/4AAQ"}}]}]})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(std::regex_search(r.body, std::regex(R"("message":\{"role":"assistant","content":"echo: what is this"\},"finish_reason":"stop"\}\],"usage":\{"prompt_tokens":\d+,"completion_tokens":4,"total_tokens":\d+\})")))
        << r.body;
    std::string up = upstream_requests();
    for (const char* expected : {R"("model": "llama3.2:3b")", R"("stream": false)", R"("num_predict": 50)", R"("temperature": 0.1)",
                                 R"("seed": 7)", R"("stop": ["END"])", R"("format": "json")", R"("keep_alive": "10m")",
                                 R"("role": "system", "content": "be brief")", R"("images": ["/9j/4AAQ"])"})
        EXPECT_NE(up.find(expected), std::string::npos) << expected << "\n" << up;
    HttpResponse cut = chat(R"({"model": "local", "max_tokens": 2, "messages": [{"role": "user", "content": "one two three four"}]})");
    EXPECT_NE(cut.body.find(R"("finish_reason":"length")"), std::string::npos) << cut.body;
}

TEST_F(OllamaProviderTest, ToolsAndStreams) {
    HttpResponse call = chat(std::string(R"({"model": "local", )") + kTools + R"(, "messages": [{"role": "user", "content": "weather?"}]})");
    ASSERT_EQ(call.status, 200) << call.body;
    EXPECT_NE(call.body.find(R"("content":null,"tool_calls":[{"id":"call_0","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},"finish_reason":"tool_calls")"),
              std::string::npos) << call.body;
    HttpResponse text = chat(R"({"model": "local", "stream": true, "stream_options": {"include_usage": true}, "messages": [{"role": "user", "content": "a b c"}]})");
    ASSERT_EQ(text.status, 200) << text.body;
    std::vector<std::string> ev = sse_data(text.body);
    std::string joined;
    for (const auto& e : ev) {
        std::smatch m;
        if (std::regex_search(e, m, std::regex(R"re("content":"([^"]*)")re"))) joined += m[1];
    }
    EXPECT_EQ(joined, "echo: a b c") << text.body;
    ASSERT_GE(ev.size(), 3u);
    EXPECT_NE(ev[ev.size() - 3].find(R"("finish_reason":"stop")"), std::string::npos) << text.body;
    EXPECT_NE(ev[ev.size() - 2].find(R"("usage":{"prompt_tokens":)"), std::string::npos) << text.body;
    EXPECT_EQ(ev.back(), "[DONE]");
    HttpResponse streamed_call = chat(std::string(R"({"model": "local", "stream": true, )") + kTools +
                                      R"(, "messages": [{"role": "user", "content": "weather?"}]})");
    EXPECT_NE(streamed_call.body.find(R"("tool_calls":[{"index":0,"id":"call_0","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}])"),
              std::string::npos) << streamed_call.body;
    EXPECT_NE(streamed_call.body.find(R"("finish_reason":"tool_calls")"), std::string::npos);
}

TEST_F(OllamaProviderTest, ErrorsAndEmbeddings) {
    HttpResponse failed = chat(R"({"model": "local", "messages": [{"role": "user", "content": "x #fake:status=500"}]})");
    EXPECT_EQ(failed.status, 502) << failed.body;
    EXPECT_NE(failed.body.find("fake upstream error 500"), std::string::npos) << failed.body;
    HttpResponse url = chat(R"({"model": "local", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://example.invalid/x.png"}}]}]})");
    EXPECT_EQ(url.status, 400) << url.body;
    EXPECT_NE(url.body.find("ollama takes images as data: URLs"), std::string::npos) << url.body;
    HttpClient c(gw_->port());
    HttpResponse e = c.request("POST", "/v1/embeddings", R"({"model": "local", "input": ["red apple", "green pear"], "encoding_format": "float"})");
    ASSERT_EQ(e.status, 200) << e.body;
    EXPECT_TRUE(std::regex_search(e.body, std::regex(R"(^\{"object":"list","data":\[\{"object":"embedding","index":0,"embedding":\[[^\]]+\]\},\{"object":"embedding","index":1,)")))
        << e.body;
    HttpClient c2(gw_->port());
    HttpResponse b64 = c2.request("POST", "/v1/embeddings", R"({"model": "local", "input": "x", "encoding_format": "base64"})");
    ASSERT_EQ(b64.status, 200) << b64.body;
    EXPECT_TRUE(std::regex_search(b64.body, std::regex(R"("embedding":"[A-Za-z0-9+/]{86}==")"))) << b64.body;  // 16 floats
}

}  // namespace
}  // namespace sy::test
