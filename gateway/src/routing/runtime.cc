#include "routing/runtime.hpp"

#include <charconv>
#include <random>

#include "upstream/endpoint.hpp"

namespace sy::routing {
namespace {

sy_str str(std::string_view s) { return {s.data(), s.size()}; }

double random_unit() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

bool is_router_name(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    return true;
}

}  // namespace

bool parse_router_model(std::string_view model, ModelTarget& out, std::string& error) {
    constexpr std::string_view prefix = "router-";
    if (!model.starts_with(prefix)) return false;
    std::string_view rest = model.substr(prefix.size());
    size_t dash = rest.find('-');
    std::string_view name = rest.substr(0, dash);
    out.kind = ModelTarget::Kind::router;
    out.router.assign(name);
    if (!is_router_name(name)) {
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
    if (!rt->build_providers(error) || !rt->build_models(error) || !rt->build_routers(error)) return nullptr;
    return rt;
}

bool Runtime::build_providers(std::string& error) {
    for (size_t i = 0; i < config_.providers.size(); ++i) {
        const auto& pc = config_.providers[i];
        std::string key = "providers[" + std::to_string(i) + "]";
        const plugin::LoadedPlugin* plugin = registry_->find(pc.plugin);
        if (!plugin) {
            error = key + ".plugin: no loaded plugin named '" + pc.plugin + "'";
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
            pools_.emplace(pc.name, std::make_unique<upstream::ConnectionPool>(*ep, pc.max_connections,
                                                                               pc.tls_verify));
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
            model->deployments.push_back({&dc, it->second.get(), pool == pools_.end() ? nullptr : pool->second.get()});
            model->total_weight += dc.weight;
        }
        model_index_.emplace(mc.name, model.get());
        for (const auto& alias : mc.aliases) model_index_.emplace(alias, model.get());
        models_.push_back(std::move(model));
    }
    return true;
}

bool Runtime::build_routers(std::string& error) {
    for (size_t i = 0; i < config_.routers.size(); ++i) {
        const auto& rc = config_.routers[i];
        std::string key = "routers[" + std::to_string(i) + "]";
        const plugin::LoadedPlugin* plugin = registry_->find(rc.plugin);
        if (!plugin) {
            error = key + ".plugin: no loaded plugin named '" + rc.plugin + "'";
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
            c.name = str(m->config->name);
            c.input_price_per_mtok = m->config->input_price_per_mtok;
            c.output_price_per_mtok = m->config->output_price_per_mtok;
            c.context_window = m->config->context_window;
            c.healthy = 1;
            router.candidates.push_back(c);
        }
        std::string why;
        router.instance = plugin::RouterInstance::create(*plugin, rc, why);
        if (!router.instance) {
            error = key + ": " + why;
            return false;
        }
        routers_.emplace(rc.name, std::move(router));
    }
    return true;
}

const Model* Runtime::find_model(std::string_view name) const {
    auto it = model_index_.find(name);
    return it == model_index_.end() ? nullptr : it->second;
}

const Deployment* Runtime::pick_deployment(const Model& model) {
    if (model.deployments.size() == 1) return &model.deployments[0];
    double x = random_unit() * model.total_weight;
    for (const auto& d : model.deployments) {
        x -= d.config->weight;
        if (x < 0) return &d;
    }
    return &model.deployments.back();
}

std::optional<ApiError> Runtime::route(const ChatRequest& req, const std::string& request_id,
                                       RouteDecision& out) const {
    if (const Model* m = find_model(req.model)) {
        out.model = m;
        out.deployment = pick_deployment(*m);
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
        out.deployment = pick_deployment(*m);
        out.reason = "default:" + m->config->name;
        return std::nullopt;
    }
    return ApiError::not_found_model(req.model);
}

std::optional<ApiError> Runtime::route_with_router(const Router& router, double threshold,
                                                   const ChatRequest& req, const std::string& request_id,
                                                   RouteDecision& out) const {
    sy_request_view view = plugin::make_request_view(req, request_id);
    plugin::RouteResult result = router.instance->route(view, router.candidates, threshold);
    if (!result.error.empty()) {
        // A failing router must not take the request down: use its first (strongest) candidate.
        out.model = router.models.front();
        out.reason = "fallback:router " + router.instance->config().name + " failed";
    } else {
        out.model = router.models[result.choices.front().candidate_index];
        out.reason = "router:" + router.instance->config().name + " " + result.reason;
    }
    out.deployment = pick_deployment(*out.model);
    return std::nullopt;
}

}  // namespace sy::routing
