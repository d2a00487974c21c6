// Embedders that call an embeddings endpoint (embedders[]): the fake upstream's OpenAI and
// Ollama embeddings, the LRU cache, a router trained with a remote embedder, and the fallback
// to built-in-embedder weights when the endpoint is down or slow.
#include <gtest/gtest.h>

#include <memory>
#include <regex>

#include "router_configs.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/servers.hpp"

namespace sy::test {
namespace {

int embedding_calls(const FakeUpstream& fake) {
    std::smatch m;
    std::string stats = fake.stats();
    return std::regex_search(stats, m, std::regex("\"embeddings\": (\\d+)")) ? std::stoi(m[1]) : -1;
}

std::string embedders(const FakeUpstream& fake, int timeout_ms = 1000) {
    return "embedders:\n  - {name: fake, base_url: \"" + fake.base_url() + "\", model: emb, dim: 16, timeout_ms: " +
           std::to_string(timeout_ms) + "}\n  - {name: native, api: ollama, base_url: \"http://127.0.0.1:" +
           std::to_string(fake.port()) + "\", model: emb, dim: 16}\n";
}

std::string semantic(const std::string& embedder) {
    return R"(routers:
  - name: tasks
    plugin: semantic
    candidates: [general, coder]
    config:
      embedder: )" + embedder + R"(
      threshold: 0.5
      k: 1
      routes:
        - {name: code, model: coder, examples: ["python function code bug", "compile error in code"]}
)";
}

std::string route_of(int port, const std::string& model, const std::string& text) {
    HttpResponse r = post_chat(port, R"({"model": ")" + model + R"(", "messages": [{"role": "user", "content": ")" + text + R"("}]})");
    EXPECT_EQ(r.status, 200) << r.body;
    return r.header("x-switchyard-model") + " | " + r.header("x-switchyard-route");
}

TEST(RemoteEmbedderTest, SemanticRoutingWithOpenAIAndOllamaEmbeddingsAndACache) {
    FakeUpstream fake;
    ASSERT_TRUE(fake.ok());
    for (const char* name : {"fake", "native"}) {
        GatewayProcess gw(mock_gateway({"general", "coder"}, embedders(fake) + semantic(name)));
        ASSERT_TRUE(gw.ok()) << gw.log();
        int after_load = embedding_calls(fake);
        EXPECT_GE(after_load, 2);  // the examples, embedded at load
        std::string code = route_of(gw.port(), "router-tasks", "fix the python code bug");
        EXPECT_EQ(code.substr(0, 6), "coder ") << name << ": " << code;
        EXPECT_EQ(route_of(gw.port(), "router-tasks", "weather in paris tomorrow").substr(0, 8), "general ") << name;
        int before = embedding_calls(fake);
        route_of(gw.port(), "router-tasks", "fix the python code bug");  // cached
        EXPECT_EQ(embedding_calls(fake), before) << name;
    }
}

TEST(RemoteEmbedderTest, TrainedWithARemoteEmbedderFallsBackToBuiltInWeightsWhenItFails) {
    auto fake = std::make_unique<FakeUpstream>();
    ASSERT_TRUE(fake->ok());
    std::string dir = make_temp_dir();
    std::string data;
    for (int i = 0; i < 200; ++i) {
        bool code = i % 2 == 0;
        data += std::string(R"({"prompt": ")") + (code ? "python code bug number " : "hello friend number ") +
                std::to_string(i) + R"(", "scores": {"big": 1, "small": )" + (code ? "0" : "1") + "}}\n";
    }
    write_file(dir + "/data.jsonl", data);
    std::string models_and_embedders = embedders(*fake, 1000);  // a loaded machine answers in time; the 2 s delay below does not
    write_file(dir + "/emb.yaml", models_and_embedders);
    std::string out = capture(gateway_binary() + " train mf --config " + dir + "/emb.yaml --embedder fake --data " + dir +
                              "/data.jsonl --out " + dir + "/remote.syrw --set epochs=10 --set k=8 2>&1");
    ASSERT_NE(out.find("embedder openai:emb/16"), std::string::npos) << out;
    out = capture(gateway_binary() + " train mf --data " + dir + "/data.jsonl --out " + dir +
                  "/builtin.syrw --set epochs=10 --set k=8 2>&1");
    ASSERT_NE(out.find("wrote"), std::string::npos) << out;
    std::string router = R"(routers:
  - name: mf
    plugin: mf
    candidates: [big, small]
    config: {weights: ")" + dir + R"(/remote.syrw", embedder: fake, fallback_weights: ")" + dir + R"(/builtin.syrw"}
)";
    GatewayProcess gw(mock_gateway({"big", "small"}, models_and_embedders + router));
    ASSERT_TRUE(gw.ok()) << gw.log();
    std::string remote = route_of(gw.port(), "router-mf-0.6", "python code bug number 7777");
    EXPECT_TRUE(std::regex_search(remote, std::regex("^big \\| router:mf score=[0-9.]+>=0\\.6 -> big$"))) << remote;
    // Slower than timeout_ms: the built-in weights decide, and the route says so.
    std::string slow = route_of(gw.port(), "router-mf-0.6", "python code bug #fake:delay_ms=2000");
    EXPECT_TRUE(std::regex_search(slow, std::regex("^big \\| .* -> big \\(fallback embedder\\)$"))) << slow;
    fake.reset();  // the endpoint goes away
    std::string down = route_of(gw.port(), "router-mf-0.6", "hello friend number 5555");
    EXPECT_TRUE(std::regex_search(down, std::regex("^small \\| .* -> small \\(fallback embedder\\)$"))) << down;
    remove_tree(dir);
}

TEST(RemoteEmbedderTest, ConfigErrorsNameTheKey) {
    std::string dir = make_temp_dir();
    struct Case {
        std::string yaml;
        std::string message;
    } cases[] = {
        {"embedders:\n  - {name: e, base_url: \"http://127.0.0.1:9\", model: m}\n", "embedders[0].dim: is required"},
        {"embedders:\n  - {name: builtin, base_url: \"http://127.0.0.1:9\", model: m, dim: 4}\n", "embedders[0].name: must be"},
        {"embedders:\n  - {name: e, api: cohere, base_url: \"http://127.0.0.1:9\", model: m, dim: 4}\n", "embedders[0].api: must be openai or ollama"},
        {"embedders:\n  - {name: e, base_url: \"ftp://x\", model: m, dim: 4}\n", "embedders[0].base_url"},
        // mf weights trained with the built-in embedder, configured with a remote one.
        {"embedders:\n  - {name: e, base_url: \"http://127.0.0.1:9\", model: m, dim: 4}\nrouters:\n  - {name: mf, plugin: mf, candidates: [general], config: {weights: \"" +
             source_dir() + "/plugins/routers/mf/weights/mmlu-mixtral-gpt4.syrw\", embedder: e}}\n",
         "were trained with embedder hash-ngram-v1/1024, but the configured embedder is openai:m/4"},
    };
    for (const auto& c : cases) {
        write_file(dir + "/c.yaml", mock_gateway({"general"}, c.yaml));
        std::string out = capture(gateway_binary() + " config check " + dir + "/c.yaml 2>&1");
        EXPECT_NE(out.find(c.message), std::string::npos) << out;
    }
    remove_tree(dir);
}

}  // namespace
}  // namespace sy::test
