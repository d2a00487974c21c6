// Everything built from one config generation: provider and router instances, upstream pools,
// the model table, and the routing decision for a request. Immutable once built, so worker
// threads share it without locks; a reload builds a new one and swaps it in.
#pragma once

#include <array>
#include <functional>
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <switchyard/api_error.hpp>
#include <switchyard/chat_request.hpp>
#include <switchyard/config.hpp>
#include <switchyard/embedder.hpp>
#include <switchyard/metrics.hpp>
#include <switchyard/state_store.hpp>

#include "plugin/guardrail_set.hpp"
#include "plugin/instances.hpp"
#include "policy/pii_plan.hpp"
#include "policy/policy_set.hpp"
#include "routing/deployment_health.hpp"
#include "plugin/plugin_registry.hpp"
#include "upstream/client_target.hpp"
#include "upstream/connection_pool.hpp"

namespace sy::routing {

struct Deployment {
    const config::DeploymentConfig* config;
    const plugin::ProviderInstance* provider;
    upstream::ConnectionPool* pool;  // nullptr for local providers
    bool local;                      // on this machine or network (local_only decisions may use it)
    DeploymentHealth* health = nullptr;  // outlier detection (shared by reloads and requests)
    config::TimeoutConfig timeouts;      // the provider's, under the model's and the deployment's overrides
    // Series of this model and provider, looked up once when the runtime is built.
    struct Metrics {
        std::array<metrics::Series*, 4> requests{};             // 2xx, 4xx, 5xx, client_gone
        std::array<std::array<metrics::Series*, 2>, 3> tokens{}; // [input|output|cached][reported|estimated]
        metrics::Series* cost = nullptr;
        metrics::Histogram* duration = nullptr;
        metrics::Histogram* ttft = nullptr;
    } metrics;
};

struct Model {
    const config::ModelConfig* config;
    std::vector<Deployment> deployments;
    double total_weight = 0;
};

struct Router {
    std::unique_ptr<plugin::RouterInstance> instance;
    std::vector<const Model*> models;        // candidates, strong first
    std::vector<sy_candidate> candidates;    // same order, handed to the plugin
    metrics::Histogram* decision_time = nullptr;  // switchyard_router_decision_seconds{router}
};

struct RouteDecision {
    const Model* model = nullptr;
    const Deployment* deployment = nullptr;
    std::string reason;   // x-switchyard-route, e.g. "model" or "router:random p=0.50 -> weak"
    std::vector<std::pair<std::string, std::string>> labels;  // from policies
    std::vector<std::string> fallbacks;                       // from policies, in order
    // For the request trace: the router that ranked the candidates and its scores, best first.
    std::string router;
    std::vector<std::pair<const Model*, double>> scores;
    std::string memo;  // the router's note, kept with the request for POST /v1/feedback
    std::string policy;  // the policy whose decision routed the request ("" when none did)
    bool local_only = false;  // a policy's privacy route: retries and fallbacks stay local too
    std::string affinity;     // session key for affinity balancing (x-session-id, else `user`)
    int64_t input_tokens = 0;   // prompt estimate (capacity, lowest_cost)
    int64_t output_tokens = 0;  // expected output: max_tokens, else an assumed answer length
    int attempts = 0;           // upstream calls made for the request (retries, fallbacks, continuations)
    policy::PiiOverrides pii_overrides{};  // decision.pii of the policies: replaces privacy.actions
    // Sticky sessions (routing/sessions.hpp).
    bool sticky = false;               // routers[].sticky_sessions or decision.sticky asked for it
    std::string session_key;           // decision.session
    std::string session;               // hash of the session when it was kept or remembered
    const Model* session_model = nullptr;  // the remembered model a kept session was routed to
};

// What choosing a deployment of a model takes into account.
struct Pick {
    bool local_only = false;
    const std::vector<const Deployment*>* tried = nullptr;  // never these; null when none is left
    std::string_view affinity;  // affinity balancing: the same key sticks to the same deployment
    int64_t input_tokens = 0;   // tokens the request will use: TPM capacity, lowest_cost and
    int64_t output_tokens = 0;  //   lowest_latency
};

inline Pick pick_of(const RouteDecision& d, const std::vector<const Deployment*>* tried = nullptr) {
    return {d.local_only, tried, d.affinity, d.input_tokens, d.output_tokens};
}

// Output tokens an answer is expected to have when the request sets no max_tokens.
constexpr int64_t kAssumedOutputTokens = 256;

// What routing needs from the HTTP request beyond the body (for policies).
struct RouteContext {
    const std::vector<std::pair<std::string, std::string>>* headers = nullptr;  // lower-cased
    const config::ApiKeyConfig* key = nullptr;
    int64_t unix_time = 0;
    double budget_spent_usd = 0;  // the key's budget (policy test cases set these)
    double budget_limit_usd = 0;
    const std::function<void(double&, double&)>* budget_source = nullptr;  // reads them lazily
    std::optional<uint32_t> pii;  // kinds of personal data in the messages, when the caller scanned them
    const std::function<uint32_t()>* pii_source = nullptr;  // else: scans them when a policy reads req.pii
    // Else (headers null): builds them when a policy reads req.headers.
    const std::function<const std::vector<std::pair<std::string, std::string>>&()>* headers_source = nullptr;
    state::Store* store = nullptr;  // where sticky sessions are remembered (none: not sticky)
    std::string session_header;     // x-session-id
};

// Where a decision came from, as switchyard_routing_decisions_total{source} counts it: model,
// default, router, policy or fallback (the route reason's prefix).
const char* decision_source(std::string_view reason);

// Which kinds of personal data (bit set of policy::PiiKind) appear in the prompt's messages.
uint32_t scan_pii(const ChatRequest& req);

// What a requested model name means.
struct ModelTarget {
    enum class Kind { model, router, auto_route } kind = Kind::model;
    std::string router;             // for router targets
    double threshold = std::nan("");  // from router-<name>-<threshold>, NaN when absent
};

// The embedders a config offers (built-in plus embedders[]); for commands that embed without a
// runtime (train). Returns false with an error naming the key.
bool make_embedders(const config::Config& cfg, embed::EmbedderSet& out, std::string& error);

// Parses "router-<name>[-<threshold>]"; false for other names. Sets error on a malformed one.
bool parse_router_model(std::string_view model, ModelTarget& out, std::string& error);

class Runtime {
public:
    // Creates every provider and router instance. On failure returns nullptr with an error that
    // names the config key.
    static std::unique_ptr<Runtime> build(const config::Config& cfg,
                                          std::shared_ptr<const plugin::PluginRegistry> registry,
                                          std::string& error);

    const config::Config& config() const { return config_; }
    const plugin::PluginRegistry& plugins() const { return *registry_; }
    uint64_t generation() const { return generation_; }
    void set_generation(uint64_t g) { generation_ = g; }

    // Runs the policies, then chooses model and deployment; an error is the client's answer.
    std::optional<ApiError> route(const ChatRequest& req, const std::string& request_id, const RouteContext& ctx,
                                  RouteDecision& out) const;
    // True when requests need message details, headers and PII scanning (policies exist).
    bool has_policies() const { return policies_ && !policies_->empty(); }
    // True when requests are scanned for personal data (policies, or privacy actions).
    bool scans_pii() const { return has_policies() || config_.privacy.any(); }
    const policy::PolicySet* policies() const { return policies_.get(); }
    // The guardrails every chat request goes through (maybe none).
    const plugin::GuardrailSet& guardrails() const { return *guardrails_; }

    const Model* find_model(std::string_view name) const;
    // A deployment of the model to send a request to, by its balancing among those neither cooling
    // down, nor at capacity, nor in `tried`. Without `tried`, when none is left, any of them by
    // weight (panic mode); with it, null.
    static const Deployment* pick_deployment(const Model& model, const Pick& pick = {});
    // May a request go to this deployment now: not cooling down and not at its rpm/tpm?
    static bool is_open(const Deployment& d, const Pick& pick);
    // The models to try when every deployment of `model` failed, in order.
    std::vector<const Model*> fallbacks_of(const Model& model) const;
    // Keeps a routed request on local deployments (the privacy route): the chosen model's, else
    // those of the decision's fallbacks, the model's fallbacks and privacy.local_models, in order.
    // `why` says who asked, for the error when none of them runs locally.
    std::optional<ApiError> restrict_to_local(RouteDecision& out, const std::string& why) const;
    // The config key whose SHA-256 is `hash` (its record without the secret), or null.
    std::shared_ptr<const config::ApiKeyConfig> find_config_key(const std::string& hash) const;
    const std::map<std::string, Router, std::less<>>& routers() const { return routers_; }
    const std::vector<std::unique_ptr<Model>>& models() const { return models_; }
    // The built-in embedder and those of embedders[] (routers, the semantic cache).
    const embed::EmbedderSet& embedders() const { return embedders_; }
    // security.client_base_urls, compiled (x-switchyard-base-url).
    const upstream::ClientTargetPolicy& client_targets() const { return *client_targets_; }
    // The connection pool of a remote provider instance, or null.
    upstream::ConnectionPool* pool_of(std::string_view provider) const {
        auto it = pools_.find(provider);
        return it == pools_.end() ? nullptr : it->second.get();
    }

private:
    Runtime(const config::Config& cfg, std::shared_ptr<const plugin::PluginRegistry> registry);
    bool build_providers(std::string& error);
    bool build_models(std::string& error);
    bool build_embedders(std::string& error);
    bool build_routers(std::string& error);
    bool build_policies(std::string& error);
    std::optional<ApiError> route_unmetered(const ChatRequest& req, const std::string& request_id,
                                            const RouteContext& ctx, RouteDecision& out) const;
    std::optional<ApiError> route_by_model_name(const ChatRequest& req, const std::string& request_id,
                                                RouteDecision& out) const;
    std::optional<ApiError> apply_policy(const policy::Outcome& outcome, const ChatRequest& req,
                                         const std::string& request_id, RouteDecision& out) const;
    std::optional<ApiError> route_with_router(const Router& router, double threshold, const ChatRequest& req,
                                              const std::string& request_id, RouteDecision& out,
                                              const std::vector<std::string>* only = nullptr) const;

    config::Config config_;
    std::shared_ptr<const plugin::PluginRegistry> registry_;
    uint64_t generation_ = 0;
    std::map<std::string, std::unique_ptr<plugin::ProviderInstance>, std::less<>> providers_;
    std::map<std::string, std::unique_ptr<upstream::ConnectionPool>, std::less<>> pools_;
    std::unique_ptr<upstream::ClientTargetPolicy> client_targets_;
    std::vector<std::unique_ptr<Model>> models_;
    std::map<std::string, const Model*, std::less<>> model_index_;  // names and aliases
    // Declared before the routers: their instances use these embedders until destroyed.
    embed::EmbedderSet embedders_;
    sy_host_api router_host_{};                       // host_api_for(&embedders_)
    std::map<std::string, Router, std::less<>> routers_;
    std::unique_ptr<policy::PolicySet> policies_;
    std::unique_ptr<plugin::GuardrailSet> guardrails_;
    std::unordered_map<std::string, std::shared_ptr<const config::ApiKeyConfig>> config_keys_;  // by SHA-256
};

}  // namespace sy::routing
