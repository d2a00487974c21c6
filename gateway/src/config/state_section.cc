#include "config/state_section.hpp"

#include <cmath>

#include "config/listen_address.hpp"

namespace sy::config {
namespace {

// "daily" -> "d", "monthly" -> "m", "<N>s|m|h|d" -> "w<seconds>"; empty on a bad value.
std::string period_spec(const std::string& text) {
    if (text == "daily" || text == "day") return "d";
    if (text == "monthly" || text == "month") return "m";
    if (text.size() < 2) return {};
    int64_t n = 0;
    for (size_t i = 0; i + 1 < text.size(); ++i) {
        if (text[i] < '0' || text[i] > '9' || n > 100000000) return {};
        n = n * 10 + (text[i] - '0');
    }
    int64_t unit = 0;
    switch (text.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    default: return {};
    }
    if (n <= 0) return {};
    return std::string("w").append(std::to_string(n * unit));  // not "w" + ...: GCC 12 -Wrestrict false positive
}

}  // namespace

// open | closed | local
bool parse_on_failure(const NodeReader& node, OnStoreFailure& out) {
    std::string mode;
    if (!node.get(mode)) return false;
    if (mode == "open") out = OnStoreFailure::open;
    else if (mode == "closed") out = OnStoreFailure::closed;
    else if (mode == "local") out = OnStoreFailure::local;
    else {
        node.fail("expected 'open', 'closed' or 'local', got '" + mode + "'");
        return false;
    }
    return true;
}

void parse_limits(const NodeReader& node, LimitsConfig& out) {
    MapReader m = node.map({"budget_usd", "period", "rpm", "tpm", "max_concurrent", "on_store_failure"});
    OnStoreFailure mode;
    if (parse_on_failure(m["on_store_failure"], mode)) out.on_store_failure = mode;
    std::optional<double> budget;
    if (m["budget_usd"].get(budget, Bounds{.min = 0, .max = 1e9}) && budget)
        out.budget_nano_usd = static_cast<int64_t>(std::llround(*budget * 1e9));
    NodeReader period = m["period"];
    std::string text;
    if (period.get(text, Text::non_empty)) {
        out.period = period_spec(text);
        if (out.period.empty())
            period.fail("expected daily, monthly, or a fixed window such as 3600s, 90m, 12h or 7d, got '" + text + "'");
    }
    m["rpm"].get(out.rpm, 0);
    m["tpm"].get(out.tpm, 0);
    m["max_concurrent"].get(out.max_concurrent, 0);
}

void parse_team(const NodeReader& node, TeamConfig& out) {
    MapReader m = node.map({"name", "limits", "user_limits"});
    m["name"].get(out.name, Text::required);
    parse_limits(m["limits"], out.limits);
    parse_limits(m["user_limits"], out.user_limits);
}

void parse_labels(const NodeReader& node, std::vector<std::pair<std::string, std::string>>& out, std::string_view what) {
    if (!node.has_value()) return;
    if (!node.node().IsMap()) {
        node.fail("expected a map of " + std::string(what) + " names to values, got " + describe(node.node()));
        return;
    }
    MapReader labels = node.any_map();
    for (const auto& [name, value] : labels.entries()) {
        std::string text;
        if (value.get(text)) out.emplace_back(name, text);
    }
}

static bool parse_address(const NodeReader& at, const std::string& text, ListenAddress& out) {
    std::string why;
    if (parse_listen_address(text, out, why) && out.port != 0) return true;
    at.fail("expected HOST:PORT (e.g. 127.0.0.1:6379), got '" + text + "'");
    return false;
}

static void parse_redis(const NodeReader& node, RedisConfig& out) {
    MapReader m = node.map({"address", "username", "password", "db", "pool_size", "connect_timeout_ms",
                            "command_timeout_ms", "cluster", "seeds", "sentinel"});
    std::string address;
    ListenAddress parsed;
    if (NodeReader a = m["address"]; a.get(address, Text::non_empty) && parse_address(a, address, parsed)) {
        out.host = parsed.host;
        out.port = parsed.port;
    }
    m["cluster"].get(out.cluster);
    for (const NodeReader& item : m["seeds"].list("a list of HOST:PORT")) {
        std::string seed;
        if (item.get(seed, Text::required) && parse_address(item, seed, parsed)) out.seeds.push_back(seed);
    }
    m["username"].get(out.username);
    m["password"].get(out.password);
    m["db"].get(out.db, 0);
    m["pool_size"].get(out.pool_size, 1);
    m["connect_timeout_ms"].get(out.connect_timeout_ms, 1);
    m["command_timeout_ms"].get(out.command_timeout_ms, 1);
    if (out.db != 0 && out.cluster) m["db"].fail("Redis Cluster has only database 0");
    NodeReader sentinel = m["sentinel"];
    if (!sentinel.has_value()) return;
    MapReader sm = sentinel.map({"master", "addresses", "password"});
    sm["master"].get(out.sentinel_master, Text::required);
    sm["password"].get(out.sentinel_password);
    for (const NodeReader& item : sm["addresses"].list("a list of HOST:PORT")) {
        std::string address;
        if (item.get(address, Text::required) && parse_address(item, address, parsed)) out.sentinels.push_back(address);
    }
    if (out.sentinels.empty() && sentinel.ok()) sm["addresses"].fail("needs at least one sentinel (HOST:PORT)");
    if (out.cluster) sentinel.fail("cannot be combined with cluster: true");
}

void parse_state(const NodeReader& node, StateConfig& out) {
    MapReader m = node.map(
        {"backend", "redis", "key_prefix", "on_failure", "local_share", "reservation_ttl_ms", "budget_view_ttl_ms"});
    NodeReader backend = m["backend"];
    if (backend.get(out.backend) && out.backend != "memory" && out.backend != "redis")
        backend.fail("expected 'memory' or 'redis', got '" + out.backend + "'");
    NodeReader redis = m["redis"];
    parse_redis(redis, out.redis);
    if (out.backend == "memory" && redis.has_value() && !backend.exists()) out.backend = "redis";
    NodeReader prefix = m["key_prefix"];
    if (prefix.get(out.key_prefix, Text::non_empty) &&
        out.key_prefix.find_first_of("{} \t\r\n") != std::string::npos)
        prefix.fail("must not contain braces or white space, got '" + out.key_prefix + "'");
    parse_on_failure(m["on_failure"], out.on_failure);
    m["local_share"].get(out.local_share, Bounds{.min = 0, .max = 1, .min_exclusive = true});
    NodeReader ttl = m["reservation_ttl_ms"];
    if (ttl.get(out.reservation_ttl_ms, 1000) && out.reservation_ttl_ms > 6 * 3600 * 1000)
        ttl.fail("must be at most 21600000 (6 hours): budget counters outlive their period by one day, "
                 "and a reservation must not outlive them");
    NodeReader view = m["budget_view_ttl_ms"];
    if (view.get(out.budget_view_ttl_ms, 0) && out.budget_view_ttl_ms > 60000)
        view.fail("must be at most 60000 (a minute): policies would steer by a budget that old");
}

}  // namespace sy::config
