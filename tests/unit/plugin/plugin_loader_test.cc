// The loader against real shared objects: the bundled plugins and the deliberately broken
// fixtures in tests/fixtures/plugins/.
#include "plugin/plugin_loader.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

#include "plugin/guardrail_instance.hpp"
#include "plugin/instances.hpp"
#include "plugin/plugin_registry.hpp"

namespace sy::plugin {
namespace {

std::string build_dir() {
    const char* d = std::getenv("SY_BUILD_DIR");
    return d ? d : "build";
}
std::string fixture(const std::string& name) { return build_dir() + "/lib/switchyard/test-plugins/" + name + ".so"; }
std::string bundled(const std::string& name) { return build_dir() + "/lib/switchyard/plugins/" + name + ".so"; }

TEST(PluginLoaderTest, LoadsABundledRouter) {
    LoadOutcome out = load_plugin(bundled("fixed"));
    ASSERT_TRUE(out.plugin) << out.error;
    EXPECT_EQ(out.plugin->name(), "fixed");
    EXPECT_EQ(out.plugin->kind(), SY_KIND_ROUTER);
    EXPECT_NE(out.plugin->router(), nullptr);
    EXPECT_EQ(out.plugin->provider(), nullptr);
    EXPECT_EQ(out.plugin->descriptor().abi_major, SY_ABI_MAJOR);
}

TEST(PluginLoaderTest, RefusesAnotherAbiMajorNamingBothVersions) {
    LoadOutcome out = load_plugin(fixture("bad_major"));
    ASSERT_FALSE(out.plugin);
    EXPECT_NE(out.error.find("ABI major " + std::to_string(SY_ABI_MAJOR + 1)), std::string::npos) << out.error;
    EXPECT_NE(out.error.find("host's ABI major " + std::to_string(SY_ABI_MAJOR)), std::string::npos) << out.error;
    EXPECT_NE(out.error.find("bad_major.so"), std::string::npos) << out.error;
}

TEST(PluginLoaderTest, RefusesAFileWithoutTheEntrySymbol) {
    LoadOutcome out = load_plugin(fixture("no_entry"));
    ASSERT_FALSE(out.plugin);
    EXPECT_NE(out.error.find("missing entry symbol switchyard_plugin_entry"), std::string::npos) << out.error;
}

TEST(PluginLoaderTest, RefusesABadMagic) {
    LoadOutcome out = load_plugin(fixture("bad_magic"));
    ASSERT_FALSE(out.plugin);
    EXPECT_NE(out.error.find("bad magic"), std::string::npos) << out.error;
}

TEST(PluginLoaderTest, RefusesAMissingFile) {
    LoadOutcome out = load_plugin(build_dir() + "/no/such/plugin.so");
    ASSERT_FALSE(out.plugin);
    EXPECT_NE(out.error.find("cannot load"), std::string::npos) << out.error;
}

TEST(PluginLoaderTest, InitFailureIsReportedWithThePluginsMessage) {
    LoadOutcome out = load_plugin(fixture("init_fails"));
    ASSERT_TRUE(out.plugin) << out.error;  // the descriptor is fine; create fails
    config::RouterConfig cfg;
    cfg.name = "broken";
    cfg.plugin = "init_fails";
    std::string error;
    auto inst = RouterInstance::create(*out.plugin, cfg, error);
    EXPECT_FALSE(inst);
    EXPECT_NE(error.find("init_fails: refusing to start"), std::string::npos) << error;
    EXPECT_NE(error.find("router 'broken'"), std::string::npos) << error;
}

TEST(PluginLoaderTest, RegistryKeepsGoodPluginsAndRecordsRefusals) {
    PluginRegistry reg;
    reg.load({build_dir() + "/lib/switchyard/test-plugins"}, {bundled("fixed"), bundled("fixed")});
    EXPECT_NE(reg.find("good_router"), nullptr);
    EXPECT_NE(reg.find("init_fails"), nullptr);
    EXPECT_NE(reg.find("fixed"), nullptr);
    EXPECT_EQ(reg.find("bad_major"), nullptr);
    std::vector<std::string> refused;
    for (const auto& r : reg.refused()) refused.push_back(r.path);
    EXPECT_EQ(reg.refused().size(), 3u);  // bad_magic, bad_major, no_entry; the duplicate is ignored
}

TEST(PluginLoaderTest, ProviderAsRouterIsAnError) {
    LoadOutcome out = load_plugin(bundled("mock"));
    ASSERT_TRUE(out.plugin) << out.error;
    config::RouterConfig cfg;
    cfg.name = "r";
    std::string error;
    EXPECT_FALSE(RouterInstance::create(*out.plugin, cfg, error));
    EXPECT_NE(error.find("not a router"), std::string::npos) << error;
}

TEST(PluginLoaderTest, LoadsARouterBuiltForAnOlderMinorAndRoutesWithIt) {
    LoadOutcome out = load_plugin(fixture("old_minor"));
    ASSERT_TRUE(out.plugin) << out.error;
    EXPECT_EQ(out.plugin->descriptor().abi_minor, 0);
    EXPECT_LT(SY_ABI_MINOR, 3) << "this test speaks of the 1.2 host";
    config::RouterConfig cfg;
    cfg.name = "old";
    std::string error;
    auto inst = RouterInstance::create(*out.plugin, cfg, error);
    ASSERT_TRUE(inst) << error;
    EXPECT_FALSE(inst->takes_feedback()) << "slots past its 1.0 table are never read";
    EXPECT_FALSE(inst->checks_answers());
    sy_request_view view{};
    view.struct_size = sizeof view;
    std::vector<sy_candidate> cands(2, sy_candidate{sizeof(sy_candidate), {"a", 1}, 0, 0, 0, 1, 0});
    RouteResult r = inst->route(view, cands, 0.5);
    EXPECT_TRUE(r.error.empty()) << r.error;
    EXPECT_EQ(r.choices.size(), 2u);
}

TEST(PluginLoaderTest, LoadsAGuardrailAndRefusesItAsARouter) {
    LoadOutcome out = load_plugin(bundled("keywords"));
    ASSERT_TRUE(out.plugin) << out.error;
    EXPECT_EQ(out.plugin->kind(), SY_KIND_GUARDRAIL);
    EXPECT_STREQ(kind_name(out.plugin->kind()), "guardrail");
    EXPECT_NE(out.plugin->guardrail(), nullptr);
    config::RouterConfig cfg;
    cfg.name = "r";
    std::string error;
    EXPECT_FALSE(RouterInstance::create(*out.plugin, cfg, error));
    EXPECT_NE(error.find("is a guardrail, not a router"), std::string::npos) << error;
    config::GuardrailConfig gc;
    gc.name = "g";
    gc.plugin_config_json = R"({"words": ["x"]})";
    auto g = GuardrailInstance::create(*out.plugin, nullptr, gc, error);
    ASSERT_TRUE(g) << error;
    EXPECT_TRUE(g->checks_requests());
    gc.on_request = false;
    auto response_only = GuardrailInstance::create(*out.plugin, nullptr, gc, error);
    ASSERT_TRUE(response_only) << error;
    EXPECT_FALSE(response_only->checks_requests()) << "on: response skips the request check";
    EXPECT_TRUE(response_only->checks_responses());
}

}  // namespace
}  // namespace sy::plugin
