// Slow and greedy clients against the HTTP edge: a connection over max_connections gets 503 at
// once, a client that never reads a stream is cut after the write timeout, and 500 slow-loris
// connections neither hold the 4 workers nor stop normal requests, and are closed by the
// request deadline.
#include <gtest/gtest.h>
#include <poll.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "integration/edge/raw_conn.hpp"
#include "integration/gateway/test_configs.hpp"
#include "support/http_client.hpp"

namespace sy::test {
namespace {

TEST(EdgeSlowClientsTest, ConnectionOverMaxConnectionsGets503AtOnce) {
    FakeUpstream fake;
    ASSERT_TRUE(fake.ok());
    GatewayProcess gw(fake_upstream_config(fake, "", "  max_connections: 3\n"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    // A request on each held connection makes sure the gateway counts it. The closes of the
    // start-up probe's connections are processed concurrently: until they are, a new
    // connection may still be refused, so each is retried.
    std::vector<std::unique_ptr<HttpClient>> held;
    for (int i = 0; i < 3; ++i) {
        int status = 0;
        for (int attempt = 0; attempt < 100 && status != 200; ++attempt) {
            if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
            held.push_back(std::make_unique<HttpClient>(gw.port()));
            status = held.back()->request("GET", "/healthz").status;
            if (status != 200) held.pop_back();
        }
        ASSERT_EQ(status, 200) << "connection " << i;
    }
    RawConn extra(gw.port());
    ASSERT_TRUE(extra.ok());
    std::string got;
    EXPECT_TRUE(extra.read_until_closed(got));  // without sending anything
    EXPECT_EQ(status_of(got), 503) << got;
    EXPECT_NE(got.find("\"code\":\"server_overloaded\""), std::string::npos) << got;
    // The held connections keep working, and a freed slot serves again.
    EXPECT_EQ(held[0]->request("GET", "/healthz").status, 200);
    held.pop_back();
    int status = 0;
    for (int i = 0; i < 100 && status != 200; ++i) {
        HttpClient c(gw.port());
        status = c.request("GET", "/healthz").status;
        if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(status, 200);
    EXPECT_GE(
        metric_value(held[0]->request("GET", "/metrics").body, "switchyard_http_rejected_total{reason=\"overloaded\"}"),
        1);
}

TEST(EdgeSlowClientsTest, NeverReadingStreamClientIsCutAndTheUpstreamCallAbandoned) {
    FakeUpstream fake;
    ASSERT_TRUE(fake.ok());
    GatewayProcess gw(fake_upstream_config(fake, "", "  write_timeout_ms: 500\n"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    // ~10 MB of events: more than the client's small receive buffer plus the gateway's send buffer.
    RawConn greedy(gw.port(), 4096);
    ASSERT_TRUE(greedy.ok());
    const std::string b = chat_body("gpt-test", "flood #fake:words=60000", true);
    ASSERT_TRUE(
        greedy.send("POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n"
                    "Content-Length: " +
                    std::to_string(b.size()) + "\r\n\r\n" + b));
    // ... and never reads. The gateway cuts it and abandons the upstream stream.
    int aborted = 0;
    for (int i = 0; i < 300 && aborted < 1; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        aborted = fake.stat("streams_aborted_by_client");
    }
    EXPECT_EQ(aborted, 1) << fake.stats();
    EXPECT_EQ(await_metric(gw.port(), "switchyard_http_rejected_total{reason=\"write_timeout\"}", 1), 1);
    EXPECT_EQ(post_chat(gw.port(), chat_body("gpt-test", "still serving")).status, 200);
    EXPECT_NE(gw.log().find("refused (write_timeout)"), std::string::npos) << gw.log();
}

// 500 connections each trickle a header one byte at a time (bounded: at most 40 rounds) while
// normal requests run on other connections through 4 workers.
TEST(EdgeSlowClientsTest, SlowlorisHoldsNoWorkerAndIsClosedByTheRequestDeadline) {
    FakeUpstream fake;
    ASSERT_TRUE(fake.ok());
    GatewayProcess gw(
        fake_upstream_config(fake, "", "  max_threads: 4\n  request_timeout_ms: 2000\n  max_connections: 600\n"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    constexpr int kSlow = 500;
    std::vector<std::unique_ptr<RawConn>> slow;
    for (int i = 0; i < kSlow; ++i) {
        slow.push_back(std::make_unique<RawConn>(gw.port()));
        ASSERT_TRUE(slow.back()->ok()) << i;
        ASSERT_TRUE(slow.back()->send("POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nX-Slow: "));
    }
    std::atomic<bool> trickling{true};
    std::vector<bool> closed(kSlow, false);
    std::thread trickle([&] {
        for (int round = 0; round < 40 && trickling; ++round) {
            for (int i = 0; i < kSlow; ++i) {
                if (closed[static_cast<size_t>(i)]) continue;
                pollfd p{slow[static_cast<size_t>(i)]->fd(), POLLIN, 0};
                if (::poll(&p, 1, 0) > 0) {  // an answer (408) or the close
                    closed[static_cast<size_t>(i)] = true;
                    continue;
                }
                if (!slow[static_cast<size_t>(i)]->send("a")) closed[static_cast<size_t>(i)] = true;
            }
            if (std::count(closed.begin(), closed.end(), true) == kSlow) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    });
    // Normal traffic meanwhile: every request succeeds, each reaching the upstream once.
    int ok = 0;
    for (int i = 0; i < 20; ++i) ok += post_chat(gw.port(), chat_body("gpt-test", "normal")).status == 200;
    EXPECT_EQ(ok, 20);
    EXPECT_EQ(fake.requests(), 20);
    trickle.join();
    trickling = false;
    EXPECT_EQ(std::count(closed.begin(), closed.end(), true), kSlow) << "slow connections outlived the deadline";
    EXPECT_EQ(await_metric(gw.port(), "switchyard_http_rejected_total{reason=\"request_timeout\"}", kSlow), kSlow);
    // A slow connection got the 408 answer before the close.
    std::string got;
    slow[0]->read_until_closed(got, 2000);
    EXPECT_TRUE(got.empty() || status_of(got) == 408) << got;
}

}  // namespace
}  // namespace sy::test
