#include "config/key_record.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "config/state_section.hpp"

namespace sy::config {
namespace {

std::string period_text(const std::string& spec) {
    if (spec == "d") return "daily";
    if (spec == "m") return "monthly";
    return spec.substr(1) + "s";  // "w3600" -> "3600s"
}

void write_limits(rapidjson::Writer<rapidjson::StringBuffer>& w, const LimitsConfig& l) {
    w.StartObject();
    if (l.budget_nano_usd >= 0) {
        w.Key("budget_usd");
        w.Double(static_cast<double>(l.budget_nano_usd) / 1e9);
        w.Key("period");
        std::string p = period_text(l.period);
        w.String(p.c_str(), static_cast<rapidjson::SizeType>(p.size()));
    }
    auto limit = [&](const char* name, int64_t v) {
        if (v < 0) return;
        w.Key(name);
        w.Int64(v);
    };
    limit("rpm", l.rpm);
    limit("tpm", l.tpm);
    limit("max_concurrent", l.max_concurrent);
    w.EndObject();
}

void write_string(rapidjson::Writer<rapidjson::StringBuffer>& w, const std::string& s) {
    w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
}

}  // namespace

bool is_identifier(std::string_view s) {
    return !s.empty() && s.size() <= 64 &&
           s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") ==
               std::string_view::npos;
}

void parse_key_settings(const MapReader& m, const Config* cfg, ApiKeyConfig& out) {
    m["tier"].get(out.tier);
    if (NodeReader team = m["team"]; team.get(out.team) && !out.team.empty() && !is_identifier(out.team))
        team.fail("invalid team name '" + out.team + "' (expected up to 64 letters, digits, '_', '-' or '.')");
    if (NodeReader labels = m["labels"]; labels.exists()) {
        out.labels.clear();
        parse_labels(labels, out.labels);
    }
    if (NodeReader models = m["models"]; models.exists()) {
        out.models.clear();
        for (const NodeReader& item : models.list("a list of model names")) {
            std::string name;
            if (!item.get(name, Text::required)) continue;
            bool routed = name == "auto" || name.starts_with("router-");
            if (cfg && !routed && !cfg->find_model(name)) {
                std::string known;
                for (const auto& mc : cfg->models) known += (known.empty() ? "" : ", ") + mc.name;
                item.fail("unknown model '" + name + "' (" + (known.empty() ? "none configured" : "expected one of: " + known) + ")");
            }
            out.models.push_back(name);
        }
    }
    if (NodeReader l = m["limits"]; l.exists()) {
        out.limits = {};
        parse_limits(l, out.limits);
    }
    if (NodeReader l = m["user_limits"]; l.exists()) {
        out.user_limits = {};
        parse_limits(l, out.user_limits);
    }
}

bool parse_key_record(std::string_view json, const Config* cfg, bool allow_id, ApiKeyConfig& out,
                      std::string& error) {
    try {
        YAML::Node root = YAML::Load(std::string(json));
        LoadContext ctx([](const std::string&) { return std::optional<std::string>(); });
        NodeReader reader(ctx, root, "");
        if (!root.IsMap()) {
            error = "expected a JSON object with id, tier, team, labels, models, limits, user_limits";
            return false;
        }
        std::vector<std::string_view> keys = {"tier", "team", "labels", "models", "limits", "user_limits", "revoked"};
        if (allow_id) keys.push_back("id");
        MapReader m = reader.map(keys);
        if (allow_id) {
            NodeReader id = m["id"];
            if (id.get(out.id, Text::required) && !is_identifier(out.id))
                id.fail("invalid key id '" + out.id + "' (expected up to 64 letters, digits, '_', '-' or '.')");
        }
        parse_key_settings(m, cfg, out);
        m["revoked"].get(out.revoked);
        if (!ctx.ok()) {
            error = ctx.error();
            return false;
        }
        return true;
    } catch (const YAML::Exception& e) {
        error = "invalid JSON: " + e.msg;
        return false;
    }
}

std::string key_record_json(const ApiKeyConfig& key) {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    w.StartObject();
    w.Key("id");
    write_string(w, key.id);
    w.Key("tier");
    write_string(w, key.tier);
    w.Key("team");
    write_string(w, key.team);
    w.Key("labels");
    w.StartObject();
    for (const auto& [k, v] : key.labels) {
        write_string(w, k);
        write_string(w, v);
    }
    w.EndObject();
    w.Key("models");
    w.StartArray();
    for (const auto& m : key.models) write_string(w, m);
    w.EndArray();
    w.Key("limits");
    write_limits(w, key.limits);
    w.Key("user_limits");
    write_limits(w, key.user_limits);
    w.Key("revoked");
    w.Bool(key.revoked);
    w.EndObject();
    return std::string(sb.GetString(), sb.GetSize());
}

}  // namespace sy::config
