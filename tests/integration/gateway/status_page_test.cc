// The built-in status page rendered by headless Chromium (Debian's chromium package) against a
// running gateway with real traffic: the DOM shows the models, the routing split and the recent
// decisions, and a screenshot is taken. /ui/recent keeps to its access rules.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <chrono>
#include <thread>

#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/servers.hpp"

namespace sy::test {
namespace {

std::string mock_config(const std::string& extra = "") {
    return "plugins:\n  search_paths: [\"" + plugin_dir() + "\"]\n"
           "providers: [{name: box, plugin: mock}]\n"
           "models:\n"
           "  - {name: alpha, input_price_per_mtok: 1, output_price_per_mtok: 2, deployments: [{provider: box}]}\n"
           "  - {name: beta, deployments: [{provider: box}]}\n" + extra;
}

std::string chat(const std::string& model) {
    return R"({"model": ")" + model + R"(", "messages": [{"role": "user", "content": "status page test"}]})";
}

TEST(StatusPageTest, RendersLiveDataInHeadlessChromium) {
    ASSERT_EQ(capture("command -v chromium >/dev/null && echo yes"), "yes\n")
        << "the chromium package is missing: deploy/setup.sh installs it";
    GatewayProcess gw(mock_config());
    ASSERT_TRUE(gw.ok()) << gw.log();
    std::string last_id;
    for (int i = 0; i < 6; ++i) {
        HttpResponse r = post_chat(gw.port(), chat(i < 4 ? "alpha" : "beta"));
        ASSERT_EQ(r.status, 200);
        last_id = r.header("x-request-id");
    }
    // The page reads counters, which a request updates after its answer: wait for the last one.
    ASSERT_EQ(await_metric(gw.port(), R"(switchyard_requests_total{model="beta",provider="box",status_class="2xx"})", 2), 2);
    const std::string url = "http://127.0.0.1:" + std::to_string(gw.port()) + "/ui";
    const std::string chrome = "timeout 60 chromium --headless --no-sandbox --disable-gpu --no-first-run "
                               "--user-data-dir=" + gw.dir() + "/chrome --virtual-time-budget=4000 ";
    std::string dom = capture(chrome + "--dump-dom " + url + " 2>/dev/null");
    EXPECT_NE(dom.find("data-ready=\"1\""), std::string::npos) << "the page loaded its data: " << dom.substr(0, 400);
    EXPECT_NE(dom.find("<td>alpha</td><td class=\"num\">4</td>"), std::string::npos) << dom;  // spend by model
    EXPECT_NE(dom.find("<td>beta</td><td class=\"num\">2</td>"), std::string::npos);
    EXPECT_NE(dom.find("66.7%"), std::string::npos) << "routing split: alpha answered 4 of 6";
    EXPECT_NE(dom.find(last_id), std::string::npos) << "recent decisions list the last request";
    // Savings per day: today's row with the models' shares (alpha is its own baseline: nothing saved).
    EXPECT_NE(dom.find("<td>alpha 66.7% · beta 33.3%</td>"), std::string::npos) << dom;
    EXPECT_NE(dom.find("<td class=\"num\">0.0%</td>"), std::string::npos) << dom;
    EXPECT_NE(dom.find("<span id=\"meta\">config generation 1 · up "), std::string::npos) << "the header shows live data";

    std::string png = gw.dir() + "/status.png";
    capture(chrome + "--window-size=1280,1000 --screenshot=" + png + " " + url + " 2>/dev/null");
    struct stat st {};
    ASSERT_EQ(::stat(png.c_str(), &st), 0) << "no screenshot";
    EXPECT_GT(st.st_size, 20000) << "a rendered page, not a blank one";
    EXPECT_EQ(read_file(png).substr(1, 3), "PNG");
}

TEST(StatusPageTest, RecentRequestsNeedTheAdminKeyWhenOneIsSet) {
    GatewayProcess gw(mock_config("auth: {admin_key: adm-secret}\n"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    ASSERT_EQ(post_chat(gw.port(), chat("alpha")).status, 200);
    HttpClient a(gw.port());
    EXPECT_EQ(a.request("GET", "/ui/recent").status, 401);
    // A request is recorded after its answer is sent: ask until it shows.
    HttpResponse ok;
    for (int i = 0; i < 250; ++i) {
        HttpClient b(gw.port());
        ok = b.request("GET", "/ui/recent", "", {{"Authorization", "Bearer adm-secret"}});
        if (ok.status != 200 || ok.body.find("\"model\":\"alpha\"") != std::string::npos) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(ok.status, 200);
    EXPECT_NE(ok.body.find("\"model\":\"alpha\""), std::string::npos) << ok.body;
    HttpClient c(gw.port());
    HttpResponse page = c.request("GET", "/");
    EXPECT_EQ(page.status, 200);
    EXPECT_EQ(page.header("content-type"), "text/html; charset=utf-8");
    EXPECT_EQ(page.body.find("http://"), std::string::npos) << "no external assets";
}

}  // namespace
}  // namespace sy::test
