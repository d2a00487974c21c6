#include "routing/runtime.hpp"

#include "routing/remote_embedder.hpp"
#include "routing/sessions.hpp"

#include <charconv>
#include <climits>
#include <chrono>
#include <random>

#include <switchyard/log.hpp>
#include <switchyard/tracing.hpp>

#include "policy/pii_detector.hpp"
#include "state/key_store.hpp"
#include "upstream/endpoint.hpp"

namespace sy::routing {
namespace {

using plugin::to_sy_str;

double random_unit() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

bool is_loopback_url(const std::string& url) {
    std::string error;
    auto ep = upstream::parse_base_url(url, error);
    return ep && (ep->host == "127.0.0.1" || ep->host == "localhost" || ep->host == "::1" ||
                  ep->host.starts_with("127."));
}

void attach_metrics(Deployment::Metrics& m, const std::string& model, const std::string& provider) {
    metrics::Gateway& g = metrics::Gateway::get();
    const char* classes[] = {"2xx", "4xx", "5xx", "client_gone"};
    for (size_t k = 0; k < m.requests.size(); ++k) m.requests[k] = &g.requests.with({model, provider, classes[k]});
    const char* directions[] = {"input", "output", "cached"};
    const char* sources[] = {"reported", "estimated"};
    for (size_t d = 0; d < 3; ++d)
        for (size_t s = 0; s < 2; ++s) m.tokens[d][s] = &g.tokens.with({model, provider, directions[d], sources[s]});
    m.cost = &g.cost.with({model, provider});
    m.duration = &g.duration.with({model, provider});
    m.ttft = &g.ttft.with({model, provider});
}

}  // namespace

uint32_t scan_pii(const ChatRequest& req) {
    uint32_t kinds = 0;
    for (const auto& m : req.messages) kinds |= policy::detect_pii(m.text);
    return kinds;
}

bool parse_router_model(std::string_view model, ModelTarget& out, std::string& error) {
    constexpr std::string_view prefix = "router-";
    if (!model.starts_with(prefix)) return false;
    std::string_view rest = model.substr(prefix.size());
    size_t dash = rest.find('-');
    std::string_view name = rest.substr(0, dash);
    out.kind = ModelTarget::Kind::router;
    out.router.assign(name);
    if (!config::is_router_name(name)) {
        error = "model '" + std::string(model) + "' is not of the form router-<name>-<threshold>";
        return true;
    }
    if (dash != std::string_view::npos) {
        std::string_view t = rest.substr(dash + 1);
        double value = 0;
        auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
        if (ec != std::errc() || p != t.data() + t.size() || !(value >= 0.0 && value <= 1.0)) {
            error = "model '" + std::string(model) + "': threshold '" + std::string(t) +
                    "' must be a number from 0 to 1";
            return true;
        }
        out.threshold = value;
    }
    return true;
}

Runtime::Runtime(const config::Config& cfg, std::shared_ptr<const plugin::PluginRegistry> registry)
    : config_(cfg), registry_(std::move(registry)) {}

std::unique_ptr<Runtime> Runtime::build(const config::Config& cfg,
                                        std::shared_ptr<const plugin::PluginRegistry> registry,
                                        std::string& error) {
    std::unique_ptr<Runtime> rt(new Runtime(cfg, std::move(registry)));
    plugin::ConfigDirScope files(plugin::config_dir_of(cfg.source_path));  // plugins' relative file names
    rt->client_targets_ = upstream::ClientTargetPolicy::create(rt->config_.security.client_base_urls,
                                                               rt->config_.providers, error);
    if (!rt->client_targets_) return nullptr;
    if (!rt->build_providers(error) || !rt->build_models(error) || !rt->build_embedders(error) ||
        !rt->build_routers(error) ||
        !rt->build_policies(error))
        return nullptr;
    // Guardrails get the static host table: a check may outlive this runtime (see GuardrailSet).
    rt->guardrails_ = plugin::GuardrailSet::build(rt->config_, *rt->registry_, rt->registry_, plugin::host_api(), error);
    if (!rt->guardrails_) return nullptr;
    for (const auto& k : rt->config_.auth.keys) {
        auto record = std::make_shared<config::ApiKeyConfig>(k);
        record->key.clear();  // the record travels (policies, admin listings); the secret does not
        rt->config_keys_.emplace(state::key_hash(k.key), std::move(record));
    }
    return rt;
}

std::shared_ptr<const config::ApiKeyConfig> Runtime::find_config_key(const std::string& hash) const {
    auto it = config_keys_.find(hash);
    return it == config_keys_.end() ? nullptr : it->second;
}

bool Runtime::build_providers(std::string& error) {
    for (size_t i = 0; i < config_.providers.size(); ++i) {
        const auto& pc = config_.providers[i];
        std::string key = "providers[" + std::to_string(i) + "]";
        const plugin::LoadedPlugin* plugin = registry_->find(pc.plugin);
        if (!plugin) {
            error = key + ".plugin: no loaded plugin named '" + pc.plugin + "'" + registry_->refusal_of(pc.plugin);
            return false;
        }
        std::string why;
        auto inst = plugin::ProviderInstance::create(*plugin, pc, why);
        if (!inst) {
            error = key + ": " + why;
            return false;
        }
        if (!inst->is_local()) {
            auto ep = upstream::parse_base_url(pc.base_url, why);
            if (!ep) {
                error = key + ".base_url: " + why;
                return false;
            }
            auto tls = upstream::tls_for(*ep, {pc.tls_verify, pc.tls_ca_file}, why);
            if (ep->tls && !tls) {
                error = key + "." + why;
                return false;
            }
            pools_.emplace(pc.name, std::make_unique<upstream::ConnectionPool>(*ep, pc.max_connections, std::move(tls)));
        }
        providers_.emplace(pc.name, std::move(inst));
    }
    return true;
}

bool Runtime::build_models(std::string& error) {
    for (size_t i = 0; i < config_.models.size(); ++i) {
        const auto& mc = config_.models[i];
        auto model = std::make_unique<Model>();
        model->config = &mc;
        for (size_t d = 0; d < mc.deployments.size(); ++d) {
            const auto& dc = mc.deployments[d];
            auto it = providers_.find(dc.provider);
            if (it == providers_.end()) {
                error = "models[" + std::to_string(i) + "].deployments[" + std::to_string(d) +
                        "].provider: unknown provider '" + dc.provider + "'";
                return false;
            }
            auto pool = pools_.find(dc.provider);
            const plugin::ProviderInstance* prov = it->second.get();
            bool local = dc.local.value_or(prov->is_local() || is_loopback_url(prov->config().base_url));
            Deployment dep{&dc, prov, pool == pools_.end() ? nullptr : pool->second.get(), local,
                           &health_of(dc.provider, dc.model), prov->config().timeouts, {}};
            mc.timeouts.apply_to(dep.timeouts);
            dc.timeouts.apply_to(dep.timeouts);
            attach_metrics(dep.metrics, mc.name, dc.provider);
            model->deployments.push_back(dep);
            model->total_weight += dc.weight;
        }
        for (const auto& fb : mc.fallbacks)
            if (!config_.find_model(fb) || fb == mc.name) {
                error = "models[" + std::to_string(i) + "].fallbacks: '" + fb + "' is not another configured model";
                return false;
            }
        model_index_.emplace(mc.name, model.get());
        for (const auto& alias : mc.aliases) model_index_.emplace(alias, model.get());
        models_.push_back(std::move(model));
    }
    return true;
}

bool make_embedders(const config::Config& cfg, embed::EmbedderSet& out, std::string& error) {
    for (size_t i = 0; i < cfg.embedders.size(); ++i) {
        const config::EmbedderConfig& ec = cfg.embedders[i];
        std::string why;
        auto e = RemoteEmbedder::create(ec, why);
        if (!e) {
            error = "embedders[" + std::to_string(i) + "]." + why;
            return false;
        }
        out.add(ec.name, std::move(e));
    }
    return true;
}

bool Runtime::build_embedders(std::string& error) {
    router_host_ = plugin::host_api_for(&embedders_);
    return make_embedders(config_, embedders_, error);
}

bool Runtime::build_routers(std::string& error) {
    for (size_t i = 0; i < config_.routers.size(); ++i) {
        const auto& rc = config_.routers[i];
        std::string key = "routers[" + std::to_string(i) + "]";
        const plugin::LoadedPlugin* plugin = registry_->find(rc.plugin);
        if (!plugin) {
            error = key + ".plugin: no loaded plugin named '" + rc.plugin + "'" + registry_->refusal_of(rc.plugin);
            return false;
        }
        Router router;
        for (const auto& name : rc.candidates) {
            const Model* m = find_model(name);
            if (!m) {
                error = key + ".candidates: unknown model '" + name + "'";
                return false;
            }
            router.models.push_back(m);
            sy_candidate c{};
            c.struct_size = sizeof c;
            c.name = to_sy_str(m->config->name);
            c.input_price_per_mtok = m->config->input_price_per_mtok;
            c.output_price_per_mtok = m->config->output_price_per_mtok;
            c.context_window = m->config->context_window;
            c.healthy = 1;
            router.candidates.push_back(c);
        }
        std::string why;
        router.instance = plugin::RouterInstance::create(*plugin, rc, why, &router_host_);
        if (!router.instance) {
            error = key + ": " + why;
            return false;
        }
        // A router that scores must know every candidate (trained routers refuse unknown models).
        if (std::string bad = router.instance->check_candidates(router.candidates); !bad.empty()) {
            error = key + ": router '" + rc.name + "': " + bad;
            return false;
        }
        router.decision_time = &metrics::Gateway::get().router_duration.with({rc.name});
        routers_.emplace(rc.name, std::move(router));
    }
    return true;
}

bool Runtime::build_policies(std::string& error) {
    if (config_.policies.empty()) return true;
    policy::Catalog catalog;
    catalog.model = [this](std::string_view name) -> std::optional<policy::ModelInfo> {
        const Model* m = find_model(name);
        if (!m) return std::nullopt;
        policy::ModelInfo info{m->config->input_price_per_mtok, m->config->output_price_per_mtok,
                               m->config->context_window, false, !m->deployments.empty()};
        for (const auto& d : m->deployments) info.local = info.local || d.local;
        return info;
    };
    catalog.router_exists = [this](std::string_view name) { return routers_.find(name) != routers_.end(); };
    std::string why;
    policies_ = policy::PolicySet::load(config_.policies, std::move(catalog), why);
    if (!policies_) {
        error = "policies: " + why;
        return false;
    }
    return true;
}

const Model* Runtime::find_model(std::string_view name) const {
    auto it = model_index_.find(name);
    return it == model_index_.end() ? nullptr : it->second;
}

namespace {

const Deployment* by_weight(const std::vector<const Deployment*>& pool) {
    double total = 0;
    for (const Deployment* d : pool) total += d->config->weight;
    double x = random_unit() * total;
    for (const Deployment* d : pool) {
        x -= d->config->weight;
        if (x < 0) return d;
    }
    return pool.back();
}

// Keeps the deployments whose score is at most `ratio` times the lowest.
template <typename Score>
void keep_lowest(std::vector<const Deployment*>& pool, Score score, double ratio = 1.0) {
    double least = INFINITY;
    for (const Deployment* d : pool) least = std::min(least, static_cast<double>(score(*d)));
    std::erase_if(pool, [&](const Deployment* d) { return static_cast<double>(score(*d)) > least * ratio; });
}

uint64_t mix64(uint64_t x) {  // splitmix64's finaliser
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint64_t fnv1a(std::string_view text, uint64_t h = 0xcbf29ce484222325ULL) {
    for (unsigned char c : text) h = (h ^ c) * 0x100000001b3ULL;
    return h;
}

// Weighted rendezvous hashing: every instance ranks a key's deployments the same way, and a
// deployment that drops out moves only the keys it held (they come back when it does).
const Deployment* by_affinity(const std::vector<const Deployment*>& pool, std::string_view key) {
    const uint64_t base = fnv1a(key);
    const Deployment* best = nullptr;
    double best_score = -1;
    for (const Deployment* d : pool) {
        uint64_t h = mix64(fnv1a(d->config->model, fnv1a(d->config->provider, base)));
        double u = (static_cast<double>(h >> 11) + 0.5) / 9007199254740992.0;  // in (0, 1)
        double score = d->config->weight / -std::log(u);
        if (score > best_score) best = d, best_score = score;
    }
    return best;
}

// One of the eligible deployments (`pool`, not empty) by the model's balancing.
const Deployment* choose(const Model& model, std::vector<const Deployment*>& pool, const Pick& pick) {
    const std::string& how = model.config->balancing;
    if (how == "round_robin")  // the turn counter lives with the first deployment's health
        return pool[model.deployments.front().health->turn.fetch_add(1, std::memory_order_relaxed) % pool.size()];
    if (how == "least_inflight") {
        keep_lowest(pool, [](const Deployment& d) { return d.health->inflight.load(std::memory_order_relaxed); });
    } else if (how == "lowest_latency") {
        // Unmeasured deployments (new, or back from an ejection) go first; one request in 20
        // explores by weight so that a slow deployment that got faster is noticed.
        auto expected = [&](const Deployment& d) { return d.health->latency.expected_us(pick.output_tokens); };
        if (std::any_of(pool.begin(), pool.end(), [&](const Deployment* d) { return expected(*d) < 0; }))
            std::erase_if(pool, [&](const Deployment* d) { return expected(*d) >= 0; });
        else if (random_unit() >= 0.05)
            keep_lowest(pool, expected, 1.1);
    } else if (how == "lowest_cost") {
        keep_lowest(pool, [&](const Deployment& d) {
            return static_cast<double>(pick.input_tokens) * d.config->prices.input_per_mtok +
                   static_cast<double>(pick.output_tokens) * d.config->prices.output_per_mtok;
        });
    } else if (how == "priority") {
        keep_lowest(pool, [](const Deployment& d) { return d.config->priority; });
    } else if (how == "affinity" && !pick.affinity.empty()) {
        return by_affinity(pool, pick.affinity);
    }
    return by_weight(pool);
}

bool at_capacity(const Deployment& d, const Pick& pick, int64_t now) {
    const config::DeploymentConfig& c = *d.config;
    if (c.rpm >= 0 && d.health->requests_per_minute.count(now) >= c.rpm) return true;
    if (c.tpm < 0) return false;
    int64_t used = d.health->tokens_per_minute.count(now);
    return used > 0 && used + pick.input_tokens + pick.output_tokens > c.tpm;
}

}  // namespace

bool Runtime::is_open(const Deployment& d, const Pick& pick) {
    const int64_t now = steady_now_ms();
    return d.health->wait_ms(now) == 0 && !at_capacity(d, pick, now);
}

const Deployment* Runtime::pick_deployment(const Model& model, const Pick& pick) {
    const int64_t now = steady_now_ms();
    std::vector<const Deployment*> probing;  // past their cooldown, but another request probes them
    bool cooling = false;
    auto eligible = [&](const Deployment& d) {
        if (pick.local_only && !d.local) return false;
        if (pick.tried && std::find(pick.tried->begin(), pick.tried->end(), &d) != pick.tried->end()) return false;
        if (std::find(probing.begin(), probing.end(), &d) != probing.end() || d.health->wait_ms(now) > 0)
            return (cooling = true, false);
        return !at_capacity(d, pick, now);
    };
    std::vector<const Deployment*> pool;
    // A deployment past its cooldown admits one probe: another request may take it first.
    for (size_t round = 0; round < model.deployments.size(); ++round) {
        pool.clear();
        for (const auto& d : model.deployments)
            if (eligible(d)) pool.push_back(&d);
        if (pool.empty()) break;
        const Deployment* chosen = choose(model, pool, pick);
        if (chosen->health->available(now)) return chosen;
        probing.push_back(chosen);
    }
    if (pick.tried) return nullptr;
    // Panic mode (as Envoy does): when every deployment cools down or is full, a first attempt
    // goes to them all by weight anyway, so that a model with one deployment degrades to no
    // breaker at all rather than to refusing everything.
    pool.clear();
    for (const auto& d : model.deployments)
        if (!pick.local_only || d.local) pool.push_back(&d);
    if (pool.empty()) return nullptr;
    static metrics::Series& panic = metrics::Gateway::get().fallbacks.with({"all_deployments_cooling_down"});
    static metrics::Series& full = metrics::Gateway::get().fallbacks.with({"all_deployments_at_capacity"});
    (cooling ? panic : full).inc();
    return by_weight(pool);
}

std::vector<const Model*> Runtime::fallbacks_of(const Model& model) const {
    std::vector<const Model*> out;
    for (const auto& name : model.config->fallbacks)
        if (const Model* m = find_model(name)) out.push_back(m);
    return out;
}

namespace {

// switchyard_routing_decisions_total by where the decision came from.
void count_decision(const RouteDecision& d) {
    static const char* const kSources[] = {"model", "default", "router", "policy", "fallback"};
    static const std::array<metrics::Series*, 5> series = [] {
        std::array<metrics::Series*, 5> out{};
        for (size_t i = 0; i < out.size(); ++i) out[i] = &metrics::Gateway::get().routing_decisions.with({kSources[i]});
        return out;
    }();
    const std::string_view source = decision_source(d.reason);
    for (size_t i = 0; i < series.size(); ++i)
        if (source == kSources[i]) return series[i]->inc();
}

}  // namespace

const char* decision_source(std::string_view r) {
    return r.starts_with("policy:")     ? "policy"
           : r.starts_with("router:")   ? "router"
           : r.starts_with("default:")  ? "default"
           : r.starts_with("fallback:") ? "fallback"
                                        : "model";
}

std::optional<ApiError> Runtime::route(const ChatRequest& req, const std::string& request_id,
                                       const RouteContext& ctx, RouteDecision& out) const {
    out.input_tokens = req.prompt_tokens;
    out.output_tokens = req.max_tokens > 0 ? req.max_tokens : kAssumedOutputTokens;
    std::optional<ApiError> err = route_unmetered(req, request_id, ctx, out);
    if (err) return err;
    if (out.sticky) keep_session(*this, req, ctx, out);
    count_decision(out);
    return err;
}

std::optional<ApiError> Runtime::route_unmetered(const ChatRequest& req, const std::string& request_id,
                                                 const RouteContext& ctx, RouteDecision& out) const {
    if (!has_policies()) return route_by_model_name(req, request_id, out);
    static const std::vector<std::pair<std::string, std::string>> kNoHeaders;
    const bool lazy_pii = !ctx.pii && ctx.pii_source;
    policy::PolicyInput input{req,
                              ctx.headers ? *ctx.headers : kNoHeaders,
                              ctx.key,
                              ctx.budget_spent_usd,
                              ctx.budget_limit_usd,
                              ctx.pii ? *ctx.pii : lazy_pii ? 0u : scan_pii(req),
                              ctx.unix_time,
                              ctx.budget_source,
                              lazy_pii ? ctx.pii_source : nullptr,
                              ctx.headers ? nullptr : ctx.headers_source};
    tracing::SpanScope span("switchyard.policy");
    auto t0 = std::chrono::steady_clock::now();
    policy::Outcome outcome = policies_->evaluate(input);
    if (!outcome.error.empty()) span.fail(outcome.error);
    if (!outcome.policy.empty()) span.set("switchyard.policy", outcome.policy);
    static metrics::Histogram& policy_time = metrics::Gateway::get().policy_duration.with({});
    policy_time.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    return apply_policy(outcome, req, request_id, out);
}

std::optional<ApiError> Runtime::apply_policy(const policy::Outcome& outcome, const ChatRequest& req,
                                              const std::string& request_id, RouteDecision& out) const {
    if (!outcome.error.empty())
        return ApiError{503, "policy_error", "policy_failed", "Routing policy failed: " + outcome.error, {}, {}};
    if (!outcome.decision) return route_by_model_name(req, request_id, out);
    const policy::Decision& d = *outcome.decision;
    if (d.deny) return ApiError{d.deny_status, "permission_error", "policy_denied", *d.deny, {}, {}};
    std::string reason = "policy:" + outcome.policy + (d.reason.empty() ? "" : " " + d.reason);
    std::optional<ApiError> err;
    if (!d.router.empty()) {
        const Router& r = routers_.at(d.router);
        double threshold = d.threshold.value_or(r.instance->config().threshold.value_or(std::nan("")));
        err = route_with_router(r, threshold, req, request_id, out, d.candidates.empty() ? nullptr : &d.candidates);
        if (!err) reason += " -> " + out.reason;
    } else if (!d.model.empty()) {
        out.model = find_model(d.model);
        out.deployment = pick_deployment(*out.model, pick_of(out));
    } else {
        err = route_by_model_name(req, request_id, out);
        if (!err && out.reason != "model") reason += " -> " + out.reason;
    }
    if (err) return err;
    out.reason = std::move(reason);
    out.policy = outcome.policy;
    out.labels = d.labels;
    out.fallbacks = d.fallbacks;
    out.pii_overrides = d.pii_actions;
    out.sticky = out.sticky || d.sticky;
    out.session_key = d.session;
    if (d.local_only) {
        if (auto local = restrict_to_local(out, "Policy '" + outcome.policy + "' requires")) return local;
        out.reason += " local_only";
    }
    return std::nullopt;
}

std::optional<ApiError> Runtime::restrict_to_local(RouteDecision& out, const std::string& why) const {
    out.local_only = true;
    out.deployment = pick_deployment(*out.model, pick_of(out));
    if (out.deployment) return std::nullopt;
    std::vector<std::string_view> next(out.fallbacks.begin(), out.fallbacks.end());
    next.insert(next.end(), out.model->config->fallbacks.begin(), out.model->config->fallbacks.end());
    next.insert(next.end(), config_.privacy.local_models.begin(), config_.privacy.local_models.end());
    const Model* chosen = out.model;
    for (std::string_view name : next) {
        const Model* m = find_model(name);
        if (!m || m == chosen) continue;
        out.deployment = pick_deployment(*m, pick_of(out));
        if (!out.deployment) continue;
        out.model = m;
        static metrics::Series& no_local = metrics::Gateway::get().fallbacks.with({"no_local_deployment"});
        no_local.inc();
        return std::nullopt;
    }
    return ApiError{403, "permission_error", "no_local_deployment",
                    why + " a local model and none of the chosen models has a local deployment", {}, {}};
}

std::optional<ApiError> Runtime::route_by_model_name(const ChatRequest& req, const std::string& request_id,
                                                     RouteDecision& out) const {
    if (const Model* m = find_model(req.model)) {
        out.model = m;
        out.deployment = pick_deployment(*m, pick_of(out));
        out.reason = "model";
        return std::nullopt;
    }
    ModelTarget target;
    std::string error;
    if (parse_router_model(req.model, target, error)) {
        if (!error.empty()) return ApiError::bad_request(error, "model", "invalid_model");
        auto it = routers_.find(target.router);
        if (it == routers_.end()) return ApiError::not_found_model(req.model);
        double threshold = target.threshold;
        if (std::isnan(threshold) && it->second.instance->config().threshold)
            threshold = *it->second.instance->config().threshold;
        return route_with_router(it->second, threshold, req, request_id, out);
    }
    if (req.model == "auto") {
        const auto& routing = config_.routing;
        if (!routing.default_router.empty()) {
            const Router& r = routers_.at(routing.default_router);
            double threshold = r.instance->config().threshold.value_or(std::nan(""));
            return route_with_router(r, threshold, req, request_id, out);
        }
        const Model* m = !routing.default_model.empty() ? find_model(routing.default_model)
                         : models_.size() == 1          ? models_.front().get()
                                                        : nullptr;
        if (!m)
            return ApiError::bad_request(
                "model 'auto' is not enabled: set routing.default_router or routing.default_model", "model",
                "model_not_found");
        out.model = m;
        out.deployment = pick_deployment(*m, pick_of(out));
        out.reason = "default:" + m->config->name;
        return std::nullopt;
    }
    return ApiError::not_found_model(req.model);
}

std::optional<ApiError> Runtime::route_with_router(const Router& router, double threshold,
                                                   const ChatRequest& req, const std::string& request_id,
                                                   RouteDecision& out, const std::vector<std::string>* only) const {
    sy_request_view view = plugin::make_request_view(req, request_id);
    // A policy may narrow the router's candidates to a subset.
    std::vector<sy_candidate> subset;
    std::vector<const Model*> subset_models;
    if (only) {
        for (size_t i = 0; i < router.models.size(); ++i) {
            for (const auto& name : *only) {
                if (find_model(name) != router.models[i]) continue;
                subset.push_back(router.candidates[i]);
                subset_models.push_back(router.models[i]);
            }
        }
        if (subset.empty())
            return ApiError{500, "policy_error", "invalid_candidates",
                            "policy candidates are not candidates of router '" + router.instance->config().name + "'",
                            {}, {}};
    }
    const auto& cands = only ? subset : router.candidates;
    const auto& models = only ? subset_models : router.models;
    tracing::SpanScope span("switchyard.router");
    span.set("switchyard.router", router.instance->config().name);
    auto t0 = std::chrono::steady_clock::now();
    plugin::RouteResult result = router.instance->route(view, cands, threshold);
    if (router.decision_time)
        router.decision_time->observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    if (!result.error.empty()) {
        span.fail(result.error);
        // A failing router must not take the request down: use its first (strongest) candidate.
        log::warn("router", "router '" + router.instance->config().name + "' failed: " + result.error);
        static metrics::Series& router_error = metrics::Gateway::get().fallbacks.with({"router_error"});
        router_error.inc();
        out.model = models.front();
        out.reason = "fallback:router " + router.instance->config().name + " failed";
    } else {
        out.model = models[result.choices.front().candidate_index];
        out.reason = "router:" + router.instance->config().name + " " + result.reason;
        out.memo = std::move(result.memo);
        out.scores.clear();
        for (const auto& c : result.choices)
            if (c.candidate_index < models.size()) out.scores.emplace_back(models[c.candidate_index], c.score);
        if (span.active()) {
            span.set("switchyard.router.choice", out.model->config->name);
            std::string scores;  // "strong=0.61,weak=0.39", best first
            for (const auto& [m, score] : out.scores)
                scores += (scores.empty() ? "" : ",") + m->config->name + "=" + std::to_string(score);
            span.set("switchyard.router.scores", scores);
        }
    }
    out.router = router.instance->config().name;
    out.sticky = out.sticky || router.instance->config().sticky_sessions;
    out.deployment = pick_deployment(*out.model, pick_of(out));
    return std::nullopt;
}

}  // namespace sy::routing
