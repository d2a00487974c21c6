// Loads one plugin shared object and checks its descriptor against the host's ABI.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <switchyard/plugin.h>

namespace sy::plugin {

// A plugin whose descriptor passed every check. Closes the shared object on destruction, so it
// must outlive every instance created from it.
class LoadedPlugin {
public:
    LoadedPlugin(std::string path, void* handle, const sy_plugin_descriptor* descriptor);
    ~LoadedPlugin();
    LoadedPlugin(const LoadedPlugin&) = delete;
    LoadedPlugin& operator=(const LoadedPlugin&) = delete;

    const std::string& path() const { return path_; }
    const std::string& name() const { return name_; }
    const std::string& version() const { return version_; }
    const sy_plugin_descriptor& descriptor() const { return *descriptor_; }
    sy_plugin_kind kind() const { return static_cast<sy_plugin_kind>(descriptor_->kind); }
    const sy_router_vtable* router() const;      // nullptr unless kind is router
    const sy_provider_vtable* provider() const;  // nullptr unless kind is provider
    const sy_guardrail_vtable* guardrail() const;  // nullptr unless kind is guardrail

private:
    std::string path_;
    void* handle_;
    const sy_plugin_descriptor* descriptor_;
    std::string name_;
    std::string version_;
};

struct LoadOutcome {
    std::unique_ptr<LoadedPlugin> plugin;  // set on success
    std::string error;                     // set on failure: names the file and the check
};

// dlopen + entry symbol + magic, ABI major/minor, struct sizes and required hooks. With
// `allowed_sha256` (plugins.allowed_sha256) not empty, the file's SHA-256 must be one of them
// (lower-case hex); the bytes hashed are the bytes loaded (dlopen of the open descriptor).
LoadOutcome load_plugin(const std::string& path, const std::vector<std::string>& allowed_sha256 = {});

const char* kind_name(sy_plugin_kind kind);

}  // namespace sy::plugin
