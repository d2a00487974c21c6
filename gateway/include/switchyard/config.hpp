// Typed gateway configuration, produced by sy::config::load_config_file (config/loader.hpp).
// Every field documents its default; docs/configuration.md is the reference.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sy::config {

struct ServerConfig {
    std::string host = "127.0.0.1";          // server.listen (host part)
    uint16_t port = 8080;                    // server.listen (port part)
    int max_threads = 1024;                  // server.max_threads: workers running handlers (started on demand)
    int min_threads = 0;                     // server.min_threads: workers kept when idle; 0 = one per usable CPU, >= 4
    int max_queued = 256;                    // server.max_queued: complete requests waiting for a worker; 503 above
    int max_connections = 1024;              // server.max_connections: open client connections; 503 above
    int64_t max_body_bytes = 4 * 1024 * 1024;  // server.max_body_bytes: 413 above
    int max_uri_bytes = 8192;                // server.max_uri_bytes: request target; 414 above
    int max_header_bytes = 16 * 1024;        // server.max_header_bytes: all header lines together; 431 above
    int max_header_count = 100;              // server.max_header_count: 431 above
    int request_timeout_ms = 30000;          // server.request_timeout_ms: to receive head and body; 408 after
    int keep_alive_timeout_ms = 15000;       // server.keep_alive_timeout_ms: idle between requests
    int write_timeout_ms = 30000;            // server.write_timeout_ms: one write to a client not reading
    int max_keep_alive_requests = 0;         // server.max_keep_alive_requests: 0 = unlimited
    int drain_timeout_ms = 30000;            // server.drain_timeout_ms: SIGTERM grace
    std::string admin_host;                  // server.admin_listen (host part): a listener of its own
    uint16_t admin_port = 0;                 //   for /admin and the status page; "" = the main one
    bool core_dumps = false;                 // server.core_dumps: false = not dumpable (no core files)
};

struct TimeoutConfig {
    int connect_ms = 5000;       // timeouts.connect_ms
    int first_byte_ms = 60000;   // timeouts.first_byte_ms: until response headers arrive
    int idle_ms = 30000;         // timeouts.idle_ms: between stream chunks
    int total_ms = 600000;       // timeouts.total_ms: whole request
};

// Timeouts a model or a deployment sets over its provider's (unset fields keep the provider's).
struct TimeoutOverrides {
    std::optional<int> connect_ms, first_byte_ms, idle_ms, total_ms;
    void apply_to(TimeoutConfig& t) const {
        if (connect_ms) t.connect_ms = *connect_ms;
        if (first_byte_ms) t.first_byte_ms = *first_byte_ms;
        if (idle_ms) t.idle_ms = *idle_ms;
        if (total_ms) t.total_ms = *total_ms;
    }
};

// Prices in USD per million tokens.
struct Prices {
    double input_per_mtok = 0;         // input_price_per_mtok
    double output_per_mtok = 0;        // output_price_per_mtok
    double cached_input_per_mtok = 0;  // cached_input_price_per_mtok (default: the input price)
};

// Active health checks of a provider: GET <base_url><path> every interval; `failures` failed
// checks in a row take every deployment of the provider out of rotation until one passes.
struct HealthCheckConfig {
    std::string path;            // providers[].health_check.path (e.g. /models, /health); empty = none
    int interval_ms = 5000;      // providers[].health_check.interval_ms
    int timeout_ms = 1000;       // providers[].health_check.timeout_ms: connect + answer
    int failures = 2;            // providers[].health_check.failures: failed checks in a row that count
    std::vector<std::pair<std::string, std::string>> headers;  // providers[].health_check.headers (use ${ENV})
};

// An instance of a provider plugin (e.g. one OpenAI account, one local vLLM).
struct ProviderConfig {
    std::string name;            // providers[].name (unique)
    std::string plugin;          // providers[].plugin: plugin name (e.g. openai, mock)
    std::string base_url;        // providers[].base_url: required for remote providers
    TimeoutConfig timeouts;      // providers[].timeouts
    int max_connections = 64;    // providers[].max_connections: pooled keep-alive connections
    bool tls_verify = true;      // providers[].tls_verify
    std::string tls_ca_file;     // providers[].tls_ca_file: PEM CA bundle trusted instead of the
                                 //   system's ("" = the system's); resolved against the config's directory
    HealthCheckConfig health_check;  // providers[].health_check (remote providers only)
    std::string plugin_config_json = "{}";  // providers[].config as JSON, passed to the plugin
};

// An embedder that calls an embeddings endpoint (embedders[]), for routers configured with it.
struct EmbedderConfig {
    std::string name;            // embedders[].name ([a-z0-9_-]+, not "builtin")
    std::string api = "openai";  // embedders[].api: openai (POST <base_url>/embeddings) | ollama (POST <base_url>/api/embed)
    std::string base_url;        // embedders[].base_url
    std::string api_key;         // embedders[].api_key: sent as Authorization: Bearer (may be empty)
    std::string model;           // embedders[].model
    int dim = 0;                 // embedders[].dim: the vector size the endpoint returns (required)
    int timeout_ms = 1000;       // embedders[].timeout_ms: connect + answer
    int cache_size = 10000;      // embedders[].cache_size: texts kept (LRU); 0 disables
    bool tls_verify = true;      // embedders[].tls_verify
    std::string tls_ca_file;     // embedders[].tls_ca_file (as providers[].tls_ca_file)
};

struct DeploymentConfig {
    std::string provider;        // models[].deployments[].provider (a providers[].name)
    std::string model;           // models[].deployments[].model: upstream model name
                                 //   (default: the model's name)
    double weight = 1.0;         // models[].deployments[].weight
    std::optional<bool> local;   // models[].deployments[].local: serves on this machine or network
                                 //   (default: the provider is in-process or its base_url is loopback)
    int priority = 0;            // models[].deployments[].priority: lower is preferred (balancing: priority)
    int64_t rpm = -1;            // models[].deployments[].rpm: requests per minute it takes (per instance), -1 = no cap
    int64_t tpm = -1;            // models[].deployments[].tpm: tokens per minute it takes (per instance), -1 = no cap
    TimeoutOverrides timeouts;   // models[].deployments[].timeouts: over the model's and the provider's
    Prices prices;               // models[].deployments[].*_price_per_mtok (default: the model's prices)
};

// What budget and limit checks do while the shared store is unreachable.
enum class OnStoreFailure { open, closed, local };

// Output cap assumed for reservations when a model sets no max_output_tokens.
constexpr int64_t kDefaultOutputCap = 4096;

// Budget and rate limits of one level (a key, a team, or each end user of a team).
struct LimitsConfig {
    int64_t budget_nano_usd = -1;   // budget_usd (stored in nano-USD), -1 = no budget
    std::string period = "d";       // period: daily ("d"), monthly ("m"), or a fixed window
                                    //   "<N>s|m|h|d" (stored as "w<seconds>")
    int64_t rpm = -1;               // rpm: requests per minute, -1 = unlimited
    int64_t tpm = -1;               // tpm: tokens (prompt + output) per minute, -1 = unlimited
    int64_t max_concurrent = -1;    // max_concurrent: requests in flight, -1 = unlimited
    std::optional<OnStoreFailure> on_store_failure;  // on_store_failure: this level's degraded mode
                                                     //   (default: state.on_failure)
    bool any() const { return budget_nano_usd >= 0 || rpm >= 0 || tpm >= 0 || max_concurrent >= 0; }
};

struct ModelConfig {
    std::string name;                    // models[].name (unique, not "auto", not router-*)
    double input_price_per_mtok = 0;     // models[].input_price_per_mtok (USD)
    double output_price_per_mtok = 0;    // models[].output_price_per_mtok (USD)
    double cached_input_price_per_mtok = -1;  // models[].cached_input_price_per_mtok (default: input price)
    bool priced = false;                 // a price was configured; unpriced models are counted apart
    int64_t max_output_tokens = 0;       // models[].max_output_tokens: output cap (0 = unknown; budgets
                                         //   and token limits then assume kDefaultOutputCap)
    int64_t context_window = 0;          // models[].context_window: 0 = unknown
    LimitsConfig limits;                 // models[].limits: for all traffic to the model
    std::vector<std::string> aliases;    // models[].aliases
    std::vector<DeploymentConfig> deployments;  // models[].deployments (at least one)
    std::string balancing = "weighted_random";  // models[].balancing: weighted_random | round_robin |
                                                //   least_inflight | lowest_latency | lowest_cost | priority | affinity
    TimeoutOverrides timeouts;           // models[].timeouts: over each provider's timeouts
    bool cache = true;                   // models[].cache: answers of this model may be cached (with cache.backend)
    bool continue_on_failure = false;    // models[].continue_on_failure: a stream cut mid-way continues on
                                         //   another deployment (or a fallback) from the partial answer
    std::vector<std::string> fallbacks;  // models[].fallbacks: models tried in order when every
                                         //   deployment of this one failed (unavailable, rate limited)
                                         //   or its content filter refused
};

// routers[].shadow: a sample of the requests the router sent to another model than the baseline
// is also asked of the baseline, in the background, and the two answers compared (docs/quality.md).
struct ShadowConfig {
    bool enabled = false;          // the key is present
    double sample = 0.1;           // shadow.sample: share of weak-routed requests shadowed (0..1]
    std::string baseline;          // shadow.baseline: a model (default: the router's first candidate)
    double budget_usd = 5;         // shadow.budget_usd: spend on shadows and judges per period
    int64_t period_s = 86400;      // shadow.period: hourly | daily (UTC)
    std::string judge_model;       // shadow.judge.model: asked which answer is better
    bool randomize_order = true;   // shadow.judge.randomize_order: show the answers in random order
    std::string compare;           // shadow.compare: exact | similarity (instead of a judge)
    double min_similarity = 0.9;   // shadow.min_similarity: similarity at or above it is a tie
};

// An instance of a router plugin.
struct RouterConfig {
    std::string name;                      // routers[].name (unique, [a-z0-9_]+, no '-')
    std::string plugin;                    // routers[].plugin
    std::vector<std::string> candidates;   // routers[].candidates: model names, strong first
    std::optional<double> threshold;       // routers[].threshold: default for `auto`
    std::string plugin_config_json = "{}"; // routers[].config as JSON
    ShadowConfig shadow;                   // routers[].shadow
    std::string baseline = "strongest";    // routers[].baseline: strongest | requested | <model name>:
                                           //   the model whose cost savings are measured against
    bool sticky_sessions = false;          // routers[].sticky_sessions: a session keeps its first model
};

// An instance of a guardrail plugin: third-party checks on every chat request and its answer.
struct GuardrailConfig {
    std::string name;                      // guardrails[].name (unique, [a-z0-9_]+)
    std::string plugin;                    // guardrails[].plugin: a loaded guardrail plugin's name
    bool on_request = true;                // guardrails[].on: request | response | both (default both;
    bool on_response = true;               //   a stage the plugin does not check is skipped)
    int64_t timeout_ms = 200;              // guardrails[].timeout_ms: wait for one check at most this long
    bool deny_on_error = false;            // guardrails[].on_error: allow (fail-open, default) | deny
                                           //   (fail-closed) when a check times out or fails
    std::string plugin_config_json = "{}"; // guardrails[].config as JSON
};

struct PluginsConfig {
    std::vector<std::string> search_paths;  // plugins.search_paths: dirs scanned for *.so
                                            //   (default: <binary dir>/../lib/switchyard/plugins)
    std::vector<std::string> load;          // plugins.load: extra .so paths
    std::vector<std::string> allowed_sha256;  // plugins.allowed_sha256: when set, only files with one
                                              //   of these SHA-256 digests (lower-case hex) load
};

struct ApiKeyConfig {
    std::string key;    // auth.keys[].key (use ${ENV}); empty for keys created through the admin API
    std::string id;     // auth.keys[].id: name shown in logs (never the key itself)
    std::string tier;   // auth.keys[].tier
    std::string team;   // auth.keys[].team
    std::vector<std::pair<std::string, std::string>> labels;  // auth.keys[].labels (string map)
    std::vector<std::string> models;  // auth.keys[].models: allowed models (empty = all)
    LimitsConfig limits;              // auth.keys[].limits
    LimitsConfig user_limits;         // auth.keys[].user_limits: per end user (`user` field)
    bool revoked = false;             // admin API keys only
};

struct AuthConfig {
    bool required = false;              // auth.required: false = no key needed
    std::vector<ApiKeyConfig> keys;     // auth.keys
    std::string admin_key;              // auth.admin_key: for /admin (empty = admin disabled)
    std::vector<std::string> anonymous_paths;  // auth.anonymous_paths: paths that need no key even
                                               //   when auth.required (e.g. /v1/models)
    int key_cache_ttl_ms = 2000;        // auth.key_cache_ttl_ms: how long an instance trusts its copy
                                        //   of an admin-API key (revocations reach other instances
                                        //   within this time)
};

struct TeamConfig {
    std::string name;           // teams[].name (keys name it in auth.keys[].team)
    LimitsConfig limits;        // teams[].limits: the whole team
    LimitsConfig user_limits;   // teams[].user_limits: each end user of the team
};

struct RedisConfig {
    std::string host = "127.0.0.1";  // state.redis.address (HOST:PORT)
    int port = 6379;
    std::string username;            // state.redis.username (ACL)
    std::string password;            // state.redis.password (use ${ENV})
    int db = 0;                      // state.redis.db
    int pool_size = 16;              // state.redis.pool_size
    int connect_timeout_ms = 50;     // state.redis.connect_timeout_ms
    int command_timeout_ms = 50;     // state.redis.command_timeout_ms
    bool cluster = false;            // state.redis.cluster: Redis Cluster (address and seeds are
                                     //   nodes to ask for the slot map)
    std::vector<std::string> seeds;  // state.redis.seeds: more HOST:PORT nodes (cluster)
    std::vector<std::string> sentinels;  // state.redis.sentinel.addresses: HOST:PORT of sentinels
    std::string sentinel_master;         // state.redis.sentinel.master: the monitored primary's name
    std::string sentinel_password;       // state.redis.sentinel.password
    bool operator==(const RedisConfig&) const = default;
};

struct StateConfig {
    std::string backend = "memory";            // state.backend: memory | redis
    RedisConfig redis;                          // state.redis
    std::string key_prefix = "sy";              // state.key_prefix
    OnStoreFailure on_failure = OnStoreFailure::open;  // state.on_failure: open | closed | local
    double local_share = 1.0;                   // state.local_share: share of each limit one instance
                                                //   enforces on its own in `local` mode (e.g. 1/N)
    int reservation_ttl_ms = 660000;            // state.reservation_ttl_ms: a vanished request's
                                                //   reservation is released after this
    int budget_view_ttl_ms = 0;                 // state.budget_view_ttl_ms: req.budget from a shared
                                                //   store's read this recent (0: read every time)
    bool operator==(const StateConfig&) const = default;  // a reload tells whether it changed
};

struct RoutingConfig {
    std::string default_model;   // routing.default_model: answers `auto` when no router is set
    std::string default_router;  // routing.default_router: router used for `auto`
    int feedback_ttl_s = 86400;  // routing.feedback_ttl_s: how long a request awaits POST /v1/feedback
    int feedback_max_records = 100000;  // routing.feedback_max_records: in-process store only, read at start
    int max_request_timeout_ms = 600000;  // routing.max_request_timeout_ms: cap of x-switchyard-timeout-ms
    std::string savings_baseline = "requested";  // routing.savings_baseline: requested | none | <model name>:
                                                 //   baseline of requests no router decided
    struct Sessions {
        int ttl_s = 3600;        // routing.sessions.ttl_s: how long a session remembers its model
                                 //   (renewed by every turn that keeps it)
    } sessions;
    struct Retries {
        int attempts = 2;            // routing.retries.attempts: further tries on other deployments
        int backoff_ms = 25;         // routing.retries.backoff_ms: first wait, doubled per retry, with jitter
        int max_backoff_ms = 1000;   // routing.retries.max_backoff_ms
        double budget = 0.2;         // routing.retries.budget: retries at most this share of requests (10 s window)
        int min_per_window = 10;     // routing.retries.min_per_window: retries always allowed per window
    } retries;
    struct Outliers {
        int consecutive_failures = 3;  // routing.outlier_detection.consecutive_failures: ejects a deployment
        int cooldown_ms = 5000;        // routing.outlier_detection.cooldown_ms: first ejection, doubled on repeat
        int max_cooldown_ms = 300000;  // routing.outlier_detection.max_cooldown_ms
        bool shared = true;            // routing.outlier_detection.shared: through a redis state store
        int sync_interval_ms = 500;    // routing.outlier_detection.sync_interval_ms
    } outliers;
    struct Queue {
        int max_wait_ms = 0;     // routing.queue.max_wait_ms: how long a request waits for a deployment
                                 //   when all of its model's cool down or are full (0 = no queue: panic mode)
        int max_length = 1000;   // routing.queue.max_length: requests waiting at once (more get a 503)
        int max_per_key = 100;   // routing.queue.max_per_key: of which one client key may hold
    } queue;
};

// The exact response cache (cache): identical requests to the same served model are answered
// from a stored answer.
// cache.semantic: answers for requests that differ from a stored one only in the wording of the
// last user turn, by the cosine similarity of its embedding.
struct SemanticCacheConfig {
    bool enabled = false;             // cache.semantic.enabled
    double threshold = 0.95;          // cache.semantic.threshold: least cosine similarity of a hit, in (0, 1]
    std::string embedder;             // cache.semantic.embedder: "" (built-in) or a name from embedders[]
    int max_entries = 10000;          // cache.semantic.max_entries: memory backend bound (LRU)
    int max_bucket_entries = 256;     // cache.semantic.max_bucket_entries: entries compared per lookup
};

struct CacheConfig {
    std::string backend = "off";     // cache.backend: off | memory | redis (redis: the state store's server)
    int ttl_s = 3600;                 // cache.ttl_s: how long an answer is kept
    int64_t max_bytes = 64 << 20;     // cache.max_bytes: memory backend size bound (LRU)
    int64_t max_entry_bytes = 1 << 20;  // cache.max_entry_bytes: larger answers are not kept
    bool deterministic_only = true;   // cache.deterministic_only: only requests with temperature 0 or a seed
    std::string scope = "key";        // cache.scope: key | team | global (who shares answers)
    int stampede_wait_ms = 10000;     // cache.stampede_wait_ms: identical requests wait this long for
                                      //   the first one's answer instead of asking upstream too
    SemanticCacheConfig semantic;     // cache.semantic
};

// Kinds of personal data the detectors find (policy/pii_detector.hpp), in PiiKind order.
inline constexpr std::array<std::string_view, 7> kPiiKindNames = {"email",  "phone",       "credit_card", "iban",
                                                                  "secret", "national_id", "ip_address"};

// What happens to a request whose prompt holds a kind of personal data. The strictest action
// of the kinds found wins: deny > local_only > redact > allow.
enum class PiiAction : uint8_t { allow, redact, local_only, deny };
inline constexpr std::array<std::string_view, 4> kPiiActionNames = {"allow", "redact", "local_only", "deny"};

// The data-protection layer (privacy).
struct PrivacyConfig {
    std::array<PiiAction, kPiiKindNames.size()> actions{};  // privacy.actions.<kind> (default allow)
    bool restore = true;                   // privacy.restore: redacted values are put back in the answer
    std::vector<std::string> local_models; // privacy.local_models: tried, in order, for local_only when
                                           //   neither the chosen model nor its fallbacks run locally
    bool any() const {
        for (PiiAction a : actions)
            if (a != PiiAction::allow) return true;
        return false;
    }
};

// One Lua routing policy file (policies[]), evaluated in order.
struct PolicyConfig {
    std::string name;                   // policies[].name (default: the file name without .lua)
    std::string file;                   // policies[].file (relative to the config file)
    bool fail_closed = false;           // policies[].on_error: open (default) or closed
    int64_t max_instructions = 1000000; // policies[].max_instructions per call
    int64_t max_memory_bytes = 8 << 20; // policies[].max_memory_bytes per Lua state
    int timeout_ms = 10;                // policies[].timeout_ms per call (wall clock)
    std::string cases_file;             // policies[].cases: test cases (default <file stem>_test.yaml if present)
};

// OpenTelemetry traces sent as OTLP/HTTP JSON to a collector (telemetry.tracing).
struct TracingConfig {
    std::string endpoint;           // telemetry.tracing.endpoint: collector base URL (spans go to
                                    //   <endpoint>/v1/traces); "" = no tracing (default)
    double sample_ratio = 1.0;      // telemetry.tracing.sample_ratio: share of requests traced that carry
                                    //   no traceparent (a client's sampled flag decides for the others)
    std::string service_name = "switchyard";  // telemetry.tracing.service_name (resource service.name)
    int queue_size = 8192;          // telemetry.tracing.queue_size: spans waiting; more are dropped and counted
    int batch_size = 512;           // telemetry.tracing.batch_size: spans per export call
    int flush_interval_ms = 1000;   // telemetry.tracing.flush_interval_ms
    int timeout_ms = 2000;          // telemetry.tracing.timeout_ms: one export call
    bool tls_verify = true;         // telemetry.tracing.tls_verify
    std::string tls_ca_file;        // telemetry.tracing.tls_ca_file (as providers[].tls_ca_file)
    std::vector<std::pair<std::string, std::string>> headers;  // telemetry.tracing.headers (use ${ENV})
    bool operator==(const TracingConfig&) const = default;
};

struct TelemetryConfig {
    std::string access_log;     // telemetry.access_log.path: "-" = stdout, "" = off (default)
    bool log_prompts = false;   // telemetry.access_log.prompts: add messages and answer, personal data redacted
    int request_traces = 1000;  // telemetry.request_traces: recent requests kept for /admin/requests
    TracingConfig tracing;      // telemetry.tracing
    int budget_refresh_ms = 15000;  // telemetry.metrics.budget_refresh_ms: how often switchyard_budget_used_ratio is read
    std::string metrics_host;       // telemetry.metrics.listen: a second listener serving only /metrics
    uint16_t metrics_port = 0;      //   (and /healthz); "" = none
};

// security.client_base_urls: when a request may name its own upstream (x-switchyard-base-url).
// Off unless allow_hosts is set. Entries are validated at load (config/net_address.hpp).
struct ClientBaseUrlConfig {
    std::vector<std::string> allow_hosts;     // .allow_hosts: host patterns (host, *.domain; :port, :*)
    std::vector<std::string> allow_networks;  // .allow_networks: CIDRs a resolved address may be in
                                              //   although loopback, private, link-local, ... (default none)
    std::vector<std::string> providers;       // .providers: provider instances whose requests may be sent
                                              //   to such a host (with that provider's configured key)
    bool enabled() const { return !allow_hosts.empty(); }
    bool operator==(const ClientBaseUrlConfig&) const = default;
};

struct SecurityConfig {
    ClientBaseUrlConfig client_base_urls;  // security.client_base_urls
};

// Router names are [a-z0-9_]+ so that "router-<name>-<threshold>" splits unambiguously.
bool is_router_name(std::string_view name);

struct Config {
    ServerConfig server;
    PluginsConfig plugins;
    std::vector<ProviderConfig> providers;
    std::vector<EmbedderConfig> embedders;
    std::vector<ModelConfig> models;
    std::vector<RouterConfig> routers;
    std::vector<GuardrailConfig> guardrails;
    RoutingConfig routing;
    AuthConfig auth;
    std::vector<TeamConfig> teams;
    StateConfig state;
    TelemetryConfig telemetry;
    std::vector<PolicyConfig> policies;
    CacheConfig cache;
    PrivacyConfig privacy;
    SecurityConfig security;
    std::string source_path;     // file the config came from (for relative paths)

    const ModelConfig* find_model(std::string_view name) const;   // by name or alias
    const ProviderConfig* find_provider(std::string_view name) const;
    const RouterConfig* find_router(std::string_view name) const;
    const TeamConfig* find_team(std::string_view name) const;
};

}  // namespace sy::config
