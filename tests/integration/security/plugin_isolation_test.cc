// Plugins as a security boundary: an exception thrown in a plugin fails only that request (an
// OpenAI-format 5xx, or an SSE error event once a stream started; a router's exception falls
// back to the strongest candidate) while the gateway keeps answering; every built plugin
// exports only its entry symbol; plugins.allowed_sha256 loads listed files and refuses others
// with the file's actual digest.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "security_support.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/servers.hpp"

namespace sy::test {
namespace {

std::string test_plugin_dir() { return build_dir() + "/lib/switchyard/test-plugins"; }

std::string chat(const std::string& model, const std::string& text, bool stream = false) {
    return R"({"model": ")" + model + R"(", "stream": )" + (stream ? "true" : "false") +
           R"(, "messages": [{"role": "user", "content": ")" + text + R"("}]})";
}

class PluginIsolationTest : public ::testing::Test {
protected:
    void SetUp() override {
        gw_ = std::make_unique<GatewayProcess>(
            "plugins:\n  search_paths: [\"" + plugin_dir() + "\"]\n"
            "  load: [\"" + test_plugin_dir() + "/throwing_provider.so\", \"" + test_plugin_dir() + "/throwing_router.so\"]\n"
            "providers: [{name: boom, plugin: throwing_provider}, {name: m, plugin: mock}]\n"
            "models:\n  - {name: fragile, deployments: [{provider: boom}]}\n"
            "  - {name: strong, deployments: [{provider: m}]}\n  - {name: weak, deployments: [{provider: m}]}\n"
            "routers: [{name: thrower, plugin: throwing_router, candidates: [strong, weak]}]\n"
            "routing: {retries: {attempts: 0}, outlier_detection: {consecutive_failures: 100000}}\n");
        ASSERT_TRUE(gw_->ok()) << gw_->log();
    }
    // A request that must still work after each failure.
    void still_answers() {
        HttpResponse r = post_chat(gw_->port(), chat("fragile", "hello"));
        EXPECT_EQ(r.status, 200) << r.body;
        EXPECT_NE(r.body.find("\"content\":\"ok\""), std::string::npos) << r.body;
    }
    std::unique_ptr<GatewayProcess> gw_;
};

TEST_F(PluginIsolationTest, AProviderExceptionFailsOnlyThatRequest) {
    still_answers();
    struct Case {
        const char* text;
        int status;
        const char* code;
        const char* message;
    };
    for (const Case& c : {Case{"#throw", 500, "plugin_error", "provider 'boom': throwing_provider exploded on purpose"},
                          Case{"#throw-int", 500, "plugin_error", "provider 'boom': unknown exception in plugin"},
                          Case{"#fail", 503, "upstream_error", "throwing_provider failed on purpose"}}) {
        for (bool stream : {false, true}) {  // a stream that fails before its first chunk: a plain error
            HttpResponse r = post_chat(gw_->port(), chat("fragile", c.text, stream));
            EXPECT_EQ(r.status, c.status) << c.text << (stream ? " (stream)" : "") << ": " << r.body;
            EXPECT_NE(r.body.find(std::string("\"code\":\"") + c.code + "\""), std::string::npos) << r.body;
            EXPECT_NE(r.body.find(c.message), std::string::npos) << r.body;
            still_answers();
        }
    }
    EXPECT_TRUE(gw_->process().running());
}

TEST_F(PluginIsolationTest, AnExceptionMidStreamEndsThatStreamWithAnErrorEvent) {
    HttpResponse r = post_chat(gw_->port(), chat("fragile", "#throw-mid", true));
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> events = sse_data(r.body);
    ASSERT_GE(events.size(), 2u) << r.body;
    EXPECT_NE(events.front().find("\"content\":\"ok\""), std::string::npos) << r.body;
    EXPECT_NE(events.back().find("exploded mid-stream"), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find("[DONE]"), std::string::npos) << r.body;
    still_answers();
}

TEST_F(PluginIsolationTest, ARouterExceptionFallsBackToTheStrongestCandidate) {
    HttpResponse ok = post_chat(gw_->port(), chat("router-thrower-0.5", "hello"));
    EXPECT_EQ(ok.status, 200) << ok.body;
    EXPECT_EQ(ok.header("x-switchyard-model"), "weak");
    HttpResponse r = post_chat(gw_->port(), chat("router-thrower-0.5", "#throw"));
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("x-switchyard-model"), "strong");
    EXPECT_NE(r.header("x-switchyard-route").find("fallback:router thrower failed"), std::string::npos)
        << r.header("x-switchyard-route");
    EXPECT_NE(gw_->log().find("throwing_router exploded on purpose"), std::string::npos) << gw_->log();
}

// The dynamic symbols each plugin defines ("T switchyard_plugin_entry" lines), or "" when nm is
// missing.
std::string exported(const std::string& so) {
    return capture("nm -D --defined-only '" + so + "' | awk '{print $2, $3}'");
}

TEST(PluginExportsTest, EveryBuiltPluginExportsOnlyItsEntrySymbol) {
    if (capture("command -v nm").empty()) GTEST_SKIP() << "nm (binutils) is not installed";
    size_t checked = 0;
    for (const std::string& dir : {plugin_dir(), test_plugin_dir()}) {
        for (const auto& entry : std::filesystem::directory_iterator(dir)) {
            if (entry.path().extension() != ".so") continue;
            std::string symbols = exported(entry.path().string());
            // no_entry is the fixture without an entry symbol: it exports nothing at all.
            std::string expected = entry.path().stem() == "no_entry" ? "" : "T switchyard_plugin_entry\n";
            EXPECT_EQ(symbols, expected) << entry.path();
            ++checked;
        }
    }
    EXPECT_GE(checked, 15u) << "the bundled and test plugins were not found";
}

class AllowListTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = make_temp_dir();
        std::filesystem::create_directory(dir_ + "/plugins");
        std::filesystem::copy_file(plugin_dir() + "/mock.so", dir_ + "/plugins/mock.so");
    }
    void TearDown() override { remove_tree(dir_); }
    // `config check` of a config that uses the mock plugin from the temp dir, allowing `digest`.
    std::string check(const std::string& digest) {
        write_file(dir_ + "/c.yaml", "plugins:\n  search_paths: [\"" + dir_ + "/plugins\"]\n"
                                     "  allowed_sha256: [\"" + digest + "\"]\n"
                                     "providers: [{name: m, plugin: mock}]\nmodels: [{name: a, deployments: [{provider: m}]}]\n");
        return capture(gateway_binary() + " config check " + dir_ + "/c.yaml");
    }
    std::string dir_;
};

TEST_F(AllowListTest, AListedPluginLoads) {
    std::string digest = sha256_of_file(dir_ + "/plugins/mock.so");
    std::string out = check(digest);
    EXPECT_NE(out.find(": ok ("), std::string::npos) << out;
    // Upper-case hex, as some tools print it, is the same digest.
    std::string upper = digest;
    for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    EXPECT_NE(check(upper).find(": ok ("), std::string::npos);
}

TEST_F(AllowListTest, AModifiedCopyIsRefusedWithItsActualDigest) {
    std::string listed = sha256_of_file(dir_ + "/plugins/mock.so");
    {
        std::ofstream f(dir_ + "/plugins/mock.so", std::ios::app | std::ios::binary);
        f << "tampered";  // still a loadable ELF file, with another digest
    }
    std::string actual = sha256_of_file(dir_ + "/plugins/mock.so");
    ASSERT_NE(listed, actual);
    std::string out = check(listed);
    EXPECT_NE(out.find("providers[0].plugin: no loaded plugin named 'mock'"), std::string::npos) << out;
    EXPECT_NE(out.find("refused by plugins.allowed_sha256: its SHA-256 is " + actual + ", which is not listed"),
              std::string::npos) << out;
}

TEST_F(AllowListTest, AMalformedDigestIsAConfigError) {
    std::string out = check("abc");
    EXPECT_NE(out.find("plugins.allowed_sha256[0]: expected a SHA-256 digest (64 hex digits"), std::string::npos) << out;
}

}  // namespace
}  // namespace sy::test
