#include "server/admin_handlers.hpp"

#include <chrono>
#include <cstdio>
#include <map>
#include <set>

#include <Poco/URI.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <switchyard/log.hpp>

#include "config/key_record.hpp"
#include "core/secrets.hpp"
#include "server/admission.hpp"
#include "server/http_util.hpp"
#include "state/civil_time.hpp"

namespace sy::server {
namespace {

using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;
using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr int64_t kAdminBodyLimit = 64 * 1024;
constexpr int64_t kMaxSpendDays = 400;
constexpr std::string_view kKeysPath = "/admin/keys";

ApiError admin_error(int status, std::string code, std::string message) {
    const char* type = status == 404 ? "not_found_error" : status == 409 ? "conflict_error"
                       : status >= 500 ? "api_error" : "invalid_request_error";
    return {status, type, std::move(code), std::move(message), {}, status == 503 ? "1" : ""};
}

// Compares SHA-256 digests, so the time taken says nothing about the admin key.
bool same_secret(std::string_view a, std::string_view b) {
    std::string ha = state::key_hash(a), hb = state::key_hash(b);
    unsigned char diff = 0;
    for (size_t i = 0; i < ha.size(); ++i) diff |= static_cast<unsigned char>(ha[i] ^ hb[i]);
    return diff == 0;
}

}  // namespace

// Refuses the call unless it carries the admin key; false after answering.
bool admin_allowed(Gateway& g, HTTPServerRequest& req, HTTPServerResponse& resp) {
    const std::string& admin_key = g.runtime()->config().auth.admin_key;
    const std::string& header = req.get("Authorization", Poco::Net::HTTPMessage::EMPTY);
    if (admin_key.empty()) {
        close_if_body_unread(req, resp);
        send_error(req, resp, admin_error(404, "not_found", "The admin API is disabled (set auth.admin_key)"));
        return false;
    }
    std::string_view token = std::string_view(header).starts_with("Bearer ") ? std::string_view(header).substr(7) : "";
    if (token.empty() || !same_secret(token, admin_key)) {
        close_if_body_unread(req, resp);
        send_error(req, resp, ApiError::unauthorized("The admin API needs Authorization: Bearer <admin key>"));
        return false;
    }
    return true;
}

namespace {

// The path and query parameters of the request URI; false (after answering 400) when malformed.
bool parse_uri(HTTPServerRequest& req, HTTPServerResponse& resp, std::string& path,
               Poco::URI::QueryParameters& query) {
    try {
        Poco::URI uri(req.getURI());
        path = uri.getPath();
        query = uri.getQueryParameters();
        return true;
    } catch (const Poco::Exception& e) {
        close_if_body_unread(req, resp);
        send_error(req, resp, ApiError::bad_request("Malformed request URI: " + e.displayText()));
        return false;
    }
}

void send_writer(HTTPServerRequest& req, HTTPServerResponse& resp, int status, const rapidjson::StringBuffer& sb) {
    send_json(req, resp, status, std::string_view(sb.GetString(), sb.GetSize()));
}

void key_string(JsonWriter& w, std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

// A key record with where it came from, the fingerprint of its secret, and optionally its budget
// usage and its new secret (shown once, when created).
std::string key_object(const config::ApiKeyConfig& k, std::string_view source, std::string_view fingerprint,
                       std::string_view secret, const std::string& usage_json) {
    std::string out = config::key_record_json(k);
    out.pop_back();  // '}'
    out += ",\"source\":\"" + std::string(source) + "\"";
    out += ",\"key_fingerprint\":\"" + std::string(fingerprint) + "\"";
    if (!secret.empty()) out += ",\"key\":\"" + std::string(secret) + "\"";
    if (!usage_json.empty()) out += ",\"usage\":" + usage_json;
    out += "}";
    return out;
}

// Budget usage of each level of a key: [{level, name, spent_usd, reserved_usd, limit_usd, resets_in_seconds}].
std::string usage_json(Gateway& g, const config::Config& cfg, const config::ApiKeyConfig& k) {
    state::Principal who;
    ChatRequest none;
    if (!g.limiter() || !build_principal(cfg, k, none, "", who)) return "[]";
    auto levels = g.limiter()->read(who);
    if (!levels) return "null";
    rapidjson::StringBuffer sb;
    JsonWriter w(sb);
    w.StartArray();
    for (size_t i = 0; i < who.levels.size() && i < levels->size(); ++i) {
        const state::BudgetState& b = (*levels)[i];
        w.StartObject();
        w.Key("level");
        key_string(w, who.levels[i].label);
        w.Key("name");
        key_string(w, who.levels[i].name);
        w.Key("spent_usd");
        w.Double(static_cast<double>(b.spent_nano) / 1e9);
        w.Key("reserved_usd");
        w.Double(static_cast<double>(b.reserved_nano) / 1e9);
        w.Key("limit_usd");
        if (b.limit_nano < 0) w.Null();
        else w.Double(static_cast<double>(b.limit_nano) / 1e9);
        w.Key("resets_in_seconds");
        w.Int64(b.reset_ms / 1000);
        w.EndObject();
    }
    w.EndArray();
    return std::string(sb.GetString(), sb.GetSize());
}

const config::ApiKeyConfig* config_key(const config::Config& cfg, std::string_view id) {
    for (const auto& k : cfg.auth.keys)
        if (k.id == id) return &k;
    return nullptr;
}

// A config key as the admin API shows it: its record and the fingerprint of its secret.
std::string config_key_object(const config::ApiKeyConfig& k, const std::string& usage) {
    config::ApiKeyConfig copy = k;
    copy.key.clear();
    return key_object(copy, "config", secrets::fingerprint(k.key), {}, usage);
}

void list_keys(Gateway& g, const config::Config& cfg, HTTPServerRequest& req, HTTPServerResponse& resp) {
    int status = 0;
    std::string error;
    std::vector<std::string> hashes;
    std::vector<state::KeyPtr> stored = g.keys()->list(status, error, &hashes);
    if (!error.empty()) return send_error(req, resp, admin_error(status, "state_store_unavailable", error));
    std::string out = "{\"object\":\"list\",\"data\":[";
    bool first = true;
    auto add = [&](const std::string& object) {
        if (!first) out += ',';
        out += object;
        first = false;
    };
    for (const auto& k : cfg.auth.keys) add(config_key_object(k, {}));
    for (size_t i = 0; i < stored.size(); ++i)
        add(key_object(*stored[i], "admin", secrets::fingerprint_of_hash(hashes[i]), {}, {}));
    out += "]}";
    send_json(req, resp, 200, out);
}

void create_key(Gateway& g, const config::Config& cfg, HTTPServerRequest& req, HTTPServerResponse& resp) {
    std::string body;
    if (auto err = read_body(req, kAdminBodyLimit, body)) {
        resp.setKeepAlive(false);
        return send_error(req, resp, *err);
    }
    config::ApiKeyConfig record;
    std::string error;
    if (!config::parse_key_record(body, &cfg, true, record, error))
        return send_error(req, resp, ApiError::bad_request(error, {}, "invalid_key"));
    if (record.revoked) return send_error(req, resp, ApiError::bad_request("revoked: cannot create a revoked key", "revoked"));
    if (config_key(cfg, record.id))
        return send_error(req, resp, admin_error(409, "key_exists", "key id '" + record.id + "' is declared in the config"));
    std::string secret;
    int status = 0;
    if (!g.keys()->create(record, secret, status, error))
        return send_error(req, resp, admin_error(status, status == 409 ? "key_exists" : "state_store_unavailable", error));
    log::info("admin", "created key '" + record.id + "'" + (record.team.empty() ? "" : " of team '" + record.team + "'"));
    send_json(req, resp, 201, key_object(record, "admin", secrets::fingerprint(secret), secret, {}));
}

void one_key(Gateway& g, const config::Config& cfg, const std::string& id, HTTPServerRequest& req,
             HTTPServerResponse& resp) {
    const std::string& method = req.getMethod();
    if (const config::ApiKeyConfig* k = config_key(cfg, id)) {
        close_if_body_unread(req, resp);
        if (method == "GET") return send_json(req, resp, 200, config_key_object(*k, usage_json(g, cfg, *k)));
        return send_error(req, resp, admin_error(409, "key_in_config",
                                                 "key '" + id + "' is declared in the config; change it there"));
    }
    int status = 0;
    std::string error;
    std::string hash;
    state::KeyPtr current = g.keys()->get(id, status, error, &hash);
    if (!current) {
        close_if_body_unread(req, resp);
        return send_error(req, resp, admin_error(status, status == 404 ? "key_not_found" : "state_store_unavailable", error));
    }
    const std::string fp = secrets::fingerprint_of_hash(hash);
    if (method == "GET") return send_json(req, resp, 200, key_object(*current, "admin", fp, {}, usage_json(g, cfg, *current)));
    config::ApiKeyConfig updated = *current;
    if (method == "DELETE") {
        close_if_body_unread(req, resp);
        updated.revoked = true;
    } else {  // PATCH
        std::string body;
        if (auto err = read_body(req, kAdminBodyLimit, body)) {
            resp.setKeepAlive(false);
            return send_error(req, resp, *err);
        }
        if (!config::parse_key_record(body, &cfg, false, updated, error))
            return send_error(req, resp, ApiError::bad_request(error, {}, "invalid_key"));
    }
    if (!g.keys()->update(updated, status, error))
        return send_error(req, resp, admin_error(status, "state_store_unavailable", error));
    log::info("admin", std::string(method == "DELETE" ? "revoked" : "updated") + " key '" + id + "'");
    send_json(req, resp, 200, key_object(updated, "admin", fp, {}, {}));
}

// ---------------------------------------------------------------- spend

bool parse_day(const std::string& text, int64_t& day) {
    int y = 0, m = 0, d = 0;
    char tail = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 || d < 1 || d > 31)
        return false;
    day = state::days_from_civil(y, m, d);
    return true;
}

std::string day_text(int64_t day) {
    state::CivilDate c = state::civil_from_days(day);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", static_cast<int>(c.year), static_cast<int>(c.month),
                  static_cast<int>(c.day));
    return buf;
}

struct SpendRow {
    double cost_usd = 0;
    int64_t requests = 0, tokens = 0;
};

void admin_spend_range(Gateway& g, const config::Config& cfg, int64_t first, int64_t last, HTTPServerRequest& req,
                       HTTPServerResponse& resp) {
    // Every group a key belongs to: its team, or the key itself.
    std::map<std::string, std::string> team_of;  // key id -> team
    std::set<std::string> groups;
    auto add = [&](const config::ApiKeyConfig& k) {
        team_of[k.id] = k.team;
        groups.insert(k.team.empty() ? "k:" + k.id : "t:" + k.team);
    };
    for (const auto& k : cfg.auth.keys) add(k);
    int status = 0;
    std::string error;
    for (const auto& k : g.keys()->list(status, error)) add(*k);
    if (!error.empty()) return send_error(req, resp, admin_error(status, "state_store_unavailable", error));
    std::map<std::tuple<int64_t, std::string, std::string>, SpendRow> rows;  // (day, key, model)
    for (const auto& group : groups) {
        state::Reply r = g.limiter()->spend(group, first, last);
        if (!r.ok())
            return send_error(req, resp, admin_error(503, "state_store_unavailable", "spend unavailable: " + r.str));
        for (size_t i = 0; i + 2 < r.elements.size(); i += 3) {
            std::string_view field = r.str_at(i + 1);  // "<key>|<model>|c|r|t"
            size_t bar = field.find('|'), last_bar = field.rfind('|');
            if (bar == std::string_view::npos || last_bar <= bar) continue;
            SpendRow& row = rows[{r.int_at(i), std::string(field.substr(0, bar)),
                                  std::string(field.substr(bar + 1, last_bar - bar - 1))}];
            char what = field.back();
            int64_t v = r.int_at(i + 2);
            if (what == 'c') row.cost_usd = static_cast<double>(v) / 1e9;
            else if (what == 'r') row.requests = v;
            else if (what == 't') row.tokens = v;
        }
    }
    rapidjson::StringBuffer sb;
    JsonWriter w(sb);
    w.StartObject();
    w.Key("from");
    key_string(w, day_text(first));
    w.Key("to");
    key_string(w, day_text(last));
    w.Key("data");
    w.StartArray();
    double total = 0;
    std::map<std::string, double> by_key, by_team, by_model;
    for (const auto& [k, row] : rows) {
        const auto& [day, key, model] = k;
        w.StartObject();
        w.Key("day");
        key_string(w, day_text(day));
        w.Key("key");
        key_string(w, key);
        w.Key("team");
        key_string(w, team_of[key]);
        w.Key("model");
        key_string(w, model);
        w.Key("cost_usd");
        w.Double(row.cost_usd);
        w.Key("requests");
        w.Int64(row.requests);
        w.Key("tokens");
        w.Int64(row.tokens);
        w.EndObject();
        total += row.cost_usd;
        by_key[key] += row.cost_usd;
        by_team[team_of[key]] += row.cost_usd;
        by_model[model] += row.cost_usd;
    }
    w.EndArray();
    w.Key("total_usd");
    w.Double(total);
    for (auto& [name, map] : {std::pair<const char*, std::map<std::string, double>*>{"by_key", &by_key},
                              {"by_team", &by_team}, {"by_model", &by_model}}) {
        w.Key(name);
        w.StartObject();
        for (const auto& [k, v] : *map) {
            key_string(w, k);
            w.Double(v);
        }
        w.EndObject();
    }
    w.EndObject();
    send_writer(req, resp, 200, sb);
}

}  // namespace

void admin_reload(Gateway& g, HTTPServerRequest& req, HTTPServerResponse& resp) {
    if (!admin_allowed(g, req, resp)) return;
    close_if_body_unread(req, resp);
    std::string error;
    bool ok = req.getMethod() == "GET" ? g.last_reload_error().empty() : g.reload(error);
    if (req.getMethod() == "GET") error = g.last_reload_error();
    secrets::scrub(error);
    rapidjson::StringBuffer sb;
    JsonWriter w(sb);
    w.StartObject();
    w.Key("ok");
    w.Bool(ok);
    w.Key("generation");
    w.Uint64(g.runtime()->generation());
    w.Key("error");
    if (error.empty()) w.Null();
    else key_string(w, error);
    w.EndObject();
    send_writer(req, resp, ok ? 200 : 409, sb);
}

void admin_keys(Gateway& g, HTTPServerRequest& req, HTTPServerResponse& resp) {
    if (!admin_allowed(g, req, resp)) return;
    auto rt = g.runtime();
    std::string path;
    Poco::URI::QueryParameters query;
    if (!parse_uri(req, resp, path, query)) return;
    const std::string& method = req.getMethod();
    if (path == kKeysPath) {
        if (method == "GET") {
            close_if_body_unread(req, resp);
            return list_keys(g, rt->config(), req, resp);
        }
        if (method == "POST") return create_key(g, rt->config(), req, resp);
    } else if (path.size() > kKeysPath.size() + 1 && path.find('/', kKeysPath.size() + 1) == std::string::npos) {
        if (method == "GET" || method == "PATCH" || method == "DELETE")
            return one_key(g, rt->config(), path.substr(kKeysPath.size() + 1), req, resp);
    } else {
        close_if_body_unread(req, resp);
        return send_error(req, resp, admin_error(404, "not_found", "No route for " + method + " " + path));
    }
    close_if_body_unread(req, resp);
    send_error(req, resp, {405, "invalid_request_error", "method_not_allowed",
                           "Method " + method + " is not allowed on " + path, {}, {}});
}

void admin_requests(Gateway& g, HTTPServerRequest& req, HTTPServerResponse& resp) {
    if (!admin_allowed(g, req, resp)) return;
    close_if_body_unread(req, resp);
    std::string path;
    Poco::URI::QueryParameters query;
    if (!parse_uri(req, resp, path, query)) return;
    constexpr std::string_view kPrefix = "/admin/requests/";
    if (path.size() > kPrefix.size() && path.starts_with(kPrefix)) {
        std::string trace = g.traces().find(path.substr(kPrefix.size()));
        if (trace.empty())
            return send_error(req, resp, admin_error(404, "request_not_found",
                                                     "no trace of request '" + path.substr(kPrefix.size()) +
                                                         "' (only the last telemetry.request_traces are kept)"));
        return send_json(req, resp, 200, trace);
    }
    rapidjson::StringBuffer sb;
    JsonWriter w(sb);
    w.StartObject();
    w.Key("object");
    w.String("list");
    w.Key("data");
    w.StartArray();
    for (const auto& id : g.traces().recent(100)) key_string(w, id);
    w.EndArray();
    w.EndObject();
    send_writer(req, resp, 200, sb);
}

void admin_spend(Gateway& g, HTTPServerRequest& req, HTTPServerResponse& resp) {
    if (!admin_allowed(g, req, resp)) return;
    close_if_body_unread(req, resp);
    int64_t today = std::chrono::duration_cast<std::chrono::hours>(
                        std::chrono::system_clock::now().time_since_epoch()).count() / 24;
    int64_t first = today, last = today;
    std::string path;
    Poco::URI::QueryParameters query;
    if (!parse_uri(req, resp, path, query)) return;
    for (const auto& [name, value] : query) {
        int64_t* target = name == "from" ? &first : name == "to" ? &last : nullptr;
        if (!target) return send_error(req, resp, ApiError::bad_request("unknown parameter '" + name + "' (expected from, to)", name));
        if (!parse_day(value, *target))
            return send_error(req, resp, ApiError::bad_request(name + ": expected a date YYYY-MM-DD, got '" + value + "'", name));
    }
    if (last < first) return send_error(req, resp, ApiError::bad_request("to is before from", "to"));
    if (last - first >= kMaxSpendDays)
        return send_error(req, resp, ApiError::bad_request("at most " + std::to_string(kMaxSpendDays) + " days at a time", "to"));
    admin_spend_range(g, g.runtime()->config(), first, last, req, resp);
}

bool carries_admin_key(Gateway& g, const HTTPServerRequest& req) {
    const std::string& admin_key = g.runtime()->config().auth.admin_key;
    const std::string& header = req.get("Authorization", Poco::Net::HTTPMessage::EMPTY);
    std::string_view token = std::string_view(header).starts_with("Bearer ") ? std::string_view(header).substr(7) : "";
    return !admin_key.empty() && !token.empty() && same_secret(token, admin_key);
}

}  // namespace sy::server
