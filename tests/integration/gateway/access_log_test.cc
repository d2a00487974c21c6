// The access log: one JSON line per request, whatever its outcome, without secrets; reopened on
// SIGHUP so that a rotated file is not written to any more.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include <rapidjson/document.h>

#include "support/http_client.hpp"
#include "test_configs.hpp"

namespace sy::test {
namespace {


TEST(AccessLogTest, OneLinePerRequestWithoutSecretsAndReopenedOnSighup) {
    FakeUpstream fake;
    ASSERT_TRUE(fake.ok());
    std::string dir = make_temp_dir();
    std::string log = dir + "/access.log";
    GatewayProcess gw(fake_upstream_config(fake) + "telemetry:\n  access_log: {path: \"" + log + "\"}\n");
    ASSERT_TRUE(gw.ok()) << gw.log();
    auto headers = [](const char* id) {
        return std::vector<std::pair<std::string, std::string>>{{"Authorization", "Bearer sk-very-secret"},
                                                                {"x-request-id", id}};
    };
    ASSERT_EQ(post_chat(gw.port(), chat_body("gpt-test", "hello"), headers("a1")).status, 200);
    ASSERT_EQ(post_chat(gw.port(), chat_body("no-such-model", "hello"), headers("a2")).status, 404);
    ASSERT_EQ(post_chat(gw.port(), chat_body("mock-weak", "stream", true), headers("a3")).status, 200);
    std::vector<std::string> lines = await_file_lines(log, 3);
    ASSERT_EQ(lines.size(), 3u) << read_file(log);
    // Lines are written as handlers finish, which need not be the order the answers arrived in.
    auto line_of = [&](const std::string& id) {
        for (const auto& l : lines)
            if (l.find("\"request_id\":\"" + id + "\"") != std::string::npos) return l;
        return std::string();
    };
    std::string a1 = line_of("a1"), a2 = line_of("a2"), a3 = line_of("a3");
    EXPECT_NE(a1.find("\"status\":200"), std::string::npos) << a1;
    EXPECT_NE(a1.find("\"model_requested\":\"gpt-test\""), std::string::npos) << a1;
    EXPECT_NE(a1.find("\"provider\":\"fake\""), std::string::npos) << a1;
    EXPECT_NE(a1.find("\"usage\":\"reported\""), std::string::npos) << a1;
    EXPECT_NE(a1.find("\"cost_usd\":"), std::string::npos) << a1;
    EXPECT_NE(a2.find("\"status\":404"), std::string::npos) << a2;
    EXPECT_NE(a1.find("\"attempts\":1,"), std::string::npos) << a1;
    EXPECT_NE(a2.find("\"attempts\":0,"), std::string::npos) << "never went upstream: " << a2;
    EXPECT_NE(a3.find("\"stream\":true"), std::string::npos) << a3;
    for (const auto& l : lines) {
        EXPECT_EQ(l.find("sk-very-secret"), std::string::npos) << l;
        EXPECT_EQ(l.find("hello"), std::string::npos) << "no prompt text: " << l;
    }
    std::filesystem::rename(log, log + ".1");  // what logrotate does
    ASSERT_TRUE(gw.process().signal(SIGHUP));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ASSERT_EQ(post_chat(gw.port(), chat_body("mock-weak", "after rotation")).status, 200);
    EXPECT_EQ(await_file_lines(log, 1).size(), 1u) << "the new file gets the next line";
    EXPECT_EQ(await_file_lines(log + ".1", 3).size(), 3u) << "the rotated file is left alone";
    remove_tree(dir);
}

TEST(AccessLogTest, PromptsAndAnswersOnlyWhenEnabledAndWithPersonalDataRedacted) {
    FakeUpstream fake;
    ASSERT_TRUE(fake.ok());
    std::string dir = make_temp_dir();
    std::string log = dir + "/access.log";
    GatewayProcess gw(fake_upstream_config(fake) + "telemetry:\n  access_log: {path: \"" + log + "\", prompts: true}\n");
    ASSERT_TRUE(gw.ok()) << gw.log();
    const std::string text = "mail jane@example.com card 4111 1111 1111 1111";
    ASSERT_EQ(post_chat(gw.port(), chat_body("gpt-test", text), {{"x-request-id", "p1"}}).status, 200);
    ASSERT_EQ(post_chat(gw.port(), chat_body("gpt-test", text, true), {{"x-request-id", "p2"}}).status, 200);
    std::vector<std::string> lines = await_file_lines(log, 2);
    ASSERT_EQ(lines.size(), 2u) << read_file(log);
    for (const std::string& l : lines) {
        EXPECT_EQ(l.find("jane@example.com"), std::string::npos) << l;
        EXPECT_EQ(l.find("4111"), std::string::npos) << l;
        EXPECT_NE(l.find(R"({"role":"user","content":"mail [email] card [credit_card]"}])"), std::string::npos) << l;
        // The fake echoes the prompt: the answer, streamed or not, is redacted the same way.
        EXPECT_NE(l.find(R"("answer":"echo: mail [email] card [credit_card]")"), std::string::npos) << l;
        EXPECT_NE(l.find(R"("redacted":["email","credit_card"])"), std::string::npos) << l;
    }
    remove_tree(dir);
}

TEST(RequestTraceTest, RecentRequestsExplainTheirRoutingThroughTheAdminApi) {
    FakeUpstream fake;
    ASSERT_TRUE(fake.ok());
    GatewayProcess gw(fake_upstream_config(fake) + "auth: {admin_key: adm}\ntelemetry: {request_traces: 2}\n");
    ASSERT_TRUE(gw.ok()) << gw.log();
    HttpResponse routed = post_chat(gw.port(), chat_body("router-pick", "route me"), {{"x-request-id", "trace-1"}});
    ASSERT_EQ(routed.status, 200);
    // A trace is kept when the handler returns, just after the answer: ask until it is there.
    auto admin_get = [&](const std::string& path, int want) {
        HttpResponse r;
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        do {
            HttpClient c(gw.port());
            r = c.request("GET", path, "", {{"Authorization", "Bearer adm"}});
            if (r.status == want) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        } while (std::chrono::steady_clock::now() < deadline);
        return r;
    };
    HttpResponse t = admin_get("/admin/requests/trace-1", 200);
    ASSERT_EQ(t.status, 200) << t.body;
    EXPECT_NE(t.body.find("\"router\":\"pick\""), std::string::npos) << t.body;
    EXPECT_NE(t.body.find("\"scores\":[{\"model\":\"mock-weak\""), std::string::npos) << t.body;
    EXPECT_NE(t.body.find("\"model\":\"mock-weak\""), std::string::npos) << t.body;
    for (const char* id : {"trace-2", "trace-3"})  // capacity 2: trace-1 falls out
        post_chat(gw.port(), chat_body("mock-weak", "more"), {{"x-request-id", id}});
    EXPECT_EQ(admin_get("/admin/requests/trace-3", 200).status, 200);
    EXPECT_EQ(admin_get("/admin/requests/trace-1", 404).status, 404);
    HttpResponse list = admin_get("/admin/requests", 200);  // newest first, by when each handler finished
    EXPECT_NE(list.body.find("\"trace-3\""), std::string::npos) << list.body;
    EXPECT_NE(list.body.find("\"trace-2\""), std::string::npos) << list.body;
    EXPECT_EQ(list.body.find("\"trace-1\""), std::string::npos) << list.body;
    HttpClient f(gw.port());
    EXPECT_EQ(f.request("GET", "/admin/requests/trace-3").status, 401);
}

// With both on, the log line and the trace come from one pass: the line ends with its prompt
// fields, the trace with the routing details, and each is one JSON object.
TEST(RequestTraceTest, ALogLineAndATraceOfOneRequestEachHoldTheirOwnFields) {
    FakeUpstream fake;
    ASSERT_TRUE(fake.ok());
    std::string dir = make_temp_dir();
    std::string log = dir + "/access.log";
    GatewayProcess gw(fake_upstream_config(fake) + "auth: {admin_key: adm}\ntelemetry:\n  request_traces: 4\n" +
                      "  access_log: {path: \"" + log + "\", prompts: true}\n");
    ASSERT_TRUE(gw.ok()) << gw.log();
    ASSERT_EQ(post_chat(gw.port(), chat_body("router-pick", "route me"), {{"x-request-id", "both-1"}}).status, 200);
    std::vector<std::string> lines = await_file_lines(log, 1);
    ASSERT_EQ(lines.size(), 1u) << read_file(log);
    HttpResponse t;
    for (int i = 0; i < 50 && t.status != 200; ++i, std::this_thread::sleep_for(std::chrono::milliseconds(100))) {
        HttpClient c(gw.port());
        t = c.request("GET", "/admin/requests/both-1", "", {{"Authorization", "Bearer adm"}});
    }
    ASSERT_EQ(t.status, 200) << t.body;
    rapidjson::Document line, trace;
    ASSERT_FALSE(line.Parse(lines[0].c_str()).HasParseError()) << lines[0];
    ASSERT_FALSE(trace.Parse(t.body.c_str()).HasParseError()) << t.body;
    ASSERT_TRUE(line.IsObject() && trace.IsObject());
    for (const rapidjson::Document* d : {&line, &trace}) {
        ASSERT_TRUE(d->HasMember("request_id") && d->HasMember("latency_ms") && d->HasMember("error"));
        EXPECT_STREQ((*d)["request_id"].GetString(), "both-1");
        EXPECT_STREQ((*d)["router"].GetString(), "pick");
    }
    EXPECT_TRUE(line.HasMember("messages") && line.HasMember("answer"));
    EXPECT_FALSE(line.HasMember("scores"));
    EXPECT_TRUE(trace.HasMember("scores") && trace["scores"].IsArray() && trace["scores"].Size() > 0) << t.body;
    EXPECT_TRUE(trace.HasMember("labels") && trace.HasMember("fallbacks"));
    EXPECT_FALSE(trace.HasMember("messages")) << "prompts stay in the log: " << t.body;
    remove_tree(dir);
}

}  // namespace
}  // namespace sy::test
