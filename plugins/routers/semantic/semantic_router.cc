#include "semantic_router.hpp"

#include <algorithm>
#include <cstdio>
#include <functional>

#include "common/plugin_config.hpp"
#include "common/ranking.hpp"

namespace sy_plugins::semantic {
namespace {

std::string_view prompt_text(const switchyard::RequestView& r) {
    return r.last_user_text().empty() ? r.system_text() : r.last_user_text();
}

double dot(const std::vector<float>& a, const std::vector<float>& b) {
    double s = 0;
    for (size_t i = 0; i < a.size() && i < b.size(); ++i) s += static_cast<double>(a[i]) * b[i];
    return s;
}

}  // namespace

SemanticRouter::SemanticRouter(const switchyard::Host& host, std::string_view config_json) : host_(host) {
    PluginConfig cfg("semantic", config_json, {"routes", "threshold", "k", "default", "embedder"});
    embedder_ = cfg.string("embedder");
    host.embedder_id(embedder_);  // refuses an unknown embedder at load
    threshold_ = cfg.number("threshold", 0.5, -1, 1);
    k_ = static_cast<size_t>(cfg.number("k", 3, 1, 100));
    default_model_ = cfg.string("default");
    const rapidjson::Value* routes = cfg.find("routes");
    if (!routes || !routes->IsArray() || routes->Empty()) cfg.fail("routes", "must be a non-empty list of routes");
    for (rapidjson::SizeType i = 0; i < routes->Size(); ++i) {
        const rapidjson::Value& r = (*routes)[i];
        std::string key = "routes[" + std::to_string(i) + "]";
        if (!r.IsObject()) cfg.fail(key, "must be a map with name, model and examples");
        Route route;
        for (const char* field : {"name", "model"}) {
            auto it = r.FindMember(field);
            if (it == r.MemberEnd() || !it->value.IsString() || it->value.GetStringLength() == 0)
                cfg.fail(key + "." + field, "must be a non-empty string");
            (std::string_view(field) == "name" ? route.name : route.model) = std::string(sv(it->value));
        }
        auto ex = r.FindMember("examples");
        if (ex == r.MemberEnd() || !ex->value.IsArray() || ex->value.Empty())
            cfg.fail(key + ".examples", "must be a non-empty list of example prompts");
        for (const auto& e : ex->value.GetArray()) {
            if (!e.IsString()) cfg.fail(key + ".examples", "every example must be a string");
            std::vector<float> v;
            host.embed(embedder_, sv(e), v);
            route.examples.push_back(std::move(v));
        }
        routes_.push_back(std::move(route));
    }
}

void SemanticRouter::similarities(const switchyard::RequestView& request, std::vector<double>& out) const {
    thread_local std::vector<float> q;
    thread_local std::vector<double> sims;
    host_.embed(embedder_, prompt_text(request), q);
    out.clear();
    for (const Route& r : routes_) {
        sims.clear();
        for (const auto& e : r.examples) sims.push_back(dot(q, e));
        size_t k = std::min(k_, sims.size());
        std::partial_sort(sims.begin(), sims.begin() + static_cast<std::ptrdiff_t>(k), sims.end(), std::greater<>());
        double sum = 0;
        for (size_t i = 0; i < k; ++i) sum += sims[i];
        out.push_back(sum / static_cast<double>(k));
    }
}

size_t SemanticRouter::candidate_index(const std::vector<switchyard::Candidate>& candidates, std::string_view model) {
    for (size_t i = 0; i < candidates.size(); ++i)
        if (candidates[i].name() == model) return i;
    throw switchyard::Error("model '" + std::string(model) + "' of a route is not a candidate of this router");
}

void SemanticRouter::score(const switchyard::RequestView& request, const std::vector<switchyard::Candidate>& candidates,
                           std::vector<double>& quality, double& strong_win) {
    std::vector<double> sims;
    similarities(request, sims);
    quality.assign(candidates.size(), 0.0);
    for (size_t r = 0; r < routes_.size(); ++r) {
        size_t i = candidate_index(candidates, routes_[r].model);
        quality[i] = std::max(quality[i], sims[r]);
    }
    if (!default_model_.empty()) candidate_index(candidates, default_model_);
    strong_win = quality.empty() ? 0.0 : quality.front();
}

void SemanticRouter::route(const switchyard::RequestView& request, const std::vector<switchyard::Candidate>& candidates,
                           const sy_route_params&, switchyard::Ranking& out) {
    thread_local std::vector<double> sims;
    similarities(request, sims);
    size_t best = static_cast<size_t>(std::max_element(sims.begin(), sims.end()) - sims.begin());
    char reason[200];
    size_t chosen;
    if (sims[best] >= threshold_) {
        chosen = candidate_index(candidates, routes_[best].model);
        std::snprintf(reason, sizeof reason, "semantic route=%s sim=%.2f -> %.*s", routes_[best].name.c_str(), sims[best],
                      static_cast<int>(candidates[chosen].name().size()), candidates[chosen].name().data());
    } else {
        chosen = default_model_.empty() ? 0 : candidate_index(candidates, default_model_);
        std::snprintf(reason, sizeof reason, "semantic no route (best %s sim=%.2f<%.2f) -> %.*s", routes_[best].name.c_str(),
                      sims[best], threshold_, static_cast<int>(candidates[chosen].name().size()),
                      candidates[chosen].name().data());
    }
    rank_with_first(candidates, chosen, out);
    out.reason(reason);
}

}  // namespace sy_plugins::semantic
