// Streams through the gateway: relayed chunk by chunk, usage honoured, failures after the start
// end with an SSE error event, and a client that leaves cancels the upstream request.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <vector>
#include <thread>

#include "support/http_client.hpp"
#include "test_configs.hpp"

namespace sy::test {
namespace {

constexpr char kStreamingTimeouts[] = "    timeouts: {first_byte_ms: 2000, idle_ms: 1000}\n";
using StreamingTest = FakeUpstreamSuite<kStreamingTimeouts>;

std::string joined_content(const std::vector<std::string>& events) {
    std::string text;
    for (const auto& e : events) {
        size_t p = e.find("\"content\":");
        if (p == std::string::npos) continue;
        p = e.find_first_not_of(' ', p + 10);
        if (p == std::string::npos || e[p] != '"') continue;
        size_t end = e.find('"', ++p);
        text += e.substr(p, end - p);
    }
    return text;
}

TEST_F(StreamingTest, RelaysUpstreamStreamAsSse) {
    HttpResponse r = post_chat(gw_->port(), chat_body("gpt-test", "stream this please", true));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("content-type"), "text/event-stream");
    EXPECT_EQ(r.header("transfer-encoding"), "chunked");
    auto events = sse_data(r.body);
    ASSERT_GE(events.size(), 3u) << r.body;
    EXPECT_EQ(events.back(), "[DONE]");
    EXPECT_NE(joined_content(events).find("stream this please"), std::string::npos) << r.body;
    // The client did not ask for usage: the gateway requested it upstream but does not forward it.
    EXPECT_EQ(r.body.find("\"usage\""), std::string::npos) << r.body;
}

TEST_F(StreamingTest, ForwardsUsageChunkWhenRequested) {
    HttpResponse r = post_chat(gw_->port(), chat_body("gpt-test", "count me", true,
                                                      R"("stream_options": {"include_usage": true})"));
    ASSERT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("\"usage\""), std::string::npos) << r.body;
}

TEST_F(StreamingTest, DeliversChunksAsTheyArrive) {
    HttpClient c(gw_->port());
    ASSERT_TRUE(c.send_request("POST", "/v1/chat/completions",
                               chat_body("gpt-test", "slow #fake:chunk_delay_ms=150,words=6", true)));
    HttpResponse head;
    ASSERT_TRUE(c.read_head(head));
    ASSERT_EQ(head.status, 200);
    auto start = std::chrono::steady_clock::now();
    std::string first;
    ASSERT_TRUE(c.read_some(first));
    auto first_at = std::chrono::steady_clock::now() - start;
    std::string rest;
    while (c.read_some(rest)) {
    }
    auto all_at = std::chrono::steady_clock::now() - start;
    // The first chunk arrived well before the whole answer (6 words x 150 ms): no buffering.
    EXPECT_LT(first_at * 3, all_at) << "first chunk after " << first_at.count() << " of " << all_at.count();
    EXPECT_NE(rest.find("[DONE]"), std::string::npos);
}

TEST_F(StreamingTest, UpstreamCutMidStreamEndsWithErrorEvent) {
    HttpResponse r = post_chat(gw_->port(), chat_body("gpt-test", "cut me #fake:cut_after=2,words=10", true));
    ASSERT_EQ(r.status, 200);
    auto events = sse_data(r.body);
    ASSERT_FALSE(events.empty());
    EXPECT_NE(events.back().find("\"error\""), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find("[DONE]"), std::string::npos) << r.body;
}

TEST_F(StreamingTest, AStreamCutMidWayStillReportsUsageWhenAskedFor) {
    HttpResponse r = post_chat(gw_->port(), chat_body("gpt-test", "cut me #fake:cut_after=3,words=10", true,
                                                      R"("stream_options": {"include_usage": true})"));
    ASSERT_EQ(r.status, 200);
    auto events = sse_data(r.body);
    ASSERT_GE(events.size(), 2u) << r.body;
    EXPECT_NE(events.back().find("\"error\""), std::string::npos) << r.body;
    const std::string& usage = events[events.size() - 2];
    EXPECT_NE(usage.find(R"("choices":[],"usage":{"prompt_tokens":)"), std::string::npos) << r.body;
    // No upstream usage arrived: the estimate counts the chunks relayed (the role chunk and three).
    EXPECT_NE(usage.find(R"("completion_tokens":4,)"), std::string::npos) << r.body;
}

TEST_F(StreamingTest, MalformedStreamEventEndsWithErrorEvent) {
    HttpResponse r = post_chat(gw_->port(), chat_body("gpt-test", "junk #fake:malformed=1", true));
    ASSERT_EQ(r.status, 200);
    auto events = sse_data(r.body);
    ASSERT_FALSE(events.empty());
    EXPECT_NE(events.back().find("\"error\""), std::string::npos) << r.body;
}

TEST_F(StreamingTest, IdleUpstreamEndsWithErrorEvent) {
    HttpResponse r = post_chat(gw_->port(), chat_body("gpt-test", "stall #fake:chunk_delay_ms=2500,words=3", true));
    ASSERT_EQ(r.status, 200);
    auto events = sse_data(r.body);
    ASSERT_FALSE(events.empty());
    EXPECT_NE(events.back().find("idle"), std::string::npos) << r.body;
}

TEST_F(StreamingTest, UpstreamErrorBeforeStreamIsAnHttpError) {
    HttpResponse r = post_chat(gw_->port(), chat_body("gpt-test", "no #fake:status=503", true));
    EXPECT_EQ(r.status, 503) << r.body;
    EXPECT_NE(r.body.find("\"error\""), std::string::npos);
}

TEST_F(StreamingTest, StreamsToolCallFragmentsIntact) {
    std::string body = R"({"model": "gpt-test", "stream": true, "messages": [{"role": "user", "content": "weather in Paris?"}],
        "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]})";
    HttpResponse r = post_chat(gw_->port(), body);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.body.find("get_weather"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("tool_calls"), std::string::npos) << r.body;
}

TEST_F(StreamingTest, ClientDisconnectCancelsUpstream) {
    int before = fake_->stat("streams_aborted_by_client");
    {
        HttpClient c(gw_->port());
        ASSERT_TRUE(c.send_request("POST", "/v1/chat/completions",
                                   chat_body("gpt-test", "long #fake:chunk_delay_ms=100,words=100", true)));
        HttpResponse head;
        ASSERT_TRUE(c.read_head(head));
        std::string some;
        ASSERT_TRUE(c.read_some(some));
        c.close();
    }
    // The gateway must close its upstream connection; the fake notices on its next write.
    int after = before;
    for (int i = 0; i < 50 && after <= before; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        after = fake_->stat("streams_aborted_by_client");
    }
    EXPECT_EQ(after, before + 1) << fake_->stats();
}

TEST_F(StreamingTest, MockProviderStreamsLocally) {
    HttpResponse r = post_chat(gw_->port(), chat_body("mock-strong", "tell me a story", true,
                                                      R"("stream_options": {"include_usage": true})"));
    ASSERT_EQ(r.status, 200);
    auto events = sse_data(r.body);
    ASSERT_GE(events.size(), 4u);
    EXPECT_EQ(events.back(), "[DONE]");
    EXPECT_NE(r.body.find("\"usage\""), std::string::npos);
    EXPECT_EQ(r.header("x-switchyard-provider"), "local");
}

// An upstream that leaves Nagle on holds each small write until the one before is acknowledged
// (its body after its head, a stream's next event). Linux delays an ACK by at least 40 ms on a
// connection past its first exchanges, so a gateway that waits for more of an answer without
// acknowledging what came stalls every answer by 40 ms. The median of several answers over one
// reused upstream connection stays far below that (a stall is 40 ms each time, not a spike).
class NagleUpstreamTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(fake_.ok());
        gw_ = std::make_unique<GatewayProcess>(fake_upstream_config(fake_));
        ASSERT_TRUE(gw_->ok()) << gw_->log();
    }
    // The median time of `n` answers (after one that opens the upstream connection).
    std::chrono::milliseconds median_answer_time(bool stream, int n) {
        post_chat(gw_->port(), chat_body("gpt-test", "open the connection", stream));
        std::vector<std::chrono::steady_clock::duration> times;
        for (int i = 0; i < n; ++i) {
            auto start = std::chrono::steady_clock::now();
            HttpResponse r = post_chat(gw_->port(), chat_body("gpt-test", "hello over nagle", stream));
            times.push_back(std::chrono::steady_clock::now() - start);
            EXPECT_EQ(r.status, 200) << r.body;
            EXPECT_NE(r.body.find(stream ? "[DONE]" : "hello over nagle"), std::string::npos) << r.body;
        }
        std::sort(times.begin(), times.end());
        return std::chrono::duration_cast<std::chrono::milliseconds>(times[times.size() / 2]);
    }

    FakeUpstream fake_{"--nagle"};
    std::unique_ptr<GatewayProcess> gw_;
};

TEST_F(NagleUpstreamTest, AnswersDoNotWaitForADelayedAck) {
    EXPECT_LT(median_answer_time(false, 7).count(), 30);
    EXPECT_LT(median_answer_time(true, 7).count(), 30);
}

}  // namespace
}  // namespace sy::test
