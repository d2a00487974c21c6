#include "config.hpp"

#include "common/plugin_config.hpp"

namespace sy_plugins::gemini {

Config Config::parse(std::string_view json) {
    PluginConfig cfg("gemini", json, {"api_key", "headers"});
    Config out;
    out.api_key = cfg.string("api_key");
    if (const rapidjson::Value* h = cfg.find("headers")) {
        if (!h->IsObject()) cfg.fail("headers", "must be a map of header names to values");
        for (const auto& m : h->GetObject()) {
            if (!m.value.IsString()) cfg.fail(std::string("headers.").append(sv(m.name)), "must be a string");
            out.headers.emplace_back(std::string(sv(m.name)), std::string(sv(m.value)));
        }
    }
    return out;
}

}  // namespace sy_plugins::gemini
