// Reading a plugin's JSON config with errors that name the key (in-tree plugins only; uses
// rapidjson). Throws switchyard::Error with SY_ERR_CONFIG, which the SDK turns into a status.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <switchyard/sdk.hpp>

namespace sy_plugins {

class PluginConfig {
public:
    // Parses config_json (an object) and refuses keys outside `allowed`.
    PluginConfig(std::string_view plugin, std::string_view config_json, std::initializer_list<const char*> allowed)
        : plugin_(plugin) {
        doc_.Parse(config_json.data(), config_json.size());
        if (doc_.HasParseError()) fail("", std::string("invalid JSON: ") + rapidjson::GetParseError_En(doc_.GetParseError()));
        if (doc_.IsNull()) doc_.SetObject();
        if (!doc_.IsObject()) fail("", "config must be a map");
        for (auto& m : doc_.GetObject()) {
            std::string_view key(m.name.GetString(), m.name.GetStringLength());
            bool known = false;
            for (const char* a : allowed) known = known || key == a;
            if (!known) fail(std::string(key), "unknown key");
        }
    }

    const rapidjson::Value* find(const char* key) const {
        auto it = doc_.FindMember(key);
        return it == doc_.MemberEnd() || it->value.IsNull() ? nullptr : &it->value;
    }
    std::string string(const char* key, std::string fallback = {}) const {
        const rapidjson::Value* v = find(key);
        if (!v) return fallback;
        if (!v->IsString()) fail(key, "must be a string");
        return std::string(v->GetString(), v->GetStringLength());
    }
    double number(const char* key, double fallback, double min, double max) const {
        const rapidjson::Value* v = find(key);
        if (!v) return fallback;
        if (!v->IsNumber()) fail(key, "must be a number");
        double d = v->GetDouble();
        if (d < min || d > max) fail(key, "must be between " + trim(min) + " and " + trim(max) + ", got " + trim(d));
        return d;
    }
    // A map of strings (e.g. extra headers), in the config's order; absent = empty. `noun` names
    // the map's keys in errors.
    std::vector<std::pair<std::string, std::string>> string_map(const char* key, const char* noun = "header") const {
        std::vector<std::pair<std::string, std::string>> out;
        const rapidjson::Value* v = find(key);
        if (!v) return out;
        if (!v->IsObject()) fail(key, std::string("must be a map of ") + noun + " names to values");
        for (const auto& m : v->GetObject()) {
            std::string name(m.name.GetString(), m.name.GetStringLength());
            if (!m.value.IsString()) fail(std::string(key) + "." + name, "must be a string");
            out.emplace_back(std::move(name), std::string(m.value.GetString(), m.value.GetStringLength()));
        }
        return out;
    }
    // A list of strings; absent = empty.
    std::vector<std::string> string_list(const char* key) const {
        std::vector<std::string> out;
        const rapidjson::Value* v = find(key);
        if (!v) return out;
        if (!v->IsArray()) fail(key, "must be a list of strings");
        for (const auto& item : v->GetArray()) {
            if (!item.IsString()) fail(std::string(key) + "[" + std::to_string(out.size()) + "]", "must be a string");
            out.emplace_back(item.GetString(), item.GetStringLength());
        }
        return out;
    }
    [[noreturn]] void fail(const std::string& key, const std::string& why) const {
        std::string msg = std::string(plugin_) + ": ";
        if (!key.empty()) msg += "config." + key + ": ";
        throw switchyard::Error(msg + why, SY_ERR_CONFIG);
    }

private:
    static std::string trim(double d) {
        std::string s = std::to_string(d);
        while (!s.empty() && s.back() == '0') s.pop_back();
        if (!s.empty() && s.back() == '.') s.pop_back();
        return s;
    }
    std::string_view plugin_;
    rapidjson::Document doc_;
};

inline std::string_view sv(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

}  // namespace sy_plugins
