#include "plugin/plugin_registry.hpp"

#include <algorithm>
#include <filesystem>

#include <switchyard/log.hpp>
#include <switchyard/metrics.hpp>

namespace sy::plugin {

void PluginRegistry::load(const std::vector<std::string>& search_paths, const std::vector<std::string>& files,
                          const std::vector<std::string>& allowed_sha256) {
    namespace fs = std::filesystem;
    for (const auto& dir : search_paths) {
        std::error_code ec;
        std::vector<std::string> found;
        for (const auto& entry : fs::directory_iterator(dir, ec)) {
            if (entry.path().extension() == ".so") found.push_back(entry.path().string());
        }
        if (ec) {
            log::warn("plugins", "cannot read plugin directory " + dir + ": " + ec.message());
            continue;
        }
        std::sort(found.begin(), found.end());
        for (const auto& path : found) add(path, allowed_sha256);
    }
    for (const auto& path : files) add(path, allowed_sha256);
}

void PluginRegistry::add(const std::string& path, const std::vector<std::string>& allowed_sha256) {
    LoadOutcome outcome = load_plugin(path, allowed_sha256);
    if (!outcome.plugin) {
        log::error("plugins", outcome.error);
        refused_.push_back({path, outcome.error});
        return;
    }
    const std::string name = outcome.plugin->name();
    if (auto it = plugins_.find(name); it != plugins_.end()) {
        if (it->second->path() == path) return;  // listed twice
        std::string why = path + ": refused: a plugin named '" + name + "' is already loaded from " +
                          it->second->path();
        log::error("plugins", why);
        refused_.push_back({path, why});
        return;
    }
    log::info("plugins", "loaded " + std::string(kind_name(outcome.plugin->kind())) + " plugin '" +
                             name + "' " + outcome.plugin->version() + " from " + path);
    metrics::Gateway::get()
        .plugin_info.with({name, kind_name(outcome.plugin->kind()), outcome.plugin->version()})
        .set(1);
    plugins_.emplace(name, std::move(outcome.plugin));
}

std::string PluginRegistry::refusal_of(const std::string& name) const {
    for (const auto& r : refused_)
        if (std::filesystem::path(r.path).stem() == name) return " (" + r.reason + ")";
    return {};
}

const LoadedPlugin* PluginRegistry::find(const std::string& name) const {
    auto it = plugins_.find(name);
    return it == plugins_.end() ? nullptr : it->second.get();
}

}  // namespace sy::plugin
