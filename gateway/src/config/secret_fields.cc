#include "config/secret_fields.hpp"

#include <rapidjson/document.h>

#include "core/ascii.hpp"

namespace sy::config {
namespace {

void add_value(const std::string& value, std::vector<std::string>& out) {
    if (value.empty()) return;
    out.push_back(value);
    if (size_t space = value.rfind(' '); space != std::string::npos) out.push_back(value.substr(space + 1));
}

bool secret_name(std::string_view name) {
    std::string n = ascii_lower(name);
    for (std::string_view suffix : {"key", "token", "secret", "password"})
        if (n.ends_with(suffix)) return true;
    return n == "authorization";
}

// Strings under secret-looking names, and every string below a "headers" member.
void walk(const rapidjson::Value& v, bool secret, std::vector<std::string>& out) {
    if (v.IsString() && secret) add_value({v.GetString(), v.GetStringLength()}, out);
    if (v.IsArray())
        for (const auto& item : v.GetArray()) walk(item, secret, out);
    if (!v.IsObject()) return;
    for (const auto& m : v.GetObject()) {
        std::string_view name(m.name.GetString(), m.name.GetStringLength());
        walk(m.value, secret || secret_name(name) || ascii_lower(name) == "headers", out);
    }
}

void add_plugin_config(const std::string& json, std::vector<std::string>& out) {
    rapidjson::Document d;
    d.Parse(json.data(), json.size());
    if (!d.HasParseError()) walk(d, false, out);
}

void add_headers(const std::vector<std::pair<std::string, std::string>>& headers, std::vector<std::string>& out) {
    for (const auto& [name, value] : headers) add_value(value, out);
}

}  // namespace

std::vector<std::string> secrets_of(const Config& cfg) {
    std::vector<std::string> out;
    for (const auto& k : cfg.auth.keys) add_value(k.key, out);
    add_value(cfg.auth.admin_key, out);
    for (const auto& e : cfg.embedders) add_value(e.api_key, out);
    add_value(cfg.state.redis.password, out);
    add_value(cfg.state.redis.sentinel_password, out);
    add_headers(cfg.telemetry.tracing.headers, out);
    for (const auto& p : cfg.providers) {
        add_headers(p.health_check.headers, out);
        add_plugin_config(p.plugin_config_json, out);
    }
    for (const auto& g : cfg.guardrails) add_plugin_config(g.plugin_config_json, out);
    return out;
}

}  // namespace sy::config
