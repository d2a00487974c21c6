// server.admin_listen: the admin API and the status page move to a listener of their own; the
// main listener answers 404 for them and keeps serving clients (and /metrics); the admin key is
// required on the admin listener as everywhere; a config with admin_listen and no admin key is
// refused with a message naming the key.
#include <gtest/gtest.h>

#include <string>

#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/servers.hpp"

namespace sy::test {
namespace {

const std::string kAdminKey = "admin-key-for-the-listener-test";

std::string config(const std::string& admin_listen) {
    return "plugins:\n  search_paths: [\"" + plugin_dir() + "\"]\n"
           "server: {admin_listen: \"" + admin_listen + "\"}\n"
           "providers: [{name: m, plugin: mock}]\nmodels: [{name: a, deployments: [{provider: m}]}]\n"
           "auth: {admin_key: \"" + kAdminKey + "\"}\n";
}

int status_of(int port, const std::string& method, const std::string& path, bool with_key) {
    HttpClient c(port);
    std::vector<std::pair<std::string, std::string>> headers;
    if (with_key) headers.emplace_back("Authorization", "Bearer " + kAdminKey);
    return c.request(method, path, "", headers).status;
}

TEST(AdminListenerTest, AdminAndStatusPageMoveToTheirOwnListener) {
    int admin_port = free_port();
    GatewayProcess gw(config("127.0.0.1:" + std::to_string(admin_port)));
    ASSERT_TRUE(gw.ok()) << gw.log();
    ASSERT_TRUE(wait_for_port(admin_port, 5000)) << gw.log();

    // The main listener: clients as before, operator paths are not there.
    EXPECT_EQ(post_chat(gw.port(), R"({"model": "a", "messages": [{"role": "user", "content": "hi"}]})").status, 200);
    EXPECT_EQ(status_of(gw.port(), "GET", "/metrics", false), 200);
    for (const char* path : {"/admin/keys", "/admin/reload", "/admin/requests", "/admin/spend", "/admin/quality", "/",
                             "/ui", "/ui/recent", "/ui/savings"})
        EXPECT_EQ(status_of(gw.port(), "GET", path, true), 404) << path << " on the main listener";
    EXPECT_EQ(status_of(gw.port(), "POST", "/admin/reload", true), 404);

    // The admin listener: operator paths, with the admin key; nothing for clients.
    for (const char* path : {"/admin/keys", "/admin/reload", "/admin/requests", "/admin/spend", "/admin/quality",
                             "/ui/recent"}) {
        EXPECT_EQ(status_of(admin_port, "GET", path, true), 200) << path;
        EXPECT_EQ(status_of(admin_port, "GET", path, false), 401) << path << " needs the admin key";
    }
    for (const char* path : {"/", "/ui", "/ui/savings", "/metrics", "/healthz"})
        EXPECT_EQ(status_of(admin_port, "GET", path, false), 200) << path;
    EXPECT_EQ(status_of(admin_port, "POST", "/admin/reload", true), 200);
    HttpClient chat(admin_port);
    EXPECT_EQ(chat.request("POST", "/v1/chat/completions", R"({"model": "a", "messages": []})").status, 404)
        << "clients are served on the main listener only";
    EXPECT_NE(gw.log().find("only (server.admin_listen)"), std::string::npos) << gw.log();
}

TEST(AdminListenerTest, WithoutItTheMainListenerServesAdminAsBefore) {
    GatewayProcess gw("plugins:\n  search_paths: [\"" + plugin_dir() + "\"]\n"
                      "providers: [{name: m, plugin: mock}]\nmodels: [{name: a, deployments: [{provider: m}]}]\n"
                      "auth: {admin_key: \"" + kAdminKey + "\"}\n");
    ASSERT_TRUE(gw.ok()) << gw.log();
    EXPECT_EQ(status_of(gw.port(), "GET", "/admin/keys", true), 200);
    EXPECT_EQ(status_of(gw.port(), "GET", "/admin/keys", false), 401);
    EXPECT_EQ(status_of(gw.port(), "GET", "/ui", false), 200);
}

TEST(AdminListenerTest, NeedsAnAdminKey) {
    std::string dir = make_temp_dir();
    write_file(dir + "/c.yaml", "plugins:\n  search_paths: [\"" + plugin_dir() + "\"]\n"
                                "server: {admin_listen: \"127.0.0.1:0\"}\n"
                                "providers: [{name: m, plugin: mock}]\nmodels: [{name: a, deployments: [{provider: m}]}]\n");
    std::string out = capture(gateway_binary() + " config check " + dir + "/c.yaml");
    remove_tree(dir);
    EXPECT_NE(out.find("auth.admin_key: is required when server.admin_listen is set"), std::string::npos) << out;
}

TEST(AdminListenerTest, AnAddressInUseStopsTheStart) {
    int taken = free_port();
    GatewayProcess holder(config("127.0.0.1:" + std::to_string(taken)));
    ASSERT_TRUE(holder.ok()) << holder.log();
    std::string dir = make_temp_dir();
    write_file(dir + "/c.yaml", config("127.0.0.1:" + std::to_string(taken)));
    Process second({gateway_binary(), "serve", "--config", dir + "/c.yaml", "--listen",
                    "127.0.0.1:" + std::to_string(free_port())},
                   dir + "/gw.log");
    EXPECT_EQ(second.wait(10000), 1) << second.log();
    EXPECT_NE(second.log().find("server.admin_listen: cannot listen on 127.0.0.1:" + std::to_string(taken)),
              std::string::npos) << second.log();
    remove_tree(dir);
}

}  // namespace
}  // namespace sy::test
