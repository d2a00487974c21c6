// The access log: one JSON line per request, whatever its outcome, without secrets; reopened on
// SIGHUP so that a rotated file is not written to any more.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "support/http_client.hpp"
#include "test_configs.hpp"

namespace sy::test {
namespace {

std::vector<std::string> lines_of(const std::string& path, size_t at_least) {
    std::vector<std::string> out;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    do {
        out.clear();
        std::string text = read_file(path);
        for (size_t pos = 0; pos < text.size();) {
            size_t nl = text.find('\n', pos);
            if (nl == std::string::npos) break;
            out.push_back(text.substr(pos, nl - pos));
            pos = nl + 1;
        }
        if (out.size() >= at_least) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while (std::chrono::steady_clock::now() < deadline);
    return out;
}

TEST(AccessLogTest, OneLinePerRequestWithoutSecretsAndReopenedOnSighup) {
    FakeUpstream fake;
    ASSERT_TRUE(fake.ok());
    std::string dir = make_temp_dir();
    std::string log = dir + "/access.log";
    GatewayProcess gw(fake_upstream_config(fake) + "telemetry:\n  access_log: {path: \"" + log + "\"}\n");
    ASSERT_TRUE(gw.ok()) << gw.log();
    std::vector<std::pair<std::string, std::string>> secret = {{"Authorization", "Bearer sk-very-secret"}};
    ASSERT_EQ(post_chat(gw.port(), chat_body("gpt-test", "hello"), secret).status, 200);
    ASSERT_EQ(post_chat(gw.port(), chat_body("no-such-model", "hello"), secret).status, 404);
    ASSERT_EQ(post_chat(gw.port(), chat_body("mock-weak", "stream", true), secret).status, 200);
    std::vector<std::string> lines = lines_of(log, 3);
    ASSERT_EQ(lines.size(), 3u) << read_file(log);
    EXPECT_NE(lines[0].find("\"status\":200"), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find("\"model_requested\":\"gpt-test\""), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find("\"provider\":\"fake\""), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find("\"usage\":\"reported\""), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find("\"cost_usd\":"), std::string::npos) << lines[0];
    EXPECT_NE(lines[1].find("\"status\":404"), std::string::npos) << lines[1];
    EXPECT_NE(lines[2].find("\"stream\":true"), std::string::npos) << lines[2];
    for (const auto& l : lines) {
        EXPECT_EQ(l.find("sk-very-secret"), std::string::npos) << l;
        EXPECT_EQ(l.find("hello"), std::string::npos) << "no prompt text: " << l;
    }
    std::filesystem::rename(log, log + ".1");  // what logrotate does
    ASSERT_TRUE(gw.process().signal(SIGHUP));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ASSERT_EQ(post_chat(gw.port(), chat_body("mock-weak", "after rotation")).status, 200);
    EXPECT_EQ(lines_of(log, 1).size(), 1u) << "the new file gets the next line";
    EXPECT_EQ(lines_of(log + ".1", 3).size(), 3u) << "the rotated file is left alone";
    remove_tree(dir);
}

TEST(RequestTraceTest, RecentRequestsExplainTheirRoutingThroughTheAdminApi) {
    FakeUpstream fake;
    ASSERT_TRUE(fake.ok());
    GatewayProcess gw(fake_upstream_config(fake) + "auth: {admin_key: adm}\ntelemetry: {request_traces: 2}\n");
    ASSERT_TRUE(gw.ok()) << gw.log();
    HttpResponse routed = post_chat(gw.port(), chat_body("router-pick", "route me"), {{"x-request-id", "trace-1"}});
    ASSERT_EQ(routed.status, 200);
    HttpClient c(gw.port());
    HttpResponse t = c.request("GET", "/admin/requests/trace-1", "", {{"Authorization", "Bearer adm"}});
    ASSERT_EQ(t.status, 200) << t.body;
    EXPECT_NE(t.body.find("\"router\":\"pick\""), std::string::npos) << t.body;
    EXPECT_NE(t.body.find("\"scores\":[{\"model\":\"mock-weak\""), std::string::npos) << t.body;
    EXPECT_NE(t.body.find("\"model\":\"mock-weak\""), std::string::npos) << t.body;
    for (const char* id : {"trace-2", "trace-3"})  // capacity 2: trace-1 falls out
        post_chat(gw.port(), chat_body("mock-weak", "more"), {{"x-request-id", id}});
    HttpClient d(gw.port());
    EXPECT_EQ(d.request("GET", "/admin/requests/trace-1", "", {{"Authorization", "Bearer adm"}}).status, 404);
    HttpClient e(gw.port());
    HttpResponse list = e.request("GET", "/admin/requests", "", {{"Authorization", "Bearer adm"}});
    EXPECT_NE(list.body.find("[\"trace-3\",\"trace-2\"]"), std::string::npos) << list.body;
    HttpClient f(gw.port());
    EXPECT_EQ(f.request("GET", "/admin/requests/trace-3").status, 401);
}

}  // namespace
}  // namespace sy::test
