#include "config/loader.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <iterator>

#include "config/upstream_safety_section.hpp"
#include "config/listen_address.hpp"
#include "config/key_record.hpp"
#include "config/node_reader.hpp"
#include "config/guardrail_section.hpp"
#include "config/shadow_section.hpp"
#include "config/privacy_section.hpp"
#include "config/secret_fields.hpp"
#include "config/state_section.hpp"
#include "config/yaml_documents.hpp"
#include "config/yaml_json.hpp"
#include "core/ascii.hpp"
#include "core/secrets.hpp"

namespace sy::config {
namespace {

// Sections the loader validates, in the order it reads them: providers before the models that name
// them, models before the routers and routing that name models.
constexpr std::array<std::string_view, 16> kSections = {"server", "plugins",   "providers", "embedders",
                                                        "models", "routers",   "routing",   "state",
                                                        "teams",  "auth",      "policies",  "telemetry",
                                                        "cache",  "privacy",   "guardrails", "security"};

constexpr Bounds kNonNegative{.min = 0};
constexpr Bounds kPositive{.min = 0, .min_exclusive = true};
constexpr Bounds kUnitInterval{.min = 0, .max = 1};

constexpr std::string_view kRouterModelPrefix = "router-";
constexpr std::string_view kAutoModel = "auto";

template <class Items, class NameOf>
std::string list_names(const Items& items, NameOf name_of) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + name_of(item);
    return out.empty() ? "none configured" : "expected one of: " + out;
}

// Names taken in one namespace, with the key path that took each, for "duplicate" errors.
class NameTable {
public:
    // Returns the path that already holds `name`, or nullptr after recording `path` as its holder.
    const std::string* claim(const std::string& name, const std::string& path) {
        auto [it, inserted] = holders_.emplace(name, path);
        return inserted ? nullptr : &it->second;
    }

    // Claims `name` for `at`; on a clash records "duplicate <what> '<name>' (also at <path>)".
    bool claim(const NodeReader& at, const std::string& name, std::string_view what) {
        const std::string* holder = claim(name, at.path());
        if (holder) at.fail("duplicate " + std::string(what) + " '" + name + "' (also at " + *holder + ")");
        return !holder;
    }

private:
    std::map<std::string, std::string, std::less<>> holders_;
};

std::string resolve_path(const std::string& path, const std::filesystem::path& base_dir) {
    std::filesystem::path p(path);
    if (p.is_absolute() || base_dir.empty()) return path;
    return (base_dir / p).lexically_normal().string();
}

std::filesystem::path config_dir(const std::string& source_path) {
    if (source_path.empty()) return {};
    std::filesystem::path dir = std::filesystem::path(source_path).parent_path();
    if (dir.empty()) dir = ".";
    std::error_code ec;
    std::filesystem::path absolute = std::filesystem::absolute(dir, ec);
    return ec ? dir : absolute;
}

// Builds a Config from the YAML tree, one function per section. Errors go to the LoadContext.
class ConfigParser {
public:
    ConfigParser(Config& cfg, std::filesystem::path base_dir) : cfg_(cfg), base_dir_(std::move(base_dir)) {}

    void parse(const NodeReader& root) {
        if (!root.node().IsMap()) {
            root.fail("expected a map of sections (" + join(kSections) + "), got " +
                      (root.has_value() ? describe(root.node()) : "an empty document"));
            return;
        }
        MapReader top = root.map(kSections);
        parse_server(top["server"], cfg_.server);
        parse_plugins(top["plugins"], cfg_.plugins);
        for (const NodeReader& item : top["providers"].list("a list of providers"))
            parse_provider(item, cfg_.providers.emplace_back());
        NameTable embedders;
        for (const NodeReader& item : top["embedders"].list("a list of embedders ({name, api, base_url, model, dim})")) {
            EmbedderConfig& e = cfg_.embedders.emplace_back();
            parse_embedder(item, e);
            if (!e.name.empty()) embedders.claim(item, e.name, "embedder");
        }
        for (const NodeReader& item : top["models"].list("a list of models"))
            parse_model(item, cfg_.models.emplace_back());
        for (const NodeReader& item : top["routers"].list("a list of routers"))
            parse_router(item, cfg_.routers.emplace_back());
        parse_routing(top["routing"], cfg_.routing);
        parse_state(top["state"], cfg_.state);
        NameTable teams;
        for (const NodeReader& item : top["teams"].list("a list of teams ({name, limits, user_limits})")) {
            TeamConfig& team = cfg_.teams.emplace_back();
            parse_team(item, team);
            if (!team.name.empty() && check_identifier(item, team.name, "team name")) teams.claim(item, team.name, "team");
        }
        parse_auth(top["auth"], cfg_.auth);
        for (const NodeReader& item : top["policies"].list("a list of policies ({name, file, on_error, ...})"))
            parse_policy(item, cfg_.policies.emplace_back());
        parse_telemetry(top["telemetry"], cfg_.telemetry);
        parse_cache(top["cache"], cfg_.cache);
        parse_privacy(top["privacy"], cfg_, cfg_.privacy);
        parse_guardrails(top["guardrails"], cfg_.guardrails);
        MapReader security = top["security"].map({"client_base_urls"});
        parse_client_base_urls(security["client_base_urls"], cfg_, cfg_.security.client_base_urls);
    }

private:
    void parse_cache(const NodeReader& node, CacheConfig& out) {
        MapReader m = node.map({"backend", "ttl_s", "max_bytes", "max_entry_bytes", "deterministic_only", "scope",
                                "stampede_wait_ms", "semantic"});
        NodeReader backend = m["backend"];
        if (backend.get(out.backend) && out.backend != "off" && out.backend != "memory" && out.backend != "redis")
            backend.fail("must be off, memory or redis, got '" + out.backend + "'");
        if (out.backend == "redis" && cfg_.state.backend != "redis")
            backend.fail("redis needs state.backend: redis (the cache uses the state store's server)");
        m["ttl_s"].get(out.ttl_s, 1);
        m["max_bytes"].get(out.max_bytes, 1024);
        m["max_entry_bytes"].get(out.max_entry_bytes, 64);
        m["deterministic_only"].get(out.deterministic_only);
        NodeReader scope = m["scope"];
        if (scope.get(out.scope) && out.scope != "key" && out.scope != "team" && out.scope != "global")
            scope.fail("must be key, team or global, got '" + out.scope + "'");
        m["stampede_wait_ms"].get(out.stampede_wait_ms, 0);
        parse_semantic_cache(m["semantic"], out.backend, out.semantic);
    }

    void parse_semantic_cache(const NodeReader& node, const std::string& backend, SemanticCacheConfig& out) {
        MapReader m = node.map({"enabled", "threshold", "embedder", "max_entries", "max_bucket_entries"});
        NodeReader enabled = m["enabled"];
        if (enabled.get(out.enabled) && out.enabled && backend == "off")
            enabled.fail("needs cache.backend memory or redis (the semantic cache keeps its entries there)");
        m["threshold"].get(out.threshold, Bounds{.min = 0, .max = 1, .min_exclusive = true});
        NodeReader embedder = m["embedder"];
        if (embedder.get(out.embedder) && !out.embedder.empty() && out.embedder != "builtin" &&
            std::none_of(cfg_.embedders.begin(), cfg_.embedders.end(),
                         [&](const EmbedderConfig& e) { return e.name == out.embedder; }))
            embedder.fail("no embedder named '" + out.embedder + "' in embedders[] (\"\" or builtin: the built-in one)");
        m["max_entries"].get(out.max_entries, 1);
        m["max_bucket_entries"].get(out.max_bucket_entries, 1);
    }

    void parse_telemetry(const NodeReader& node, TelemetryConfig& out) {
        MapReader m = node.map({"access_log", "request_traces", "tracing", "metrics"});
        m["request_traces"].get(out.request_traces, 0);
        MapReader log = m["access_log"].map({"path", "prompts"});
        log["prompts"].get(out.log_prompts);
        NodeReader path = log["path"];
        if (path.get(out.access_log) && out.access_log != "-" && !out.access_log.empty())
            out.access_log = resolve_path(out.access_log, base_dir_);
        MapReader metrics = m["metrics"].map({"budget_refresh_ms", "listen"});
        metrics["budget_refresh_ms"].get(out.budget_refresh_ms, 100);
        parse_listen(metrics["listen"], out.metrics_host, out.metrics_port);
        parse_tracing(m["tracing"], out.tracing);
    }

    void parse_tracing(const NodeReader& node, TracingConfig& out) {
        MapReader m = node.map({"endpoint", "sample_ratio", "service_name", "queue_size", "batch_size",
                                "flush_interval_ms", "timeout_ms", "tls_verify", "tls_ca_file", "headers"});
        parse_base_url(m["endpoint"], out.endpoint);
        m["sample_ratio"].get(out.sample_ratio, kUnitInterval);
        m["service_name"].get(out.service_name, Text::non_empty);
        m["queue_size"].get(out.queue_size, 1);
        m["batch_size"].get(out.batch_size, 1);
        m["flush_interval_ms"].get(out.flush_interval_ms, 10);
        m["timeout_ms"].get(out.timeout_ms, 1);
        m["tls_verify"].get(out.tls_verify);
        parse_ca_file(m["tls_ca_file"], out.tls_verify, out.tls_ca_file);
        parse_labels(m["headers"], out.headers, "header");
    }

    // tls_ca_file, resolved against the config's directory and checked now.
    void parse_ca_file(const NodeReader& node, bool tls_verify, std::string& out) {
        if (!node.get(out, Text::non_empty)) return;
        out = resolve_path(out, base_dir_);
        check_ca_file(node, tls_verify, out);
    }

    static void parse_server(const NodeReader& node, ServerConfig& out) {
        MapReader m = node.map({"listen", "max_threads", "min_threads", "max_queued", "max_connections", "max_body_bytes",
                                "max_uri_bytes", "max_header_bytes", "max_header_count", "request_timeout_ms",
                                "keep_alive_timeout_ms", "write_timeout_ms", "max_keep_alive_requests",
                                "drain_timeout_ms", "admin_listen", "core_dumps"});
        parse_listen(m["listen"], out.host, out.port);
        m["max_threads"].get(out.max_threads, 1);
        if (m["min_threads"].get(out.min_threads, 1) && out.min_threads > out.max_threads)
            m["min_threads"].fail("must not exceed server.max_threads (" + std::to_string(out.max_threads) + ")");
        m["max_queued"].get(out.max_queued, 1);
        m["max_connections"].get(out.max_connections, 1);
        m["max_body_bytes"].get(out.max_body_bytes, 1024);
        m["max_uri_bytes"].get(out.max_uri_bytes, 64);
        m["max_header_bytes"].get(out.max_header_bytes, 256);
        m["max_header_count"].get(out.max_header_count, 1);
        m["request_timeout_ms"].get(out.request_timeout_ms, 1);
        m["keep_alive_timeout_ms"].get(out.keep_alive_timeout_ms, 1);
        m["write_timeout_ms"].get(out.write_timeout_ms, 1);
        m["max_keep_alive_requests"].get(out.max_keep_alive_requests, 0);
        m["drain_timeout_ms"].get(out.drain_timeout_ms, 1);
        parse_listen(m["admin_listen"], out.admin_host, out.admin_port);
        m["core_dumps"].get(out.core_dumps);
    }

    static void parse_listen(const NodeReader& node, std::string& host, uint16_t& port) {
        std::string text;
        if (!node.get(text)) return;
        ListenAddress address;
        std::string why;
        if (!parse_listen_address(text, address, why)) {
            node.fail(why + " in '" + text + "' (expected HOST:PORT with port 0..65535, e.g. 127.0.0.1:8080, " +
                      "localhost:8080 or [::1]:8080)");
            return;
        }
        host = address.host;
        port = address.port;
    }

    void parse_plugins(const NodeReader& node, PluginsConfig& out) {
        MapReader m = node.map({"search_paths", "load", "allowed_sha256"});
        read_paths(m["search_paths"], out.search_paths);
        read_paths(m["load"], out.load);
        for (const NodeReader& item : m["allowed_sha256"].list("a list of SHA-256 digests (64 hex digits)")) {
            std::string digest;
            if (!item.get(digest, Text::required)) continue;
            digest = ascii_lower(digest);
            if (digest.size() != 64 || digest.find_first_not_of("0123456789abcdef") != std::string::npos)
                item.fail("expected a SHA-256 digest (64 hex digits, as sha256sum prints), got '" + digest + "'");
            out.allowed_sha256.push_back(digest);
        }
    }

    void read_paths(const NodeReader& node, std::vector<std::string>& out) {
        for (const NodeReader& item : node.list("a list of paths")) {
            std::string path;
            if (item.get(path, Text::required)) out.push_back(resolve_path(path, base_dir_));
        }
    }

    void parse_provider(const NodeReader& node, ProviderConfig& out) {
        MapReader m = node.map({"name", "plugin", "base_url", "timeouts", "max_connections", "tls_verify",
                                "tls_ca_file", "config", "health_check"});
        if (NodeReader name = m["name"]; name.get(out.name, Text::required))
            provider_names_.claim(name, out.name, "provider name");
        m["plugin"].get(out.plugin, Text::required);
        parse_base_url(m["base_url"], out.base_url);
        parse_timeouts(m["timeouts"], out.timeouts);
        m["max_connections"].get(out.max_connections, 1);
        m["tls_verify"].get(out.tls_verify);
        parse_ca_file(m["tls_ca_file"], out.tls_verify, out.tls_ca_file);
        read_plugin_config(m["config"], out.plugin_config_json);
        parse_health_check(m["health_check"], out);
    }

    static void parse_health_check(const NodeReader& node, ProviderConfig& provider) {
        if (!node.has_value()) return;
        HealthCheckConfig& out = provider.health_check;
        MapReader m = node.map({"path", "interval_ms", "timeout_ms", "failures", "headers"});
        NodeReader path = m["path"];
        if (path.get(out.path, Text::required) && !out.path.starts_with("/"))
            path.fail("must start with '/' (it is appended to base_url), got '" + out.path + "'");
        if (provider.base_url.empty() && path.ok()) path.fail("needs a remote provider (one with a base_url)");
        m["interval_ms"].get(out.interval_ms, 100);
        m["timeout_ms"].get(out.timeout_ms, 1);
        m["failures"].get(out.failures, 1);
        parse_labels(m["headers"], out.headers, "header");
    }

    void parse_embedder(const NodeReader& node, EmbedderConfig& out) {
        MapReader m = node.map({"name", "api", "base_url", "api_key", "model", "dim", "timeout_ms", "cache_size",
                                "tls_verify", "tls_ca_file"});
        NodeReader name = m["name"];
        if (name.get(out.name, Text::required)) {
            bool ok = !out.name.empty() && out.name != "builtin";
            for (char c : out.name) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-');
            if (!ok) name.fail("must be [a-z0-9_-]+ and not 'builtin', got '" + out.name + "'");
        }
        NodeReader api = m["api"];
        if (api.get(out.api) && out.api != "openai" && out.api != "ollama")
            api.fail("must be openai or ollama, got '" + out.api + "'");
        NodeReader url = m["base_url"];
        url.get(out.base_url, Text::required);
        parse_base_url(url, out.base_url);
        m["api_key"].get(out.api_key);
        m["model"].get(out.model, Text::required);
        NodeReader dim = m["dim"];
        if (!dim.has_value()) dim.fail("is required: the size of the vectors the endpoint returns");
        dim.get(out.dim, 1);
        m["timeout_ms"].get(out.timeout_ms, 1);
        m["cache_size"].get(out.cache_size, 0);
        m["tls_verify"].get(out.tls_verify);
        parse_ca_file(m["tls_ca_file"], out.tls_verify, out.tls_ca_file);
    }

    static void parse_base_url(const NodeReader& node, std::string& out) {
        if (!node.get(out) || out.empty()) return;
        bool http = out.starts_with("http://") || out.starts_with("https://");
        if (!http || out.find("://") + 3 == out.size())
            node.fail("expected an http:// or https:// URL with a host, got '" + out + "'");
    }

    static void parse_timeouts(const NodeReader& node, TimeoutConfig& out) {
        MapReader m = node.map({"connect_ms", "first_byte_ms", "idle_ms", "total_ms"});
        m["connect_ms"].get(out.connect_ms, 1);
        m["first_byte_ms"].get(out.first_byte_ms, 1);
        m["idle_ms"].get(out.idle_ms, 1);
        m["total_ms"].get(out.total_ms, 1);
    }

    static void parse_timeout_overrides(const NodeReader& node, TimeoutOverrides& out) {
        MapReader m = node.map({"connect_ms", "first_byte_ms", "idle_ms", "total_ms"});
        for (auto [key, field] : {std::pair{"connect_ms", &out.connect_ms}, {"first_byte_ms", &out.first_byte_ms},
                                  {"idle_ms", &out.idle_ms}, {"total_ms", &out.total_ms}}) {
            int v = 0;
            if (m[key].get(v, 1)) *field = v;
        }
    }

    void parse_model(const NodeReader& node, ModelConfig& out) {
        MapReader m = node.map({"name", "input_price_per_mtok", "output_price_per_mtok", "cached_input_price_per_mtok",
                                "max_output_tokens", "context_window", "limits", "aliases", "deployments", "fallbacks",
                                "balancing", "timeouts", "continue_on_failure", "cache"});
        m["continue_on_failure"].get(out.continue_on_failure);
        m["cache"].get(out.cache);
        NodeReader balancing = m["balancing"];
        static constexpr std::string_view kBalancing[] = {"weighted_random", "round_robin", "least_inflight",
                                                          "lowest_latency",  "lowest_cost", "priority", "affinity"};
        if (balancing.get(out.balancing) &&
            std::find(std::begin(kBalancing), std::end(kBalancing), out.balancing) == std::end(kBalancing))
            balancing.fail("must be weighted_random, round_robin, least_inflight, lowest_latency, lowest_cost, "
                           "priority or affinity, got '" + out.balancing + "'");
        parse_timeout_overrides(m["timeouts"], out.timeouts);
        for (const NodeReader& item : m["fallbacks"].list("a list of model names")) {
            std::string fb;
            if (item.get(fb, Text::required)) out.fallbacks.push_back(fb);
        }
        if (NodeReader name = m["name"]; name.get(out.name, Text::required)) claim_model_name(name, out.name);
        bool in = m["input_price_per_mtok"].get(out.input_price_per_mtok, kNonNegative);
        bool outp = m["output_price_per_mtok"].get(out.output_price_per_mtok, kNonNegative);
        out.priced = in || outp;
        if (!m["cached_input_price_per_mtok"].get(out.cached_input_price_per_mtok, kNonNegative))
            out.cached_input_price_per_mtok = out.input_price_per_mtok;
        m["max_output_tokens"].get(out.max_output_tokens, 1);
        m["context_window"].get(out.context_window, 0);
        parse_limits(m["limits"], out.limits);
        for (const NodeReader& item : m["aliases"].list("a list of alias names")) {
            std::string alias;
            if (item.get(alias, Text::required) && claim_model_name(item, alias)) out.aliases.push_back(alias);
        }
        NodeReader deployments = m["deployments"];
        for (const NodeReader& item : deployments.list("a list of deployments"))
            parse_deployment(item, out, out.deployments.emplace_back());
        if (out.deployments.empty())
            deployments.fail("needs at least one deployment (expected a list of {provider, model, weight})");
    }

    // Model names and aliases share one namespace, apart from `auto` and `router-*` requests.
    bool claim_model_name(const NodeReader& at, const std::string& name) {
        if (name == kAutoModel) {
            at.fail("'auto' is reserved for automatic routing; choose another name");
            return false;
        }
        if (name.starts_with(kRouterModelPrefix)) {
            at.fail("'" + name + "' starts with 'router-', which is reserved for router models; choose another name");
            return false;
        }
        return model_names_.claim(at, name, "model name or alias");
    }

    void parse_deployment(const NodeReader& node, ModelConfig& model, DeploymentConfig& out) {
        MapReader m = node.map({"provider", "model", "weight", "local", "priority", "rpm", "tpm", "timeouts",
                                "input_price_per_mtok", "output_price_per_mtok", "cached_input_price_per_mtok"});
        NodeReader provider = m["provider"];
        if (provider.get(out.provider, Text::required) && !cfg_.find_provider(out.provider))
            provider.fail("unknown provider '" + out.provider + "' (" +
                          list_names(cfg_.providers, [](const ProviderConfig& p) { return p.name; }) + ")");
        out.model = model.name;
        m["model"].get(out.model, Text::non_empty);
        m["weight"].get(out.weight, kPositive);
        if (NodeReader local = m["local"]; local.has_value()) {
            bool value = false;
            if (local.get(value)) out.local = value;
        }
        m["priority"].get(out.priority, 0);
        m["rpm"].get(out.rpm, 1);
        m["tpm"].get(out.tpm, 1);
        parse_timeout_overrides(m["timeouts"], out.timeouts);
        // A deployment's own prices (a free local server beside a paid API) default to the model's.
        out.prices = {model.input_price_per_mtok, model.output_price_per_mtok, model.cached_input_price_per_mtok};
        bool in = m["input_price_per_mtok"].get(out.prices.input_per_mtok, kNonNegative);
        bool outp = m["output_price_per_mtok"].get(out.prices.output_per_mtok, kNonNegative);
        if (!m["cached_input_price_per_mtok"].get(out.prices.cached_input_per_mtok, kNonNegative) && in)
            out.prices.cached_input_per_mtok = out.prices.input_per_mtok;
        model.priced = model.priced || in || outp;
    }

    void parse_router(const NodeReader& node, RouterConfig& out) {
        MapReader m = node.map({"name", "plugin", "candidates", "threshold", "config", "shadow", "baseline",
                                "sticky_sessions"});
        if (NodeReader name = m["name"]; name.get(out.name, Text::required)) {
            if (!is_router_name(out.name))
                name.fail("invalid router name '" + out.name + "' (expected lower-case letters, digits and '_': " +
                          "[a-z0-9_]+)");
            else
                router_names_.claim(name, out.name, "router name");
        }
        m["plugin"].get(out.plugin, Text::required);
        parse_candidates(m["candidates"], out.candidates);
        m["threshold"].get(out.threshold, kUnitInterval);
        read_plugin_config(m["config"], out.plugin_config_json);
        parse_shadow(m["shadow"], cfg_, out);
        m["sticky_sessions"].get(out.sticky_sessions);
        parse_baseline(m["baseline"], out.baseline, "strongest");
    }

    // A savings baseline: one of `keyword` and "requested", or a configured model.
    void parse_baseline(const NodeReader& node, std::string& out, std::string_view keyword) {
        if (!node.get(out, Text::non_empty) || out == keyword || out == "requested") return;
        if (!cfg_.find_model(out))
            node.fail("'" + out + "' is neither " + std::string(keyword) + ", requested nor a model (" +
                      list_names(cfg_.models, [](const ModelConfig& mc) { return mc.name; }) + ")");
    }

    void parse_candidates(const NodeReader& node, std::vector<std::string>& out) {
        NameTable seen;
        for (const NodeReader& item : node.list("a list of model names")) {
            std::string name;
            if (!item.get(name, Text::required)) continue;
            const ModelConfig* model = known_model(item, name);
            if (model && !seen.claim(item, model->name, "candidate")) continue;
            out.push_back(name);
        }
        if (out.empty() && node.ok()) node.fail("needs at least one candidate (expected a list of model names)");
    }

    // The model named `name` (or aliased so); an error at `at` when there is none.
    const ModelConfig* known_model(const NodeReader& at, const std::string& name) const {
        const ModelConfig* model = cfg_.find_model(name);
        if (!model)
            at.fail("unknown model '" + name + "' (" +
                    list_names(cfg_.models, [](const ModelConfig& mc) { return mc.name; }) + ")");
        return model;
    }

    void parse_routing(const NodeReader& node, RoutingConfig& out) {
        MapReader m = node.map({"default_model", "default_router", "feedback_ttl_s", "feedback_max_records", "retries", "outlier_detection",
                                "max_request_timeout_ms", "queue", "savings_baseline", "sessions"});
        parse_baseline(m["savings_baseline"], out.savings_baseline, "none");
        m["sessions"].map({"ttl_s"})["ttl_s"].get(out.sessions.ttl_s, 1);
        m["feedback_ttl_s"].get(out.feedback_ttl_s, 1);
        m["feedback_max_records"].get(out.feedback_max_records, 1000);
        m["max_request_timeout_ms"].get(out.max_request_timeout_ms, 1);
        MapReader r = m["retries"].map({"attempts", "backoff_ms", "max_backoff_ms", "budget", "min_per_window"});
        r["attempts"].get(out.retries.attempts, 0);
        r["backoff_ms"].get(out.retries.backoff_ms, 0);
        r["max_backoff_ms"].get(out.retries.max_backoff_ms, 0);
        r["budget"].get(out.retries.budget, kUnitInterval);
        r["min_per_window"].get(out.retries.min_per_window, 0);
        MapReader o = m["outlier_detection"].map({"consecutive_failures", "cooldown_ms", "max_cooldown_ms", "shared",
                                                  "sync_interval_ms"});
        o["shared"].get(out.outliers.shared);
        o["sync_interval_ms"].get(out.outliers.sync_interval_ms, 10);
        o["consecutive_failures"].get(out.outliers.consecutive_failures, 1);
        o["cooldown_ms"].get(out.outliers.cooldown_ms, 1);
        o["max_cooldown_ms"].get(out.outliers.max_cooldown_ms, 1);
        MapReader q = m["queue"].map({"max_wait_ms", "max_length", "max_per_key"});
        q["max_wait_ms"].get(out.queue.max_wait_ms, 0);
        q["max_length"].get(out.queue.max_length, 1);
        q["max_per_key"].get(out.queue.max_per_key, 1);
        if (NodeReader model = m["default_model"]; model.get(out.default_model) && !out.default_model.empty())
            known_model(model, out.default_model);
        NodeReader router = m["default_router"];
        if (router.get(out.default_router) && !out.default_router.empty() && !cfg_.find_router(out.default_router))
            router.fail("unknown router '" + out.default_router + "' (" +
                        list_names(cfg_.routers, [](const RouterConfig& r) { return r.name; }) + ")");
    }

    void parse_auth(const NodeReader& node, AuthConfig& out) {
        MapReader m = node.map({"required", "keys", "admin_key", "key_cache_ttl_ms", "anonymous_paths"});
        m["required"].get(out.required);
        for (const NodeReader& item : m["anonymous_paths"].list("a list of paths such as /v1/models")) {
            std::string path;
            if (!item.get(path, Text::required)) continue;
            if (path != "/v1/models" && path != "/v1/chat/completions" && path != "/chat/completions")
                item.fail("'" + path + "' is not a path that takes client keys (expected /v1/models, " +
                          "/v1/chat/completions or /chat/completions)");
            out.anonymous_paths.push_back(path);
        }
        m["key_cache_ttl_ms"].get(out.key_cache_ttl_ms, 0);
        NodeReader keys = m["keys"];
        NameTable ids;
        NameTable secrets;
        for (const NodeReader& item : keys.list("a list of keys ({key, id, tier, team})")) {
            size_t index = out.keys.size();
            parse_api_key(item, index, out.keys.emplace_back(), ids, secrets);
        }
        if (out.required && out.keys.empty())
            keys.fail("auth.required is true but no keys are configured (expected a list of {key, id, tier, team})");
        NodeReader admin = m["admin_key"];
        if (admin.get(out.admin_key) && !out.admin_key.empty())
            if (const std::string* holder = secrets.claim(out.admin_key, admin.path()))
                admin.fail("must differ from the client keys (same as " + *holder + ")");
        if (!cfg_.server.admin_host.empty() && out.admin_key.empty())
            admin.fail("is required when server.admin_listen is set (the admin listener answers only with it)");
    }

    void parse_policy(const NodeReader& node, PolicyConfig& out) {
        MapReader m = node.map({"name", "file", "on_error", "max_instructions", "max_memory_bytes", "timeout_ms",
                                "cases"});
        NodeReader file = m["file"];
        if (file.get(out.file, Text::required)) {
            out.file = resolve_path(out.file, base_dir_);
            std::error_code ec;
            if (!std::filesystem::is_regular_file(out.file, ec)) file.fail("cannot read policy file '" + out.file + "'");
        }
        std::string stem = std::filesystem::path(out.file).stem().string();
        NodeReader name = m["name"];
        if (!name.get(out.name, Text::non_empty)) out.name = stem;
        policy_names_.claim(name.has_value() ? name : file, out.name, "policy name");
        std::string on_error = "open";
        NodeReader on_error_node = m["on_error"];
        if (on_error_node.get(on_error) && on_error != "open" && on_error != "closed")
            on_error_node.fail("expected 'open' or 'closed', got '" + on_error + "'");
        out.fail_closed = on_error == "closed";
        m["max_instructions"].get(out.max_instructions, 1000);
        m["max_memory_bytes"].get(out.max_memory_bytes, 256 * 1024);
        m["timeout_ms"].get(out.timeout_ms, 1);
        NodeReader cases = m["cases"];
        if (cases.get(out.cases_file, Text::non_empty)) {
            out.cases_file = resolve_path(out.cases_file, base_dir_);
        } else if (!out.file.empty()) {
            std::filesystem::path guess = std::filesystem::path(out.file).replace_filename(stem + "_test.yaml");
            std::error_code ec;
            if (std::filesystem::is_regular_file(guess, ec)) out.cases_file = guess.string();
        }
    }

    // Key ids and team names end up in store keys and logs: letters, digits, '_', '-', '.'.
    static bool check_identifier(const NodeReader& at, const std::string& name, std::string_view what) {
        if (is_identifier(name)) return true;
        at.fail("invalid " + std::string(what) + " '" + name +
                "' (expected up to 64 letters, digits, '_', '-' or '.')");
        return false;
    }

    // Ids default to key-<index>; key values are never echoed in errors.
    void parse_api_key(const NodeReader& node, size_t index, ApiKeyConfig& out, NameTable& ids,
                       NameTable& secrets) {
        MapReader m = node.map({"key", "id", "tier", "team", "labels", "models", "limits", "user_limits"});
        NodeReader key = m["key"];
        if (key.get(out.key, Text::required))
            if (const std::string* holder = secrets.claim(out.key, key.path()))
                key.fail("duplicate key (same as " + *holder + ")");
        NodeReader id = m["id"];
        if (!id.get(out.id, Text::non_empty)) out.id = "key-" + std::to_string(index);
        if (check_identifier(id.has_value() ? id : node, out.id, "key id")) ids.claim(id, out.id, "key id");
        parse_key_settings(m, &cfg_, out);
    }

    Config& cfg_;
    std::filesystem::path base_dir_;
    NameTable provider_names_;
    NameTable model_names_;  // names and aliases
    NameTable router_names_;
    NameTable policy_names_;
};

LoadResult failure(std::string error) { return LoadResult{std::nullopt, std::move(error)}; }

LoadResult parse_documents(std::string_view yaml, const std::string& source_path) {
    YAML::Node root;
    std::string error;
    if (!load_one_document(yaml, root, error)) return failure(std::move(error));
    LoadContext ctx(process_env());
    Config cfg;
    cfg.source_path = source_path;
    ConfigParser parser(cfg, config_dir(source_path));
    parser.parse(NodeReader(ctx, root, ""));
    if (!ctx.ok()) return failure(ctx.error());
    secrets::add(secrets_of(cfg));  // before anything can log or answer with them
    return LoadResult{std::move(cfg), ""};
}

}  // namespace

LoadResult load_config_string(std::string_view yaml, const std::string& source_path) {
    try {
        return parse_documents(yaml, source_path);
    } catch (const YAML::Exception& e) {
        return failure("invalid YAML: " + e.msg + describe_mark(e.mark));
    } catch (const std::exception& e) {
        return failure(std::string("cannot load the config: ") + e.what());
    } catch (...) {
        return failure("cannot load the config: unknown error");
    }
}

LoadResult load_config_file(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        return failure("cannot read config file '" + path + "': it is a directory");
    std::ifstream in(path, std::ios::binary);
    if (!in) return failure("cannot read config file '" + path + "': " + std::strerror(errno));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return failure("cannot read config file '" + path + "': read error");
    return load_config_string(text, path);
}

}  // namespace sy::config
