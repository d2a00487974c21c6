// The shipped deployment assets, checked without a container runtime or a cluster:
// `cmake --install` lays out what the systemd unit and the example config use (the installed
// binary serves from it), the unit passes `systemd-analyze verify`, and the Kubernetes
// manifests, the compose stack and the Dockerfile pass tests/integration/deploy/
// check_deploy_assets.py (cross-references, `switchyard config check` of every config they
// carry, `nginx -t`, `promtool check config`, runtime libraries against Debian packages).
#include <gtest/gtest.h>

#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/servers.hpp"

namespace sy::test {
namespace {

// Output of a shell command, and whether it exited 0.
struct Ran {
    std::string out;
    bool ok;
};
Ran run_command(const std::string& cmd) {
    std::string out = capture(cmd + " 2>&1; echo \"exit=$?\"");
    size_t at = out.rfind("exit=");
    return {out.substr(0, at), at != std::string::npos && out.compare(at, 7, "exit=0\n") == 0};
}

class DeployAssetsTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        prefix_ = new std::string(make_temp_dir());
        Ran r = run_command("cmake --install " + build_dir() + " --prefix " + *prefix_);
        installed_ = r.ok;
        if (!r.ok) ADD_FAILURE() << r.out;
    }
    static void TearDownTestSuite() {
        remove_tree(*prefix_);
        delete prefix_;
    }
    void SetUp() override { ASSERT_TRUE(installed_); }
    static Ran check(const std::string& what) {
        return run_command("python3 " + source_dir() + "/tests/integration/deploy/check_deploy_assets.py " + what + " " +
                           source_dir() + " " + gateway_binary() + " " + *prefix_);
    }
    static std::string* prefix_;
    static bool installed_;
};
std::string* DeployAssetsTest::prefix_ = nullptr;
bool DeployAssetsTest::installed_ = false;

TEST_F(DeployAssetsTest, TheInstalledLayoutServesTheExampleConfig) {
    const std::string& p = *prefix_;
    // The example config names the install prefix; its access log goes to a writable place here.
    std::string config = read_file(p + "/share/switchyard/examples/switchyard.yaml");
    ASSERT_NE(config.find(p + "/share/switchyard/weights/mf/"), std::string::npos) << "prefix written in";
    const std::string log_dir = p + "/log";
    size_t at = config.find("/var/log/switchyard");
    ASSERT_NE(at, std::string::npos);
    config.replace(at, std::string("/var/log/switchyard").size(), log_dir);
    Ran mk = run_command("mkdir -p " + log_dir);
    ASSERT_TRUE(mk.ok) << mk.out;
    write_file(p + "/switchyard.yaml", config);
    const int port = free_port();
    Process gw({p + "/bin/switchyard", "serve", "--config", p + "/switchyard.yaml", "--listen",
                "127.0.0.1:" + std::to_string(port)},
               p + "/serve.log");
    ASSERT_TRUE(wait_for_port(port, 10000)) << gw.log();
    HttpResponse routed = post_chat(port, R"({"model": "auto", "messages": [{"role": "user", "content": "hello"}]})");
    EXPECT_EQ(routed.status, 200) << routed.body;
    EXPECT_EQ(routed.header("x-switchyard-route"), "policy:quickstart-policy short prompt");
    HttpResponse mf = post_chat(port, R"({"model": "router-mf-0.5", "messages": [{"role": "user", "content": "prove it"}]})");
    EXPECT_EQ(mf.status, 200) << mf.body;
    EXPECT_EQ(mf.header("x-switchyard-route").rfind("router:mf", 0), 0u) << "the installed weights load";
    gw.stop();
    EXPECT_NE(read_file(log_dir + "/access.log").find("\"route\""), std::string::npos);
}

TEST_F(DeployAssetsTest, EveryConfigOfTheBackendsPageLoads) {
    const std::string page = read_file(source_dir() + "/docs/backends.md");
    const std::string env = "OPENAI_API_KEY=k ANTHROPIC_API_KEY=k GEMINI_API_KEY=k SWITCHYARD_SHARE=" + *prefix_ +
                            "/share/switchyard ";
    int blocks = 0;
    for (size_t at = page.find("```yaml\n"); at != std::string::npos; at = page.find("```yaml\n", at + 1)) {
        size_t end = page.find("```", at + 8);
        ASSERT_NE(end, std::string::npos);
        const std::string path = *prefix_ + "/backend-" + std::to_string(++blocks) + ".yaml";
        write_file(path, page.substr(at + 8, end - at - 8));
        Ran r = run_command(env + gateway_binary() + " config check " + path);
        EXPECT_TRUE(r.ok) << "block " << blocks << ": " << r.out;
    }
    EXPECT_EQ(blocks, 7);
}

TEST_F(DeployAssetsTest, TheSystemdUnitVerifies) {
    const std::string unit = *prefix_ + "/lib/systemd/system/switchyard.service";
    EXPECT_NE(read_file(unit).find("ExecStart=" + *prefix_ + "/bin/switchyard serve"), std::string::npos);
    Ran r = run_command("systemd-analyze verify " + unit);
    EXPECT_TRUE(r.ok) << r.out;
    EXPECT_EQ(r.out, "") << "no warnings";
}

TEST_F(DeployAssetsTest, KubernetesManifestsHangTogether) {
    Ran r = check("kubernetes");
    EXPECT_TRUE(r.ok) << r.out;
}

TEST_F(DeployAssetsTest, TheComposeStackHangsTogether) {
    Ran r = check("compose");
    EXPECT_TRUE(r.ok) << r.out;
}

TEST_F(DeployAssetsTest, TheDockerfileRuntimeStageHasEveryLibrary) {
    Ran r = check("dockerfile");
    EXPECT_TRUE(r.ok) << r.out;
}

}  // namespace
}  // namespace sy::test
