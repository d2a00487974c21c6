#include "server/gateway.hpp"

#include <unistd.h>

#include <filesystem>

#include <switchyard/log.hpp>

#include "config/loader.hpp"

namespace sy::server {

std::string default_plugin_dir() {
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) return "lib/switchyard/plugins";
    return (exe.parent_path().parent_path() / "lib" / "switchyard" / "plugins").string();
}

std::shared_ptr<routing::Runtime> build_runtime_from_file(const std::string& path, std::string& error) {
    config::LoadResult loaded = config::load_config_file(path);
    if (!loaded.config) {
        error = loaded.error;
        return nullptr;
    }
    config::Config& cfg = *loaded.config;
    std::vector<std::string> search = cfg.plugins.search_paths;
    if (search.empty()) search.push_back(default_plugin_dir());
    auto registry = std::make_shared<plugin::PluginRegistry>();
    registry->load(search, cfg.plugins.load);
    std::shared_ptr<routing::Runtime> rt = routing::Runtime::build(cfg, registry, error);
    return rt;
}

std::shared_ptr<const routing::Runtime> Gateway::build(std::string& error) {
    auto rt = build_runtime_from_file(config_path_, error);
    if (rt) rt->set_generation(generation_.fetch_add(1) + 1);
    return rt;
}

bool Gateway::load(std::string& error) {
    auto rt = build(error);
    if (!rt) return false;
    std::atomic_store(&runtime_, rt);
    return true;
}

bool Gateway::reload(std::string& error) {
    std::lock_guard lock(reload_mu_);
    auto rt = build(error);
    if (!rt) {
        log::error("reload", "keeping the running config: " + error);
        return false;
    }
    std::atomic_store(&runtime_, rt);
    log::info("reload", "config generation " + std::to_string(rt->generation()) + " loaded from " + config_path_);
    return true;
}

}  // namespace sy::server
