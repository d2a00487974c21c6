#include "server/admission.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <switchyard/tracing.hpp>

#include "core/fiber.hpp"
#include "routing/runtime.hpp"
#include "server/gateway.hpp"
#include "server/provider_call.hpp"
#include "server/response_headers.hpp"

namespace sy::server {
namespace {

constexpr int64_t kBytesPerToken = 4;

// Go-style duration as OpenAI sends in x-ratelimit-reset-*: "250ms", "12s", "1m30s", "3h12m0s".
std::string duration_text(int64_t ms) {
    if (ms < 1000) return std::to_string(std::max<int64_t>(ms, 0)) + "ms";
    int64_t s = (ms + 999) / 1000;
    std::string out;
    if (s >= 3600) out += std::to_string(s / 3600) + "h";
    if (s >= 60) out += std::to_string(s / 60 % 60) + "m";
    return out + std::to_string(s % 60) + "s";
}

std::string usd(int64_t nano) {
    char buf[32];
    snprintf(buf, sizeof buf, "$%.2f", static_cast<double>(nano) / 1e9);
    if (nano > 0 && nano < 10000000) snprintf(buf, sizeof buf, "$%.6f", static_cast<double>(nano) / 1e9);
    return buf;
}

std::string period_name(const std::string& spec) {
    if (spec == "d") return "daily";
    if (spec == "m") return "monthly";
    return duration_text(std::stoll(spec.substr(1)) * 1000) + " window";
}

std::string hex16(std::string_view text) { return state::key_hash(text).substr(0, 16); }

std::string_view bearer_token(const Poco::Net::HTTPServerRequest& req) {
    const std::string& auth = req.get("Authorization", Poco::Net::HTTPMessage::EMPTY);
    if (std::string_view(auth).starts_with("Bearer ")) return std::string_view(auth).substr(7);
    return req.get("x-api-key", Poco::Net::HTTPMessage::EMPTY);
}

}  // namespace

std::optional<ApiError> authenticate(Gateway& g, const routing::Runtime& rt, const Poco::Net::HTTPServerRequest& req,
                                     state::KeyPtr& key) {
    const config::AuthConfig& auth = rt.config().auth;
    key.reset();
    const std::string& path = req.getURI();
    const bool required =
        auth.required && std::find_if(auth.anonymous_paths.begin(), auth.anonymous_paths.end(), [&](const std::string& p) {
                             return path.compare(0, path.find('?'), p) == 0;
                         }) == auth.anonymous_paths.end();
    // No key can be known (none configured, no admin API to create one): everyone is anonymous,
    // without hashing whatever the client sent.
    if (!required && auth.keys.empty() && auth.admin_key.empty()) return std::nullopt;
    std::string_view token = bearer_token(req);
    if (token.empty()) {
        if (!required) return std::nullopt;
        return ApiError::unauthorized("Missing API key: send Authorization: Bearer <key>");
    }
    std::string hash = state::key_hash(token);
    key = rt.find_config_key(hash);
    if (!key && g.keys()) {
        switch (g.keys()->lookup(hash, auth.key_cache_ttl_ms, key)) {
        case state::KeyStore::Found::yes: break;
        case state::KeyStore::Found::no: break;
        case state::KeyStore::Found::unavailable:
            if (!required) return std::nullopt;
            return ApiError{503, "api_error", "key_store_unavailable",
                            "Cannot verify the API key: the state store is unreachable", {}, "1"};
        }
    }
    if (key && key->revoked) {
        key.reset();
        return ApiError::unauthorized("This API key has been revoked");
    }
    if (!key && required) return ApiError::unauthorized("Invalid API key");
    return std::nullopt;  // unknown keys are anonymous while auth is not required
}

std::optional<ApiError> check_model_allowed(const config::ApiKeyConfig& key, const std::string& model) {
    if (key.models.empty()) return std::nullopt;
    for (const auto& m : key.models) {
        if (m == model) return std::nullopt;
        if (m == "router-*" && model.starts_with("router-")) return std::nullopt;
    }
    return ApiError{403, "permission_error", "model_not_allowed",
                    "API key '" + key.id + "' may not use model '" + model + "'", "model", {}};
}

bool build_principal(const config::Config& cfg, const config::ApiKeyConfig& key, const ChatRequest& req,
                     const std::string& model, state::Principal& out) {
    const config::TeamConfig* team = key.team.empty() ? nullptr : cfg.find_team(key.team);
    out.group = key.team.empty() ? "k:" + key.id : "t:" + key.team;
    out.levels.clear();
    if (key.limits.any()) out.levels.push_back({"key:" + key.id, "key", "key '" + key.id + "'", key.limits});
    if (team && team->limits.any())
        out.levels.push_back({"team:" + team->name, "team", "team '" + team->name + "'", team->limits});
    const config::LimitsConfig* per_user =
        key.user_limits.any() ? &key.user_limits : team && team->user_limits.any() ? &team->user_limits : nullptr;
    if (per_user && !req.user.empty()) {
        std::string owner = key.user_limits.any() ? "key '" + key.id + "'" : "team '" + key.team + "'";
        out.levels.push_back({"user:" + out.group + "/" + hex16(req.user), "user",
                              "end user '" + req.user + "' of " + owner, *per_user});
    }
    out.ledger_field = key.id + "|" + model;
    return !out.levels.empty();
}

int64_t cost_nano_usd(const config::Prices& prices, int64_t input, int64_t cached, int64_t output) {
    cached = std::clamp<int64_t>(cached, 0, input);
    double nano = static_cast<double>(input - cached) * prices.input_per_mtok * 1e3 +
                  static_cast<double>(cached) * prices.cached_input_per_mtok * 1e3 +
                  static_cast<double>(output) * prices.output_per_mtok * 1e3;
    return static_cast<int64_t>(std::llround(nano));
}

int64_t max_cost_nano_usd(const config::ModelConfig& model, int64_t input, int64_t output) {
    int64_t most = 0;
    for (const auto& d : model.deployments) most = std::max(most, cost_nano_usd(d.prices, input, 0, output));
    return most;
}

int64_t output_cap(const config::ModelConfig& model, const ChatRequest& req) {
    if (req.embeddings) return 0;
    int64_t cap = model.max_output_tokens > 0 ? model.max_output_tokens : config::kDefaultOutputCap;
    return req.max_tokens > 0 ? std::min(req.max_tokens, cap) : cap;
}

Usage usage_of(const ChatRequest& req, const CallOutcome& out) {
    Usage u;
    bool answered = out.relayed_events > 0 || out.relayed_bytes > 0 || out.usage.prompt_tokens >= 0;
    if (!answered) return u;  // refused or failed before any answer: nothing to bill
    u.input = out.usage.prompt_tokens >= 0 ? out.usage.prompt_tokens : req.prompt_tokens;
    u.cached = std::max<int64_t>(0, out.usage.cached_prompt_tokens);
    if (out.usage.completion_tokens >= 0) u.output = out.usage.completion_tokens;
    else u.output = req.stream ? out.relayed_events : (out.relayed_bytes + kBytesPerToken - 1) / kBytesPerToken;
    u.estimated = out.usage.prompt_tokens < 0 || out.usage.completion_tokens < 0;
    return u;
}

bool model_principal(const config::ModelConfig& model, state::Principal& out) {
    if (!model.limits.any()) return false;
    out.group = "m:" + model.name;
    out.levels = {{"model:" + model.name, "model", "model '" + model.name + "'", model.limits}};
    out.ledger_field.clear();
    return true;
}

namespace {

bool budget_or_tokens_limited(const state::Principal& who) {
    for (const auto& l : who.levels)
        if (l.limits.budget_nano_usd >= 0 || l.limits.tpm >= 0) return true;
    return false;
}

}  // namespace

state::Principal* KeyPrincipal::get(bool& limited) {
    if (!key_) return nullptr;
    if (!who_) limited_ = build_principal(cfg_, *key_, chat_, "", who_.emplace());
    limited = limited_;
    return &*who_;
}

std::optional<ApiError> admit_request(state::Limiter& limiter, KeyPrincipal& principal, ChatRequest& chat,
                                      const config::ModelConfig& model, Poco::Net::HTTPServerResponse& resp,
                                      Reservation& for_key, Reservation& for_model) {
    state::Principal who, model_who;
    bool key_limited = false;
    state::Principal* built = principal.get(key_limited);
    const bool key = built != nullptr;
    if (key) {
        who = *built;  // a copy: the request's principal stays whole for any later reader
        who.ledger_field = principal.key()->id + "|" + model.name;
    }
    bool model_limited = model_principal(model, model_who);
    if (key && !key_limited) for_key = Reservation(&limiter, std::move(who), std::nullopt);  // spend ledger only
    if (!key_limited && !model_limited) return std::nullopt;
    tracing::SpanScope span("switchyard.admission");  // budgets and limits: a state-store call
    auto refused = [&span](ApiError e) {
        span.fail(e.message);
        return e;
    };
    int64_t cap = output_cap(model, chat);
    if (chat.max_tokens > cap && ((key_limited && budget_or_tokens_limited(who)) ||
                                  (model_limited && budget_or_tokens_limited(model_who)))) {
        clamp_max_tokens(chat, cap);
        set_header(resp, "x-switchyard-max-tokens-clamped", std::to_string(cap));
    }
    const int64_t cost = model.priced ? max_cost_nano_usd(model, chat.prompt_tokens, cap) : 0;
    const int64_t tokens = chat.prompt_tokens + cap;
    fiber::ParkingScope parking;  // a Redis round trip parks the request instead of holding its thread
    std::optional<state::Admission> key_admitted;
    if (key_limited) {
        state::Admission a = limiter.admit(who, cost, tokens);
        if (a.result != state::Admission::Result::admitted) return refused(admission_error(a, who));
        set_ratelimit_headers(resp, a);
        key_admitted = std::move(a);
    }
    if (model_limited) {
        state::Admission m = limiter.admit(model_who, cost, tokens);
        if (m.result != state::Admission::Result::admitted) {
            if (key_admitted) limiter.settle(who, *key_admitted, 0, 0);  // nothing stays reserved
            return refused(admission_error(m, model_who));
        }
        if (!key_admitted) set_ratelimit_headers(resp, m);
        for_model = Reservation(&limiter, std::move(model_who), std::move(m));
    }
    if (key_admitted) for_key = Reservation(&limiter, std::move(who), std::move(key_admitted));
    return std::nullopt;
}

ApiError admission_error(const state::Admission& a, const state::Principal& who) {
    if (a.result == state::Admission::Result::unavailable)
        return {503, "api_error", "state_store_unavailable",
                "Budget and rate-limit checks are unavailable (the state store is unreachable) and "
                "state.on_failure is closed",
                {}, "1"};
    const std::string level = a.level < who.levels.size() ? who.levels[a.level].name : "this key";
    const std::string period = a.level < who.levels.size() ? who.levels[a.level].limits.period : "d";
    std::string retry = std::to_string(std::max<int64_t>(1, (a.retry_after_ms + 999) / 1000));
    if (a.kind == "budget")
        return {429, "insufficient_quota", "budget_exceeded",
                "Budget exceeded for " + level + ": " + usd(a.used) + " of the " + usd(a.limit) + " " +
                    period_name(period) + " budget is spent or reserved by requests in flight; it resets in " +
                    duration_text(a.retry_after_ms),
                {}, retry};
    if (a.retry_after_ms < 0)
        return {400, "invalid_request_error", "request_too_large",
                "Request too large for " + level + ": it may use more than the limit of " + std::to_string(a.limit) +
                    " tokens per minute on its own (prompt plus max_tokens); lower max_tokens or shorten the prompt",
                "max_tokens", {}};
    std::string what = a.kind == "rpm"   ? std::to_string(a.limit) + " requests per minute"
                       : a.kind == "tpm" ? std::to_string(a.limit) + " tokens per minute"
                                         : std::to_string(a.limit) + " concurrent requests";
    return {429, "rate_limit_error", "rate_limit_exceeded",
            "Rate limit reached for " + level + ": " + what + "; retry in " + duration_text(a.retry_after_ms), {},
            retry};
}

void set_ratelimit_headers(Poco::Net::HTTPServerResponse& resp, const state::Admission& a) {
    if (a.req_limit >= 0) {
        set_header(resp, "x-ratelimit-limit-requests", std::to_string(a.req_limit));
        set_header(resp, "x-ratelimit-remaining-requests", std::to_string(a.req_remaining));
        set_header(resp, "x-ratelimit-reset-requests", duration_text(a.req_reset_ms));
    }
    if (a.tok_limit >= 0) {
        set_header(resp, "x-ratelimit-limit-tokens", std::to_string(a.tok_limit));
        set_header(resp, "x-ratelimit-remaining-tokens", std::to_string(a.tok_remaining));
        set_header(resp, "x-ratelimit-reset-tokens", duration_text(a.tok_reset_ms));
    }
}

}  // namespace sy::server
