// The data-protection layer over real sockets: personal data in a prompt is redacted with
// placeholders and restored in the answer (JSON, stream, /v1/messages), routed to a local model,
// or denied; a policy may decide otherwise for one request; the upstream never sees what it must
// not, and logs and metrics name kinds, never values.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/servers.hpp"

namespace sy::test {
namespace {

constexpr const char* kEmail = "ann.lee@example.com";
constexpr const char* kIban = "DE89 3704 0044 0532 0130 00";
constexpr const char* kCard = "4111 1111 1111 1111";

// A cloud model (a remote deployment, so marked local: false) and a local one, each behind its
// own fake upstream so a test can tell which one a request reached.
std::string privacy_config(const FakeUpstream& cloud, const FakeUpstream& home, const std::string& privacy,
                           const std::string& extra = "") {
    return "plugins:\n  search_paths: [\"" + plugin_dir() + "\"]\n"
           "providers:\n"
           "  - {name: cloud, plugin: openai, base_url: \"" + cloud.base_url() + "\"}\n"
           "  - {name: home, plugin: openai, base_url: \"" + home.base_url() + "\"}\n"
           "models:\n"
           "  - {name: gpt, deployments: [{provider: cloud, model: gpt-up, local: false}]}\n"
           "  - {name: llama, deployments: [{provider: home, model: llama-up, local: true}]}\n"
           "privacy: " + privacy + "\n" + extra;
}

std::string chat(const std::string& text, const std::string& more = "") {
    return R"({"model": "gpt", )" + more + R"("messages": [{"role": "user", "content": ")" + text + R"("}]})";
}

std::string upstream_requests(const FakeUpstream& fake) {
    HttpClient c(fake.port());
    return c.request("GET", "/_requests").body;
}

class PrivacyTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(cloud_.ok() && home_.ok()); }
    FakeUpstream cloud_, home_;
};

TEST_F(PrivacyTest, RedactedValuesNeverLeaveAndComeBackInTheAnswer) {
    const std::string log = (std::filesystem::temp_directory_path() / ("sy-privacy-" + std::to_string(::getpid()) + ".log")).string();
    GatewayProcess gw(privacy_config(cloud_, home_, "{actions: {email: redact, phone: redact}}",
                                     "telemetry: {access_log: {path: \"" + log + "\"}}\n"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    const std::string prompt = std::string("write to ") + kEmail + " or bob@example.org, then " + kEmail + " again";
    HttpResponse r = post_chat(gw.port(), chat(prompt));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.body.find("\"content\": \"echo: " + prompt + "\""), std::string::npos) << "restored: " << r.body;
    EXPECT_NE(r.header("x-switchyard-route").find("pii_redacted(email)"), std::string::npos) << r.header("x-switchyard-route");
    std::string seen = upstream_requests(cloud_);
    EXPECT_EQ(seen.find(kEmail), std::string::npos) << seen;
    EXPECT_EQ(seen.find("bob@example.org"), std::string::npos) << seen;
    EXPECT_NE(seen.find("write to [EMAIL_1] or [EMAIL_2], then [EMAIL_1] again"), std::string::npos) << seen;

    // Streamed: the deltas add up to the restored answer.
    HttpResponse s = post_chat(gw.port(), chat(prompt, R"("stream": true, )"));
    ASSERT_EQ(s.status, 200) << s.body;
    std::string text;
    const std::regex content(R"re("content": ?"([^"]*)")re");
    for (const std::string& e : sse_data(s.body)) {
        std::smatch m;
        if (std::regex_search(e, m, content)) text += m[1].str();
    }
    EXPECT_EQ(text, "echo: " + prompt) << s.body;
    EXPECT_EQ(s.body.find("[EMAIL_"), std::string::npos);

    // The Anthropic dialect gets the values back in its own shape.
    HttpClient c(gw.port());
    HttpResponse m = c.request("POST", "/v1/messages",
                               R"({"model": "gpt", "max_tokens": 32, "messages": [{"role": "user", "content": "ping )" +
                                   std::string(kEmail) + R"("}]})",
                               {{"anthropic-version", "2023-06-01"}});
    ASSERT_EQ(m.status, 200) << m.body;
    EXPECT_NE(m.body.find(std::string(R"("text":"echo: ping )") + kEmail + "\""), std::string::npos) << m.body;

    EXPECT_EQ(await_metric(gw.port(), R"(switchyard_pii_actions_total{kind="email",action="redact"})", 3), 3);
    EXPECT_EQ(cloud_.requests(), 3);
    EXPECT_EQ(home_.requests(), 0);
    gw.process().stop();
    std::string lines = read_file(log);
    EXPECT_NE(lines.find(R"("pii":"email:redact")"), std::string::npos) << lines;
    EXPECT_EQ(lines.find(kEmail), std::string::npos) << "kinds are logged, never values";
    EXPECT_EQ(gw.log().find(kEmail), std::string::npos);
    std::filesystem::remove(log);
}

TEST_F(PrivacyTest, LocalOnlyDataGoesToALocalModelUntouched) {
    GatewayProcess gw(privacy_config(cloud_, home_, "{actions: {iban: local_only}, local_models: [llama]}"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    HttpResponse r = post_chat(gw.port(), chat(std::string("pay to ") + kIban));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("x-switchyard-model"), "llama");
    EXPECT_NE(r.header("x-switchyard-route").find("pii_local_only(iban)"), std::string::npos) << r.header("x-switchyard-route");
    EXPECT_NE(upstream_requests(home_).find(kIban), std::string::npos) << "a local model gets the prompt as written";
    // Without personal data the request goes where it was sent.
    EXPECT_EQ(post_chat(gw.port(), chat("pay the bill")).header("x-switchyard-model"), "gpt");
    EXPECT_EQ(cloud_.requests(), 1);
    EXPECT_EQ(home_.requests(), 1);
    EXPECT_EQ(await_metric(gw.port(), R"(switchyard_pii_actions_total{kind="iban",action="local_only"})", 1), 1);
}

TEST_F(PrivacyTest, LocalOnlyWithoutALocalModelIsRefused) {
    GatewayProcess gw(privacy_config(cloud_, home_, "{actions: {iban: local_only}}"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    HttpResponse r = post_chat(gw.port(), chat(std::string("pay to ") + kIban));
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_NE(r.body.find(R"("code":"no_local_deployment")"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("Personal data in the prompt (iban) requires a local model"), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find(kIban), std::string::npos);
    EXPECT_EQ(cloud_.requests() + home_.requests(), 0);
}

TEST_F(PrivacyTest, DeniedDataIsRefusedBeforeAnyUpstream) {
    GatewayProcess gw(privacy_config(cloud_, home_, "{actions: {credit_card: deny, email: redact}}"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    HttpResponse r = post_chat(gw.port(), chat(std::string("card ") + kCard + " for " + kEmail, R"("stream": true, )"));
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_NE(r.body.find(R"("type":"invalid_request_error")"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find(R"("code":"pii_denied")"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("personal data (credit_card)"), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find("4111"), std::string::npos);
    // A card number that fails the Luhn check is not a card.
    EXPECT_EQ(post_chat(gw.port(), chat("order 4111 1111 1111 1112")).status, 200);
    EXPECT_EQ(cloud_.requests(), 1);
    EXPECT_EQ(await_metric(gw.port(), R"(switchyard_pii_actions_total{kind="credit_card",action="deny"})", 1), 1);
}

TEST_F(PrivacyTest, APolicyDecidesForItsRequests) {
    const std::string dir = std::filesystem::temp_directory_path() / ("sy-privacy-policy-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    {
        std::ofstream(dir + "/trusted.lua") << R"(
function route(req)
  if req.headers["x-trusted"] == "yes" and req.pii.credit_card then
    return {pii = {credit_card = "allow"}, reason = "trusted"}
  end
  return nil
end
)";
    }
    GatewayProcess gw(privacy_config(cloud_, home_, "{actions: {credit_card: deny}}",
                                     "policies: [{file: \"" + dir + "/trusted.lua\"}]\n"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    const std::string body = chat(std::string("card ") + kCard);
    EXPECT_EQ(post_chat(gw.port(), body).status, 400);
    HttpResponse trusted = post_chat(gw.port(), body, {{"x-trusted", "yes"}});
    EXPECT_EQ(trusted.status, 200) << trusted.body;
    EXPECT_EQ(trusted.header("x-switchyard-route"), "policy:trusted trusted");
    EXPECT_EQ(cloud_.requests(), 1);
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sy::test
