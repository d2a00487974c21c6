#include "server/cache_step.hpp"

#include <cstdio>

#include <switchyard/embedder.hpp>
#include <switchyard/log.hpp>
#include <switchyard/metrics.hpp>
#include <switchyard/tracing.hpp>

#include "cache/cache_key.hpp"
#include "server/cached_answer.hpp"
#include "server/gateway.hpp"
#include "server/http_util.hpp"
#include "server/response_headers.hpp"

namespace sy::server {
namespace {

// Who shares answers (cache.scope): everyone, a team, or one key.
std::string scope_of(const config::CacheConfig& cc, const config::ApiKeyConfig* key) {
    if (cc.scope == "global") return "*";
    if (cc.scope == "team" && key && !key->team.empty()) return "t:" + key->team;
    return "k:" + (key ? key->id : std::string());
}

void count(bool hit, const char* kind) {
    metrics::Gateway& m = metrics::Gateway::get();
    (hit ? m.cache_hits : m.cache_misses).with({kind}).inc();
}

}  // namespace

std::optional<CacheStep> CacheStep::begin(Gateway& g, const routing::Runtime& rt, Poco::Net::HTTPServerRequest& req,
                                          const ChatRequest& chat, const routing::RouteDecision& d,
                                          const config::ApiKeyConfig* key) {
    cache::ResponseCache* rc = g.cache();
    if (!rc || !d.model->config->cache) return std::nullopt;
    const std::string& control = req.get("Cache-Control", Poco::Net::HTTPMessage::EMPTY);
    if (control.find("no-store") != std::string::npos) return std::nullopt;
    const std::string scope = scope_of(rc->config(), key);
    const std::string& model = d.model->config->name;
    auto k = cache::cache_key(chat, model, scope);
    if (!k || (!k->deterministic && rc->config().deterministic_only)) return std::nullopt;
    CacheStep step;
    step.cache_ = rc;
    tracing::SpanScope span("switchyard.cache");
    const bool lookup = control.find("no-cache") == std::string::npos;
    step.exact_ = lookup ? rc->lookup(k->key, client_fd(req)) : rc->store_only(k->key);
    if (lookup) span.set("switchyard.cache.result", step.exact_->hit ? "hit" : "miss");
    if (!step.exact_->hit && rc->semantic()) step.look_up_semantic(rt, chat, model, scope, lookup);
    return step;
}

void CacheStep::look_up_semantic(const routing::Runtime& rt, const ChatRequest& chat, const std::string& model,
                                 const std::string& scope, bool lookup) {
    const config::SemanticCacheConfig& sc = cache_->config().semantic;
    const embed::Embedder* embedder = rt.embedders().find(sc.embedder);
    if (!embedder) return;  // the loader checked the name; a runtime without it has no semantic cache
    auto k = cache::semantic_key(chat, model, scope, embedder->id());
    if (!k) return;  // the last turn is not user text: nothing to compare
    tracing::SpanScope span("switchyard.cache.semantic");
    std::vector<float> unit(embedder->dim());
    std::string error;
    if (!embedder->embed(k->text, unit.data(), error) || !cache::normalise(unit)) {
        // A miss, never an error: the request goes upstream and is not stored by meaning.
        log::debug("cache", "semantic cache skipped: the embedder failed: " + error);
        span.fail("embedder: " + error);
        return;
    }
    if (lookup) {
        semantic_looked_up_ = true;
        semantic_hit_ = cache_->semantic()->nearest(k->bucket, unit, sc.threshold);
        span.set("switchyard.cache.result", semantic_hit_ ? "hit" : "miss");
        if (semantic_hit_) span.set("switchyard.cache.similarity", semantic_hit_->similarity);
    }
    bucket_ = std::move(k->bucket);
    unit_ = std::move(unit);
}

bool CacheStep::answer(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp,
                       const ChatRequest& chat, std::string& reason) {
    const bool exact = exact_->hit.has_value();
    if (exact || semantic_hit_) {
        const std::string& stored = exact ? *exact_->hit : semantic_hit_->answer;
        const std::string route = reason + (exact ? "; cache hit" : "; semantic cache hit");
        set_header(resp, "x-switchyard-cache", "hit");
        set_header(resp, "x-switchyard-cache-kind", exact ? "exact" : "semantic");
        if (!exact) {
            char similarity[16];
            std::snprintf(similarity, sizeof similarity, "%.4f", semantic_hit_->similarity);
            set_header(resp, "x-switchyard-cache-similarity", similarity);
        }
        set_header(resp, "x-switchyard-route", route);
        if (send_cached(req, resp, chat, stored)) {
            if (!exact) exact_->share(stored);  // identical requests waiting on this one
            reason = route;
            count(true, exact ? "exact" : "semantic");
            return true;
        }
        // An entry that is not usable JSON: answered afresh, and not stored.
        for (const char* h : {"x-switchyard-cache", "x-switchyard-cache-kind", "x-switchyard-cache-similarity"})
            erase_own_header(resp, h);
        set_header(resp, "x-switchyard-route", reason);
        exact_.reset();
        unit_.clear();
        return false;
    }
    count(false, "exact");
    if (semantic_looked_up_) count(false, "semantic");
    set_header(resp, "x-switchyard-cache", "miss");
    return false;
}

void CacheStep::fill(const std::string& completion) {
    if (exact_) exact_->fill(completion);
    const config::CacheConfig& cc = cache_->config();
    if (!unit_.empty() && static_cast<int64_t>(completion.size()) <= cc.max_entry_bytes)
        cache_->semantic()->put(bucket_, unit_, completion, cc.ttl_s);
}

}  // namespace sy::server
