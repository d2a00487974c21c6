// The semantic cache over real sockets: a reworded last user turn whose built-in embedding is
// similar enough gets the stored answer (JSON and replayed stream), at no cost, marked, counted
// and logged; a rewording below the threshold, another system prompt, another model and another
// key miss; an embedder that fails is a miss, not an error; and a Redis semantic cache is shared
// by two instances. Similarities of the texts under the built-in embedder (measured):
//   kNotes vs kRespelled  0.9740   (above the default threshold 0.95)
//   kNotes vs kShortened  0.9467   (below it)
//   kNotes vs kMonday     0.9229   (another meaning, below it)
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "cache_test_util.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/servers.hpp"

namespace sy::test {
namespace {

const std::string kNotes = "Please summarise the following meeting notes in three bullet points: the team agreed to "
                           "ship the release on Friday after the last tests pass";
const std::string kRespelled = "Please summarize the following meeting notes in three bullet points: the team agreed "
                               "to ship the release on Friday after the last tests pass.";
const std::string kShortened = "Summarise these meeting notes in three bullet points: the team agreed to ship the "
                               "release on Friday after the last tests pass";
const std::string kMonday = "Please summarise the following meeting notes in three bullet points: the team agreed to "
                            "delay the release to Monday until the last tests pass";

std::string config(const FakeUpstream& fake, const std::string& cache, const std::string& extra = "") {
    return "plugins:\n  search_paths: [\"" + plugin_dir() + "\"]\n"
           "providers: [{name: up, plugin: openai, base_url: \"" + fake.base_url() + "\"}]\n"
           "models:\n"
           "  - {name: m, input_price_per_mtok: 1, output_price_per_mtok: 1, deployments: [{provider: up, model: x}]}\n"
           "  - {name: n, deployments: [{provider: up, model: y}]}\n"
           "auth:\n  keys: [{key: sk-a, id: a, team: t1}, {key: sk-b, id: b, team: t1}]\n"
           "cache: " + cache + "\n" + extra;
}

std::string chat(const std::string& text, const std::string& system = "You are terse.", const std::string& model = "m",
                 const std::string& more = "") {
    return R"({"model": ")" + model + R"(", "temperature": 0)" + more +
           R"(, "messages": [{"role": "system", "content": ")" + system + R"("}, {"role": "user", "content": ")" + text +
           R"("}]})";
}

std::vector<std::pair<std::string, std::string>> as(const std::string& key) { return {{"Authorization", "Bearer " + key}}; }

// A fresh answer is stored after it was sent, before the request is counted: waiting for the
// count of model m's answers orders a lookup after the fill it should find.
void await_filled(int port, int answers) {
    EXPECT_EQ(await_metric(port, R"(switchyard_requests_total{model="m",provider="up",status_class="2xx"})", answers),
              answers);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

TEST(SemanticCacheTest, ARewordingAboveTheThresholdGetsTheStoredAnswer) {
    FakeUpstream fake;
    ASSERT_TRUE(fake.ok());
    GatewayProcess gw(config(fake, "{backend: memory, semantic: {enabled: true}}",
                             "telemetry: {access_log: {path: access.log}}\n"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    HttpResponse first = post_chat(gw.port(), chat(kNotes), as("sk-a"));
    ASSERT_EQ(first.status, 200) << first.body;
    EXPECT_EQ(first.header("x-switchyard-cache"), "miss");
    await_filled(gw.port(), 1);
    HttpResponse reworded = post_chat(gw.port(), chat(kRespelled), as("sk-a"));
    ASSERT_EQ(reworded.status, 200) << reworded.body;
    EXPECT_EQ(reworded.header("x-switchyard-cache"), "hit");
    EXPECT_EQ(reworded.header("x-switchyard-cache-kind"), "semantic");
    EXPECT_EQ(reworded.header("x-switchyard-cache-similarity"), "0.9740");
    EXPECT_EQ(reworded.header("x-switchyard-route"), "model; semantic cache hit");
    EXPECT_EQ(reworded.body, first.body) << "the stored answer (the fake echoes the first wording)";
    EXPECT_EQ(fake.requests(), 1);
    // The exact request again is an exact hit, not a semantic one.
    HttpResponse again = post_chat(gw.port(), chat(kNotes), as("sk-a"));
    EXPECT_EQ(again.header("x-switchyard-cache-kind"), "exact");

    // A semantic hit streamed: the stored completion replayed as SSE.
    HttpResponse streamed = post_chat(gw.port(), chat(kRespelled, "You are terse.", "m",
                                                      R"(, "stream": true, "stream_options": {"include_usage": true})"),
                                      as("sk-a"));
    EXPECT_EQ(streamed.header("x-switchyard-cache-kind"), "semantic");
    std::vector<std::string> events = sse_data(streamed.body);
    ASSERT_GE(events.size(), 4u) << streamed.body;
    EXPECT_EQ(events.back(), "[DONE]");
    EXPECT_NE(streamed.body.find("echo: " + kNotes), std::string::npos) << streamed.body;
    EXPECT_NE(events[events.size() - 2].find("\"usage\""), std::string::npos);
    EXPECT_EQ(fake.requests(), 1);

    EXPECT_EQ(await_metric(gw.port(), R"(switchyard_cache_hits_total{cache="semantic"})", 2), 2);
    EXPECT_EQ(await_metric(gw.port(), R"(switchyard_cache_hits_total{cache="exact"})", 1), 1);
    EXPECT_EQ(await_metric(gw.port(), R"(switchyard_cache_misses_total{cache="semantic"})", 1), 1);
    // Logged at cost 0, the route saying which cache answered.
    std::string log;
    for (int i = 0; i < 100 && log.find("semantic cache hit") == std::string::npos; ++i) {
        log = read_file(gw.dir() + "/access.log");
        if (log.find("semantic cache hit") == std::string::npos) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    size_t at = log.find(R"("route":"model; semantic cache hit")");
    ASSERT_NE(at, std::string::npos) << log;
    std::string line = log.substr(log.rfind('\n', at) + 1, log.find('\n', at) - log.rfind('\n', at) - 1);
    EXPECT_NE(line.find(R"("cost_usd":0)"), std::string::npos) << line;
}

TEST(SemanticCacheTest, MissesBelowTheThresholdAndAcrossPromptsModelsAndKeys) {
    FakeUpstream fake;
    ASSERT_TRUE(fake.ok());
    GatewayProcess gw(config(fake, "{backend: memory, semantic: {enabled: true, threshold: 0.95}}"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    ASSERT_EQ(post_chat(gw.port(), chat(kNotes), as("sk-a")).header("x-switchyard-cache"), "miss");
    await_filled(gw.port(), 1);
    auto kind = [&](const std::string& body, const std::string& key) {
        HttpResponse r = post_chat(gw.port(), body, as(key));
        EXPECT_EQ(r.status, 200) << r.body;
        return r.header("x-switchyard-cache") + "/" + r.header("x-switchyard-cache-kind");
    };
    EXPECT_EQ(kind(chat(kShortened), "sk-a"), "miss/") << "similarity 0.9467 < 0.95";
    EXPECT_EQ(kind(chat(kMonday), "sk-a"), "miss/") << "another meaning";
    EXPECT_EQ(kind(chat(kRespelled, "You are verbose."), "sk-a"), "miss/") << "another system prompt";
    EXPECT_EQ(kind(chat(kRespelled, "You are terse.", "n"), "sk-a"), "miss/") << "another model";
    EXPECT_EQ(kind(chat(kRespelled, "You are terse.", "m", R"(, "max_tokens": 50)"), "sk-a"), "miss/")
        << "another parameter";
    EXPECT_EQ(kind(chat(kRespelled), "sk-b"), "miss/") << "scope key: another tenant never gets a's answers";
    EXPECT_EQ(kind(chat(kRespelled), "sk-a"), "hit/semantic") << "the control: a's own rewording hits";
    EXPECT_EQ(fake.requests(), 7);
}

TEST(SemanticCacheTest, ALowerThresholdAcceptsMoreAndTeamScopeShares) {
    FakeUpstream fake;
    ASSERT_TRUE(fake.ok());
    GatewayProcess gw(config(fake, "{backend: memory, scope: team, semantic: {enabled: true, threshold: 0.94}}"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    ASSERT_EQ(post_chat(gw.port(), chat(kNotes), as("sk-a")).header("x-switchyard-cache"), "miss");
    await_filled(gw.port(), 1);
    HttpResponse r = post_chat(gw.port(), chat(kShortened), as("sk-b"));
    EXPECT_EQ(r.header("x-switchyard-cache-kind"), "semantic") << "0.9467 >= 0.94, and a and b are one team";
    EXPECT_EQ(r.header("x-switchyard-cache-similarity"), "0.9467");
    EXPECT_EQ(post_chat(gw.port(), chat(kMonday), as("sk-a")).header("x-switchyard-cache"), "miss") << "0.9229 < 0.94";
    EXPECT_EQ(fake.requests(), 2);
}

TEST(SemanticCacheTest, AnEmbedderThatFailsIsAMissNotAnError) {
    FakeUpstream fake;
    ASSERT_TRUE(fake.ok());
    GatewayProcess gw(config(fake, "{backend: memory, semantic: {enabled: true, embedder: down}}",
                             "embedders:\n  - {name: down, base_url: \"http://127.0.0.1:9/v1\", model: e, dim: 8, "
                             "timeout_ms: 500}\n"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    HttpResponse first = post_chat(gw.port(), chat(kNotes), as("sk-a"));
    EXPECT_EQ(first.status, 200) << first.body;
    EXPECT_EQ(first.header("x-switchyard-cache"), "miss");
    HttpResponse reworded = post_chat(gw.port(), chat(kRespelled), as("sk-a"));
    EXPECT_EQ(reworded.status, 200) << reworded.body;
    EXPECT_EQ(reworded.header("x-switchyard-cache"), "miss");
    await_filled(gw.port(), 2);
    EXPECT_EQ(post_chat(gw.port(), chat(kNotes), as("sk-a")).header("x-switchyard-cache-kind"), "exact")
        << "the exact cache still works";
    EXPECT_EQ(fake.requests(), 2);
}

TEST(SemanticCacheTest, ARedisSemanticCacheIsSharedByTwoInstances) {
    FakeUpstream fake;
    TwoInstances gw;
    std::string why;
    ASSERT_TRUE(fake.ok() && gw.start(config(fake, "{backend: redis, semantic: {enabled: true}}"), why)) << why;
    GatewayProcess &one = *gw.one, &two = *gw.two;
    HttpResponse filled = post_chat(one.port(), chat(kNotes), as("sk-a"));
    EXPECT_EQ(filled.header("x-switchyard-cache"), "miss");
    await_filled(one.port(), 1);
    HttpResponse served = post_chat(two.port(), chat(kRespelled), as("sk-a"));
    EXPECT_EQ(served.header("x-switchyard-cache-kind"), "semantic");
    EXPECT_EQ(served.header("x-switchyard-cache-similarity"), "0.9740");
    EXPECT_EQ(served.body, filled.body);
    EXPECT_EQ(post_chat(two.port(), chat(kRespelled), as("sk-b")).header("x-switchyard-cache"), "miss")
        << "another tenant, in Redis too";
    EXPECT_EQ(fake.requests(), 2);
    std::string keys = gw.redis.cli("--scan --pattern 'sy:scache:*'");
    EXPECT_NE(keys.find("sy:scache:a:"), std::string::npos) << keys;
}

}  // namespace
}  // namespace sy::test
