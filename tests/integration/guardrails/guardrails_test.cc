// Guardrail plugins on the chat path over real sockets (the keywords plugin in front of the fake
// upstream): a request deny never reaches the upstream; a response deny replaces the answer and is
// still charged; timeouts and exceptions fail open or closed as configured and take down only
// their own request; config errors name the key.
#include <gtest/gtest.h>

#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/servers.hpp"

namespace sy::test {
namespace {

std::string config(const FakeUpstream& fake, const std::string& guardrails) {
    return "plugins:\n  search_paths: [\"" + plugin_dir() + "\"]\n"
           "providers: [{name: up, plugin: openai, base_url: \"" + fake.base_url() + "\"}]\n"
           "models:\n"
           "  - {name: m, input_price_per_mtok: 1000, output_price_per_mtok: 1000, deployments: [{provider: up, model: x}]}\n"
           "teams: [{name: t1}]\n"
           "auth:\n  keys: [{key: sk-a, id: a, team: t1}]\n"
           "guardrails:\n" + guardrails;
}

std::string chat(const std::string& text, bool stream = false) {
    return std::string(R"({"model": "m", )") + (stream ? R"("stream": true, )" : "") +
           R"("messages": [{"role": "user", "content": ")" + text + R"("}]})";
}

const std::vector<std::pair<std::string, std::string>> kAuth = {{"Authorization", "Bearer sk-a"}};

std::string checks(const std::string& guardrail, const std::string& stage, const std::string& verdict) {
    return "switchyard_guardrail_checks_total{guardrail=\"" + guardrail + "\",stage=\"" + stage + "\",verdict=\"" +
           verdict + "\"}";
}

TEST(GuardrailsTest, ARequestDenyNeverReachesTheUpstream) {
    FakeUpstream fake;
    ASSERT_TRUE(fake.ok());
    GatewayProcess gw(config(fake, "  - {name: block, plugin: keywords, on: request, config: "
                                   "{words: [Project-X], message: confidential, status: 403}}\n"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    HttpResponse denied = post_chat(gw.port(), chat("what is project-x?"), kAuth);
    EXPECT_EQ(denied.status, 403) << denied.body;
    EXPECT_NE(denied.body.find(R"("code":"guardrail_denied")"), std::string::npos) << denied.body;
    EXPECT_NE(denied.body.find(R"("type":"permission_error")"), std::string::npos) << denied.body;
    EXPECT_NE(denied.body.find("guardrail 'block' denied the request: confidential"), std::string::npos) << denied.body;
    EXPECT_NE(denied.header("x-switchyard-route").find("guardrail:block denied request"), std::string::npos)
        << denied.header("x-switchyard-route");
    EXPECT_EQ(fake.requests(), 0) << "nothing went upstream";

    HttpResponse allowed = post_chat(gw.port(), chat("what is the weather?"), kAuth);
    EXPECT_EQ(allowed.status, 200) << allowed.body;
    EXPECT_EQ(fake.requests(), 1);
    EXPECT_EQ(await_metric(gw.port(), checks("block", "request", "deny"), 1), 1);
    EXPECT_EQ(await_metric(gw.port(), checks("block", "request", "allow"), 1), 1);
    EXPECT_EQ(await_metric(gw.port(), checks("block", "response", "allow"), 0), -1) << "on: request only";
    EXPECT_NE(gw.log().find("guardrail 'block' (request) denied: keyword in request"), std::string::npos) << gw.log();
}

TEST(GuardrailsTest, AResponseDenyReplacesTheAnswerAndIsStillCharged) {
    FakeUpstream fake;
    ASSERT_TRUE(fake.ok());
    // The fake upstream answers "echo: <prompt>".
    GatewayProcess gw(config(fake, "  - {name: answers, plugin: keywords, on: response, config: {words: [\"echo: secret\"]}}\n"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    HttpResponse withheld = post_chat(gw.port(), chat("secret plans"), kAuth);
    EXPECT_EQ(withheld.status, 400) << withheld.body;
    EXPECT_NE(withheld.body.find(R"("code":"guardrail_denied")"), std::string::npos) << withheld.body;
    EXPECT_NE(withheld.body.find("guardrail 'answers' withheld the answer"), std::string::npos) << withheld.body;
    EXPECT_EQ(withheld.body.find("echo:"), std::string::npos) << "no part of the answer leaks";
    EXPECT_EQ(fake.requests(), 1) << "the upstream answered (and was paid)";
    ASSERT_EQ(await_metric(gw.port(), R"(switchyard_requests_total{model="m",provider="up",status_class="4xx"})", 1), 1);
    HttpResponse metrics = HttpClient(gw.port()).request("GET", "/metrics");
    EXPECT_GT(metric_value(metrics.body, R"(switchyard_team_spend_usd_total{team="t1"})"), 0) << "charged to the team";

    EXPECT_EQ(post_chat(gw.port(), chat("harmless"), kAuth).status, 200);
    // A stream cannot be retracted: it is delivered, and the deny is recorded.
    HttpResponse streamed = post_chat(gw.port(), chat("secret stream", true), kAuth);
    EXPECT_EQ(streamed.status, 200);
    EXPECT_NE(streamed.body.find("[DONE]"), std::string::npos) << streamed.body;
    EXPECT_EQ(await_metric(gw.port(), checks("answers", "response", "deny"), 2), 2);
    EXPECT_EQ(await_metric(gw.port(), checks("answers", "response", "allow"), 1), 1);
}

TEST(GuardrailsTest, ATimeoutFailsOpenOrClosedAsConfigured) {
    FakeUpstream fake;
    ASSERT_TRUE(fake.ok());
    const std::string slow = "plugin: keywords, on: request, timeout_ms: 50, config: {words: [zzz], delay_ms: 3000}";
    {
        GatewayProcess open_gw(config(fake, "  - {name: slow, on_error: allow, " + slow + "}\n"));
        ASSERT_TRUE(open_gw.ok()) << open_gw.log();
        EXPECT_EQ(post_chat(open_gw.port(), chat("hello"), kAuth).status, 200);
        EXPECT_EQ(fake.requests(), 1);
        EXPECT_EQ(await_metric(open_gw.port(), checks("slow", "request", "timeout"), 1), 1);
        EXPECT_NE(open_gw.log().find("on_error allow lets it through"), std::string::npos) << open_gw.log();
    }
    GatewayProcess closed_gw(config(fake, "  - {name: slow, on_error: deny, " + slow + "}\n"));
    ASSERT_TRUE(closed_gw.ok()) << closed_gw.log();
    HttpResponse r = post_chat(closed_gw.port(), chat("hello"), kAuth);
    EXPECT_EQ(r.status, 503) << r.body;
    EXPECT_NE(r.body.find(R"("code":"guardrail_unavailable")"), std::string::npos) << r.body;
    EXPECT_EQ(fake.requests(), 1) << "fail-closed: nothing more went upstream";
}

TEST(GuardrailsTest, AnExceptionInsideAPluginFailsOnlyThatRequest) {
    FakeUpstream fake;
    ASSERT_TRUE(fake.ok());
    GatewayProcess gw(config(fake, "  - {name: fragile, plugin: keywords, on_error: deny, "
                                   "config: {words: [zzz], throw_on: boom}}\n"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    HttpResponse failed = post_chat(gw.port(), chat("boom"), kAuth);
    EXPECT_EQ(failed.status, 503) << failed.body;
    EXPECT_EQ(fake.requests(), 0);
    HttpResponse next = post_chat(gw.port(), chat("calm"), kAuth);
    EXPECT_EQ(next.status, 200) << next.body << gw.log();
    EXPECT_TRUE(gw.process().running());
    EXPECT_EQ(await_metric(gw.port(), checks("fragile", "request", "error"), 1), 1);
    EXPECT_NE(gw.log().find("throw_on word found"), std::string::npos) << gw.log();
}

TEST(GuardrailsTest, ConfigCheckNamesTheGuardrailKey) {
    FakeUpstream fake;
    ASSERT_TRUE(fake.ok());
    std::string dir = make_temp_dir();
    struct Case {
        std::string guardrails, expected;
    };
    for (const Case& c : {Case{"  - {name: g, plugin: nosuch}\n", "guardrails[0].plugin: no loaded plugin named 'nosuch'"},
                          Case{"  - {name: g, plugin: keywords}\n", "guardrails[0]: guardrail 'g' (plugin keywords): keywords: config.words"},
                          Case{"  - {name: g, plugin: openai}\n", "plugin 'openai' is a provider, not a guardrail"},
                          Case{"  - {name: g, plugin: keywords, on: sometimes}\n", "guardrails[0].on: expected request, response or both"}}) {
        write_file(dir + "/bad.yaml", config(fake, c.guardrails));
        Process p({gateway_binary(), "config", "check", dir + "/bad.yaml"}, dir + "/log");
        EXPECT_EQ(p.wait(10000), 1) << p.log();
        EXPECT_NE(p.log().find(c.expected), std::string::npos) << p.log();
    }
    remove_tree(dir);
}

}  // namespace
}  // namespace sy::test
