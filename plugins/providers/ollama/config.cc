#include "config.hpp"

#include "common/plugin_config.hpp"

namespace sy_plugins::ollama {

Config Config::parse(std::string_view json) {
    PluginConfig cfg("ollama", json, {"chat_path", "embed_path", "keep_alive", "headers"});
    Config out;
    for (auto [key, field] : {std::pair<const char*, std::string*>{"chat_path", &out.chat_path}, {"embed_path", &out.embed_path}}) {
        *field = cfg.string(key, *field);
        if (field->empty() || (*field)[0] != '/') cfg.fail(key, "must start with '/'");
    }
    if (const rapidjson::Value* k = cfg.find("keep_alive")) {
        if (k->IsString()) out.keep_alive = std::string(sv(*k));
        else if (k->IsInt64()) out.keep_alive = std::to_string(k->GetInt64());
        else cfg.fail("keep_alive", "must be a duration string (\"5m\") or seconds");
    }
    out.headers = cfg.string_map("headers");
    return out;
}

}  // namespace sy_plugins::ollama
