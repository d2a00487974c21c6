// Fault injection over real sockets: a deployment answering 500s is ejected and its traffic
// retried elsewhere with no failed client request, and comes back after its cooldown probe; a
// 429 with Retry-After ejects for that long; a black-holed upstream is cut at the first-byte
// timeout and retried; a model with no working deployment falls back to another model; the
// retry budget holds retries to its share during a full outage.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <regex>
#include <thread>

#include "reliability_support.hpp"

namespace sy::test {
namespace {

TEST(RetriesTest, AFailingDeploymentIsEjectedWithNoClientErrorsAndComesBackAfterItsProbe) {
    int bad_port = free_port();
    auto bad = std::make_unique<FakeUpstream>("--status 500 --port " + std::to_string(bad_port));
    FakeUpstream good;
    ASSERT_TRUE(bad->ok() && good.ok());
    GatewayProcess gw(config(provider("bad", bad_port) + provider("good", good.port()),
                             "  - {name: m, deployments: [{provider: bad, model: x}, {provider: good, model: x}]}\n"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    bool saw_retry = false;
    for (int i = 0; i < 30; ++i) {
        HttpResponse r = post_chat(gw.port(), chat("m"));
        ASSERT_EQ(r.status, 200) << "request " << i << ": " << r.body;
        EXPECT_EQ(r.header("x-switchyard-provider"), "good");
        saw_retry = saw_retry || r.header("x-switchyard-route").find("; retry good after 502") != std::string::npos;
    }
    EXPECT_TRUE(saw_retry);
    EXPECT_LE(requests_of(*bad), 4) << "ejected after 2 failures in a row; a cooldown probe or two at most";
    EXPECT_GE(metric(gw.port(), R"(switchyard_deployment_ejections_total{provider="bad",model="x"})"), 1);
    EXPECT_GE(metric(gw.port(), R"(switchyard_retries_total{provider="bad"})"), 2);

    // The bad upstream recovers; after the cooldown a probe succeeds and it serves again.
    bad.reset();
    FakeUpstream healed("--port " + std::to_string(bad_port));
    ASSERT_TRUE(healed.ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));  // past the longest cooldown
    for (int i = 0; i < 40; ++i) ASSERT_EQ(post_chat(gw.port(), chat("m")).status, 200);
    EXPECT_GE(requests_of(healed), 5) << "back in rotation";
    EXPECT_EQ(metric(gw.port(), R"(switchyard_deployment_ejected{provider="bad",model="x"})"), 0);
}

TEST(RetriesTest, A429WithRetryAfterEjectsForThatLong) {
    FakeUpstream limited("--status 429"), good;  // 429 answers carry Retry-After: 1
    ASSERT_TRUE(limited.ok() && good.ok());
    GatewayProcess gw(config(provider("limited", limited.port()) + provider("good", good.port()),
                             "  - {name: m, deployments: [{provider: limited, model: x}, {provider: good, model: x}]}\n"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    for (int i = 0; i < 20; ++i) ASSERT_EQ(post_chat(gw.port(), chat("m")).status, 200);
    EXPECT_EQ(requests_of(limited), 1) << "one 429 takes it out for the Retry-After second";
}

TEST(RetriesTest, ABlackHoledUpstreamIsCutAtTheFirstByteTimeoutAndRetried) {
    // Accepts connections (in the kernel's backlog) and never answers.
    int hole = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(hole, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(::listen(hole, 64), 0);
    socklen_t len = sizeof addr;
    ::getsockname(hole, reinterpret_cast<sockaddr*>(&addr), &len);
    FakeUpstream good;
    ASSERT_TRUE(good.ok());
    GatewayProcess gw(config(provider("hole", ntohs(addr.sin_port), 300) + provider("good", good.port()),
                             "  - {name: m, deployments: [{provider: hole, model: x}, {provider: good, model: x}]}\n"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    int cut = 0;
    // The balancer picks a deployment at random by weight: 6 requests all missed the hole about
    // one run in 64 (seen in CI); 20 miss it one run in a million.
    for (int i = 0; i < 20; ++i) {
        auto t0 = std::chrono::steady_clock::now();
        HttpResponse r = post_chat(gw.port(), chat("m"));
        ASSERT_EQ(r.status, 200) << r.body;
        if (r.header("x-switchyard-route").find("; retry good after 504") != std::string::npos) {
            ++cut;
            EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
        }
    }
    EXPECT_GE(cut, 1) << "at least one request went to the hole first";
    ::close(hole);
}

TEST(RetriesTest, AModelWithNoWorkingDeploymentFallsBackToAnother) {
    FakeUpstream bad("--status 503"), good;
    ASSERT_TRUE(bad.ok() && good.ok());
    GatewayProcess gw(config(provider("bad", bad.port()) + provider("good", good.port()),
                             "  - {name: big, fallbacks: [small], deployments: [{provider: bad, model: x}]}\n"
                             "  - {name: small, deployments: [{provider: good, model: y}]}\n"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    HttpResponse r = post_chat(gw.port(), chat("big"));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("x-switchyard-model"), "small");
    EXPECT_EQ(r.header("x-switchyard-route"), "model; fallback small after 503");
    EXPECT_EQ(metric(gw.port(), R"(switchyard_fallbacks_total{reason="unavailable"})"), 1);
    // An unknown fallback is a config error naming the key.
    std::string dir = make_temp_dir();
    write_file(dir + "/c.yaml", config(provider("good", good.port()), "  - {name: big, fallbacks: [nope], deployments: [{provider: good}]}\n"));
    std::string out = capture(gateway_binary() + " config check " + dir + "/c.yaml 2>&1");
    EXPECT_NE(out.find("models[0].fallbacks: 'nope' is not another configured model"), std::string::npos) << out;
    remove_tree(dir);
}

TEST(RetriesTest, AContentFilterRefusalFallsBackToAnotherModelWithoutRetryOrEjection) {
    FakeUpstream strict("--filter-word forbidden"), filtering("--filter-word forbidden --filter-as-answer"), open;
    ASSERT_TRUE(strict.ok() && filtering.ok() && open.ok());
    GatewayProcess gw(config(provider("strict", strict.port()) + provider("filtering", filtering.port()) +
                                 provider("open", open.port()),
                             "  - {name: guarded, fallbacks: [lenient], deployments: [{provider: strict, model: a}, {provider: strict, model: b}]}\n"
                             "  - {name: azure, fallbacks: [lenient], deployments: [{provider: filtering, model: c}]}\n"
                             "  - {name: alone, deployments: [{provider: strict, model: d}]}\n"
                             "  - {name: lenient, deployments: [{provider: open, model: e}]}\n"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    for (int i = 0; i < 3; ++i) {
        HttpResponse r = post_chat(gw.port(), chat("guarded", "something forbidden"));
        ASSERT_EQ(r.status, 200) << r.body;
        EXPECT_EQ(r.header("x-switchyard-model"), "lenient");
        EXPECT_EQ(r.header("x-switchyard-route"), "model; fallback lenient (content filter)");
    }
    EXPECT_EQ(requests_of(strict), 3) << "no retry on the model's other deployment";
    EXPECT_EQ(metric(gw.port(), R"(switchyard_fallbacks_total{reason="content_filtered"})"), 3);
    EXPECT_LE(metric(gw.port(), R"(switchyard_deployment_ejections_total{provider="strict",model="a"})"), 0) << "absent or 0";
    EXPECT_EQ(post_chat(gw.port(), chat("guarded", "harmless")).header("x-switchyard-model"), "guarded");
    // An answer the filter emptied (200, finish_reason content_filter) falls back the same way.
    HttpResponse emptied = post_chat(gw.port(), chat("azure", "something forbidden"));
    ASSERT_EQ(emptied.status, 200) << emptied.body;
    EXPECT_EQ(emptied.header("x-switchyard-model"), "lenient");
    EXPECT_NE(emptied.body.find("echo: something forbidden"), std::string::npos) << emptied.body;
    // With nowhere to go, the client gets the refusal as a 400 content_filter.
    HttpResponse refused = post_chat(gw.port(), chat("alone", "something forbidden"));
    EXPECT_EQ(refused.status, 400);
    EXPECT_NE(refused.body.find("\"code\":\"content_filter\""), std::string::npos) << refused.body;
}

TEST(RetriesTest, APromptTooLongForTheModelGoesToALargerWindowBeforeSending) {
    FakeUpstream good;
    ASSERT_TRUE(good.ok());
    GatewayProcess gw(config(provider("good", good.port()),
                             "  - {name: small, context_window: 64, fallbacks: [big], deployments: [{provider: good, model: s}]}\n"
                             "  - {name: big, context_window: 100000, deployments: [{provider: good, model: b}]}\n"
                             "  - {name: alone, context_window: 64, deployments: [{provider: good, model: a}]}\n"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    std::string long_text(400, 'x');
    for (size_t i = 5; i < long_text.size(); i += 6) long_text[i] = ' ';  // about 100 tokens
    HttpResponse moved = post_chat(gw.port(), chat("small", long_text));
    ASSERT_EQ(moved.status, 200) << moved.body;
    EXPECT_EQ(moved.header("x-switchyard-model"), "big");
    EXPECT_EQ(moved.header("x-switchyard-route"), "model; fallback big (context window)");
    EXPECT_EQ(post_chat(gw.port(), chat("small", "short")).header("x-switchyard-model"), "small");
    // max_tokens counts too.
    HttpResponse output = post_chat(gw.port(), R"({"model": "small", "max_tokens": 100, "messages": [{"role": "user", "content": "hi"}]})");
    EXPECT_EQ(output.header("x-switchyard-model"), "big");
    HttpResponse refused = post_chat(gw.port(), chat("alone", long_text));
    EXPECT_EQ(refused.status, 400);
    EXPECT_NE(refused.body.find("\"code\":\"context_length_exceeded\""), std::string::npos) << refused.body;
    EXPECT_EQ(requests_of(good), 3) << "the refused request never went upstream";
}

TEST(RetriesTest, ARequestTimeoutCapsTheWait) {
    FakeUpstream slow("--delay-ms 2000");
    ASSERT_TRUE(slow.ok());
    GatewayProcess gw(config(provider("slow", slow.port()), "  - {name: m, deployments: [{provider: slow, model: x}]}\n",
                             "  max_request_timeout_ms: 60000\n"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    auto t0 = std::chrono::steady_clock::now();
    HttpResponse r = post_chat(gw.port(), chat("m"), {{"x-switchyard-timeout-ms", "300"}});
    EXPECT_EQ(r.status, 504) << r.body;
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(1500));
    for (const char* bad : {"0", "abc", "60001", "-5"}) {
        HttpResponse b = post_chat(gw.port(), chat("m"), {{"x-switchyard-timeout-ms", bad}});
        EXPECT_EQ(b.status, 400) << bad;
        EXPECT_NE(b.body.find("x-switchyard-timeout-ms must be a whole number of milliseconds from 1 to 60000"), std::string::npos)
            << b.body;
    }
}

TEST(RetriesTest, TheRetryBudgetHoldsDuringAFullOutage) {
    FakeUpstream a("--status 500"), b("--status 500");
    ASSERT_TRUE(a.ok() && b.ok());
    std::string yaml = config(provider("a", a.port()) + provider("b", b.port()),
                              "  - {name: m, deployments: [{provider: a, model: x}, {provider: b, model: x}]}\n");
    yaml.replace(yaml.find("min_per_window: 50"), 18, "min_per_window: 5, budget: 0.2");
    GatewayProcess gw(yaml);
    ASSERT_TRUE(gw.ok()) << gw.log();
    int failed = 0;
    for (int i = 0; i < 40; ++i) failed += post_chat(gw.port(), chat("m")).status == 502;  // upstream 500s reach the client as 502
    EXPECT_EQ(failed, 40) << "nothing can answer";
    double retries = metric(gw.port(), R"(switchyard_retries_total{provider="a"})") +
                     metric(gw.port(), R"(switchyard_retries_total{provider="b"})");
    EXPECT_LE(retries, 5 + 0.2 * 40) << "at most the floor plus 20% of the requests";
    EXPECT_GT(retries, 0);
}

}  // namespace
}  // namespace sy::test
