// Mid-stream failure contract over real sockets: an upstream that dies mid-stream gives the
// client an error event (with usage when asked), never a silent cut; with continue_on_failure the
// answer goes on from another deployment, which gets the partial answer as an assistant prefix,
// behind a marker chunk, and the stream ends with [DONE].
#include <gtest/gtest.h>

#include "reliability_support.hpp"

namespace sy::test {
namespace {

std::string stream_chat(const std::string& model) {
    return R"({"model": ")" + model + R"(", "stream": true, "stream_options": {"include_usage": true},)"
           R"( "messages": [{"role": "user", "content": "one two three four five six seven eight"}]})";
}

// The text of the content deltas of a stream body.
std::string streamed_text(const std::string& body) {
    std::string text;
    for (const std::string& data : sse_data(body)) {
        size_t at = data.find("\"content\":");
        if (at == std::string::npos) continue;
        at = data.find('"', at + 10);  // the value's opening quote (JSON may put a space before it)
        if (at == std::string::npos) continue;
        text += data.substr(at + 1, data.find('"', at + 1) - at - 1);
    }
    return text;
}

TEST(ContinuationTest, ACutStreamContinuesOnAnotherDeploymentFromThePartialAnswer) {
    FakeUpstream cutting("--cut-after 3"), whole;
    ASSERT_TRUE(cutting.ok() && whole.ok());
    GatewayProcess gw(config(provider("cutting", cutting.port()) + provider("whole", whole.port()),
                             "  - {name: m, continue_on_failure: true, balancing: priority, deployments: "
                             "[{provider: cutting, model: x}, {provider: whole, model: x, priority: 1}]}\n"
                             "  - {name: plain, deployments: [{provider: cutting, model: y}]}\n"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    HttpResponse r = post_chat(gw.port(), stream_chat("m"));
    ASSERT_EQ(r.status, 200);
    std::vector<std::string> events = sse_data(r.body);
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.back(), "[DONE]") << r.body;
    EXPECT_EQ(r.body.find("\"error\""), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("\"x_switchyard\":{\"continued\":true"), std::string::npos) << r.body;
    // The first three words came from the cut upstream; the rest from the other one.
    const std::string partial = "echo: one two";
    EXPECT_EQ(streamed_text(r.body).rfind(partial, 0), 0u) << streamed_text(r.body);
    HttpClient c(whole.port());
    std::string seen = c.request("GET", "/_requests").body;
    EXPECT_NE(seen.find(R"({"role": "assistant", "content": ")" + partial + "\"}"), std::string::npos)
        << "the continuation carries the partial answer as the last message: " << seen;
    EXPECT_EQ(metric(gw.port(), R"(switchyard_fallbacks_total{reason="stream_continued"})"), 1);

    // Without continue_on_failure the client gets usage, then an error event, and no [DONE].
    HttpResponse plain = post_chat(gw.port(), stream_chat("plain"));
    std::vector<std::string> plain_events = sse_data(plain.body);
    ASSERT_GE(plain_events.size(), 2u) << plain.body;
    EXPECT_NE(plain_events.back().find("\"error\""), std::string::npos) << plain.body;
    EXPECT_NE(plain_events[plain_events.size() - 2].find("\"usage\""), std::string::npos) << plain.body;
}

TEST(ContinuationTest, WithNothingToContinueOnTheClientStillGetsTheErrorEvent) {
    FakeUpstream cutting("--cut-after 2");
    ASSERT_TRUE(cutting.ok());
    GatewayProcess gw(config(provider("cutting", cutting.port()),
                             "  - {name: m, continue_on_failure: true, deployments: [{provider: cutting, model: x}]}\n"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    HttpResponse r = post_chat(gw.port(), stream_chat("m"));
    std::vector<std::string> events = sse_data(r.body);
    ASSERT_FALSE(events.empty());
    EXPECT_NE(events.back().find("\"error\""), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find("x_switchyard"), std::string::npos) << "no marker: nothing continued";
}

}  // namespace
}  // namespace sy::test
