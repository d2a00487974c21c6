// POST /v1/embeddings over real sockets: the mock (floats, base64, dimensions, token arrays)
// and the openai provider against the fake upstream; errors; metrics.
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
  - {name: local, plugin: mock}
  - {name: fake, plugin: openai, base_url: ")" + fake.base_url() + R"(", config: {api_key: sk-up}}
models:
  - {name: local-embed, input_price_per_mtok: 1, output_price_per_mtok: 1, deployments: [{provider: local, model: mock-embed}]}
  - {name: remote-embed, input_price_per_mtok: 1, output_price_per_mtok: 1, deployments: [{provider: fake, model: text-embed}]}
routers:
  - {name: coin, plugin: random, candidates: [local-embed]}
)";
}

HttpResponse embed(int port, const std::string& body) {
    HttpClient c(port);
    return c.request("POST", "/v1/embeddings", body, {{"Content-Type", "application/json"}});
}

size_t count(const std::string& s, const std::string& what) {
    size_t n = 0;
    for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
    return n;
}

TEST(EmbeddingsTest, MockAndOpenAIProvidersAnswerInTheOpenAIShape) {
    FakeUpstream fake;
    ASSERT_TRUE(fake.ok());
    GatewayProcess gw(config(fake));
    ASSERT_TRUE(gw.ok()) << gw.log();

    HttpResponse floats = embed(gw.port(), R"({"model": "local-embed", "input": ["a b c", "d e f"], "dimensions": 4})");
    ASSERT_EQ(floats.status, 200) << floats.body;
    EXPECT_EQ(floats.header("x-switchyard-model"), "local-embed");
    EXPECT_EQ(floats.header("x-switchyard-provider"), "local");
    EXPECT_EQ(count(floats.body, "\"object\":\"embedding\""), 2u) << floats.body;
    EXPECT_TRUE(std::regex_search(floats.body, std::regex(R"("embedding":\[[-0-9.e]+,[-0-9.e]+,[-0-9.e]+,[-0-9.e]+\])")))
        << floats.body;
    EXPECT_NE(floats.body.find("\"usage\":{\"prompt_tokens\":"), std::string::npos);

    HttpResponse b64 = embed(gw.port(), R"({"model": "local-embed", "input": "a b c", "dimensions": 4, "encoding_format": "base64"})");
    ASSERT_EQ(b64.status, 200) << b64.body;
    EXPECT_TRUE(std::regex_search(b64.body, std::regex(R"("embedding":"[A-Za-z0-9+/]{22}==")"))) << b64.body;  // 16 bytes

    HttpResponse tokens = embed(gw.port(), R"({"model": "local-embed", "input": [[1, 2, 3], [4, 5]]})");
    EXPECT_EQ(tokens.status, 200) << tokens.body;

    HttpResponse remote = embed(gw.port(), R"({"model": "remote-embed", "input": ["one", "two", "three"]})");
    ASSERT_EQ(remote.status, 200) << remote.body;
    EXPECT_EQ(remote.header("x-switchyard-provider"), "fake");
    EXPECT_EQ(count(remote.body, "\"object\": \"embedding\""), 3u) << remote.body;
    EXPECT_NE(remote.body.find("\"model\": \"text-embed\""), std::string::npos) << remote.body;  // the upstream name went up

    HttpClient m(gw.port());
    std::string metrics = m.request("GET", "/metrics").body;
    EXPECT_NE(metrics.find(R"(switchyard_requests_total{model="remote-embed",provider="fake",status_class="2xx"} 1)"),
              std::string::npos);
    std::smatch tokens_in;
    ASSERT_TRUE(std::regex_search(metrics, tokens_in, std::regex(R"(switchyard_tokens_total\{model="remote-embed",provider="fake",direction="input",usage_source="reported"\} (\d+))")));
    EXPECT_GT(std::stoi(tokens_in[1]), 0);
}

TEST(EmbeddingsTest, BadRequestsAndUpstreamErrorsGetOpenAIErrors) {
    FakeUpstream fake;
    ASSERT_TRUE(fake.ok());
    GatewayProcess gw(config(fake));
    ASSERT_TRUE(gw.ok()) << gw.log();
    struct Case {
        std::string body;
        int status;
        std::string text;
    } cases[] = {
        {"[1]", 400, "the body must be a JSON object"},
        {R"({"input": "x"})", 400, "model is required"},
        {R"({"model": "local-embed"})", 400, "input is required"},
        {R"({"model": "local-embed", "input": []})", 400, "input must be a non-empty string"},
        {R"({"model": "local-embed", "input": [1, "x"]})", 400, "input must be"},
        {R"({"model": "nope", "input": "x"})", 404, "nope"},
        {R"({"model": "router-coin", "input": "x"})", 400, "embeddings need a configured model name"},
        {R"({"model": "remote-embed", "input": "x #fake:status=429"})", 429, "upstream answered HTTP 429"},
        {R"({"model": "remote-embed", "input": "x #fake:status=500"})", 502, "upstream answered HTTP 500"},
    };
    for (const auto& c : cases) {
        HttpResponse r = embed(gw.port(), c.body);
        EXPECT_EQ(r.status, c.status) << c.body << " -> " << r.body;
        EXPECT_NE(r.body.find(c.text), std::string::npos) << r.body;
        EXPECT_NE(r.body.find("\"error\""), std::string::npos);
        if (c.status == 429) {
            EXPECT_EQ(r.header("retry-after"), "1");
        }
    }
}

}  // namespace
}  // namespace sy::test
