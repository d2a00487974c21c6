// Every plugin the gateway loaded, by name, plus the ones it refused and why.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "plugin/plugin_loader.hpp"

namespace sy::plugin {

struct RefusedPlugin {
    std::string path;
    std::string reason;
};

class PluginRegistry {
public:
    // Loads every *.so in the search paths (sorted by file name), then the listed files; with
    // `allowed_sha256` not empty, only files with one of those digests. A refused plugin is
    // logged and recorded; the others stay usable.
    void load(const std::vector<std::string>& search_paths, const std::vector<std::string>& files,
              const std::vector<std::string>& allowed_sha256 = {});

    const LoadedPlugin* find(const std::string& name) const;
    // For a config error naming a plugin that is not loaded: why a file of that name
    // (<name>.so) was refused, as " (<reason>)", or "".
    std::string refusal_of(const std::string& name) const;
    const std::vector<RefusedPlugin>& refused() const { return refused_; }
    const std::map<std::string, std::unique_ptr<LoadedPlugin>>& all() const { return plugins_; }

private:
    void add(const std::string& path, const std::vector<std::string>& allowed_sha256);

    std::map<std::string, std::unique_ptr<LoadedPlugin>> plugins_;
    std::vector<RefusedPlugin> refused_;
};

}  // namespace sy::plugin
