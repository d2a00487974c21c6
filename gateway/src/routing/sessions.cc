#include "routing/sessions.hpp"

#include <algorithm>
#include <cstdio>

#include <switchyard/log.hpp>
#include <switchyard/metrics.hpp>

namespace sy::routing {
namespace {

// The conversation's opening: its first system and first user message.
std::string opening_of(const ChatRequest& req) {
    ChatRequest full;  // the request path keeps message texts only when policies need them
    const ChatRequest* src = &req;
    if (req.messages.empty() && !parse_chat_request(req.body, full, true)) src = &full;
    std::string system, user;
    bool has_system = false, has_user = false;
    for (const MessageText& m : src->messages) {
        if (!has_system && (m.role == "system" || m.role == "developer")) system = m.text, has_system = true;
        if (!has_user && m.role == "user") user = m.text, has_user = true;
    }
    return system + '\x1f' + user;
}

// The remembered model, when it still may answer this route (a configured model, and one of the
// router's candidates when a router decided).
const Model* usable(const Runtime& rt, const RouteDecision& out, std::string_view name) {
    const Model* m = rt.find_model(name);
    if (!m || out.router.empty()) return m;
    auto it = rt.routers().find(out.router);
    if (it == rt.routers().end()) return nullptr;
    const auto& cands = it->second.models;
    return std::find(cands.begin(), cands.end(), m) != cands.end() ? m : nullptr;
}

metrics::Family& session_routes() {
    static metrics::Family& f = metrics::Registry::instance().counter(
        "switchyard_session_routes_total", "Sticky-session routes by outcome (new, kept, fallback)", {"outcome"});
    return f;
}
[[maybe_unused]] metrics::Family& kRegistered = session_routes();  // listed in /metrics from the start

void keep(RouteDecision& out, const Model* m, const std::string& hash) {
    if (m != out.model) {
        out.model = m;
        out.deployment = Runtime::pick_deployment(*m, pick_of(out));
        out.memo.clear();  // the router's note is about a choice this request does not use
        out.scores.clear();
    }
    out.session = hash;
    out.session_model = m;
    out.reason += "; session " + hash + " kept " + m->config->name;
}

}  // namespace

std::string session_identity(const ChatRequest& req, std::string_view policy_key, std::string_view header) {
    if (!policy_key.empty()) return "p:" + std::string(policy_key);
    if (!header.empty()) return "h:" + std::string(header);
    if (!req.user.empty()) return "u:" + req.user + '\x1f' + opening_of(req);
    return {};
}

std::string session_hash(std::string_view scope, std::string_view identity) {
    uint64_t h = 1469598103934665603ull;
    auto mix = [&h](std::string_view s) {
        for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    };
    mix(scope);
    mix(std::string_view("\x1e", 1));
    mix(identity);
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

void keep_session(const Runtime& rt, const ChatRequest& req, const RouteContext& ctx, RouteDecision& out) {
    if (!ctx.store || !out.model || out.local_only) return;  // a privacy route stays where it was sent
    std::string identity = session_identity(req, out.session_key, ctx.session_header);
    if (identity.empty()) return;
    const std::string hash = session_hash(out.router.empty() ? "policy" : "router:" + out.router, identity);
    const auto& cfg = rt.config();
    const std::string key = cfg.state.key_prefix + ":sess:" + hash;
    const std::string ttl = std::to_string(cfg.routing.sessions.ttl_s);
    std::string get[] = {"GET", key};
    state::Reply r = ctx.store->command(get);
    if (!r.ok()) {  // counted, not logged per request: an outage would flood the log
        metrics::Gateway::get().store_errors.with({std::string(ctx.store->kind()), "session"}).inc();
        log::debug("session", "state store: " + r.str + " (session " + hash + " routed without it)");
        return;
    }
    if (r.type == state::Reply::Type::string) {
        if (const Model* m = usable(rt, out, r.str)) {
            std::string renew[] = {"EXPIRE", key, ttl};
            ctx.store->command(renew);
            return keep(out, m, hash);
        }
    }
    // New, or remembering a model this route may no longer use: the first instance to set it wins.
    const bool replace = r.type == state::Reply::Type::string;
    std::string set_nx[] = {"SET", key, out.model->config->name, "EX", ttl, "NX"};
    std::string set_any[] = {"SET", key, out.model->config->name, "EX", ttl};
    state::Reply s = ctx.store->command(replace ? std::span<const std::string>(set_any) : set_nx);
    if (s.type == state::Reply::Type::nil) {  // another instance remembered one first
        state::Reply again = ctx.store->command(get);
        if (const Model* m = again.type == state::Reply::Type::string ? usable(rt, out, again.str) : nullptr)
            return keep(out, m, hash);
        return;
    }
    if (!s.ok()) return;
    out.session = hash;
    out.reason += "; session " + hash + " new";
}

void finish_session(RouteDecision& d) {
    if (d.session.empty()) return;
    const char* outcome = !d.session_model ? "new" : d.session_model == d.model ? "kept" : "fallback";
    if (d.session_model && d.session_model != d.model) d.reason += "; session " + d.session + " fallback";
    session_routes().with({outcome}).inc();
}

}  // namespace sy::routing
