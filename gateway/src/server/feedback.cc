#include "server/feedback.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <optional>
#include <vector>

#include <switchyard/log.hpp>
#include <switchyard/metrics.hpp>

#include "core/json_depth.hpp"
#include "plugin/host_api.hpp"
#include "server/admission.hpp"
#include "server/http_util.hpp"
#include "server/quality_log.hpp"

namespace sy::server {
namespace {

constexpr int64_t kMaxFeedbackBody = 64 * 1024;

// "#2\n" router \n model \n route \n learns (0/1) \n memo. Records written before routes were
// kept (router \n model \n memo) came only from routers that learn, and their route is the router.
struct Record {
    std::string router, model, route, memo;
    bool learns = true;
    static bool parse(const std::string& s, Record& out) {
        std::vector<std::string> f;
        const bool v2 = s.starts_with("#2\n");
        const size_t fields = v2 ? 4 : 2;
        size_t pos = v2 ? 3 : 0;
        while (f.size() < fields) {
            size_t nl = s.find('\n', pos);
            if (nl == std::string::npos) return false;
            f.push_back(s.substr(pos, nl - pos));
            pos = nl + 1;
        }
        if (v2) out = {f[0], f[1], f[2], s.substr(pos), f[3] == "1"};
        else out = {f[0], f[1], f[0], s.substr(pos), true};
        return true;
    }
    std::string text() const { return "#2\n" + router + "\n" + model + "\n" + route + "\n" + (learns ? "1" : "0") + "\n" + memo; }
};

std::optional<ApiError> parse_feedback(const std::string& body, std::string& request_id, double& score,
                                       std::optional<bool>& thumbs) {
    if (json_too_deep(body)) return json_too_deep_error();
    rapidjson::Document d;
    d.Parse(body.data(), body.size());
    if (d.HasParseError() || !d.IsObject()) return ApiError::bad_request("the body must be a JSON object", "", "invalid_json");
    auto id = d.FindMember("request_id");
    if (id == d.MemberEnd() || !id->value.IsString() || id->value.GetStringLength() == 0 ||
        id->value.GetStringLength() > 200)
        return ApiError::bad_request("request_id must be the x-request-id of a routed request", "request_id");
    request_id.assign(id->value.GetString(), id->value.GetStringLength());
    auto s = d.FindMember("score");
    auto t = d.FindMember("thumbs");
    if (t != d.MemberEnd()) {
        std::string_view v = t->value.IsString() ? std::string_view(t->value.GetString(), t->value.GetStringLength()) : "";
        if (v != "up" && v != "down") return ApiError::bad_request("thumbs must be \"up\" or \"down\"", "thumbs");
        thumbs = v == "up";
        score = *thumbs ? 1.0 : 0.0;  // unless a score is given too
    }
    if (s != d.MemberEnd()) {
        if (!s->value.IsNumber() || !(s->value.GetDouble() >= 0 && s->value.GetDouble() <= 1))
            return ApiError::bad_request("score must be a number from 0 to 1", "score");
        score = s->value.GetDouble();
    } else if (!thumbs) {
        return ApiError::bad_request("give score (0..1) or thumbs (\"up\" or \"down\")", "score");
    }
    return std::nullopt;
}

metrics::Series& feedback_counter(const std::string& router, const std::string& model, const char* outcome) {
    return metrics::Gateway::get().feedback.with({router, model, outcome});
}

class StoreBackend final : public plugin::StateBackend {
public:
    explicit StoreBackend(std::shared_ptr<state::Store> store) : store_(std::move(store)) {}
    bool hincrby(const std::string& key, std::string_view field, int64_t delta, std::string& error) override {
        std::string argv[] = {"HINCRBY", key, std::string(field), std::to_string(delta)};
        return check(store_->command(argv), error);
    }
    bool hgetall(const std::string& key, std::vector<std::pair<std::string, std::string>>& out,
                 std::string& error) override {
        std::string argv[] = {"HGETALL", key};
        state::Reply r = store_->command(argv);
        if (!check(r, error)) return false;
        for (size_t i = 0; i + 1 < r.elements.size(); i += 2) out.emplace_back(r.elements[i].str, r.elements[i + 1].str);
        return true;
    }

private:
    bool check(const state::Reply& r, std::string& error) {
        if (r.ok()) return true;
        metrics::Gateway::get().store_errors.with({std::string(store_->kind()), "plugin"}).inc();
        error = "state store: " + r.str;
        return false;
    }
    std::shared_ptr<state::Store> store_;
};

uint64_t keep(Gateway& g, const config::Config& cfg, const std::string& request_id, const Record& rec) {
    return g.feedback_ledger()->keep(request_id, rec.text(), static_cast<int64_t>(cfg.routing.feedback_ttl_s) * 1000);
}

}  // namespace

std::unique_ptr<plugin::StateBackend> plugin_state_over(std::shared_ptr<state::Store> store) {
    return std::make_unique<StoreBackend>(std::move(store));
}

uint64_t remember_for_feedback(Gateway& g, const routing::Runtime& rt, const std::string& request_id,
                               const routing::RouteDecision& decision) {
    if (!g.feedback_ledger()) return 0;
    auto it = decision.router.empty() ? rt.routers().end() : rt.routers().find(decision.router);
    const bool learns = it != rt.routers().end() && it->second.instance->takes_feedback();
    const config::Config& cfg = rt.config();
    Record rec{decision.router, decision.model->config->name, route_of(decision), learns ? decision.memo : "", learns};
    return keep(g, cfg, request_id, rec);
}

void feedback(Gateway& g, Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) {
    std::shared_ptr<const routing::Runtime> rt = g.runtime();
    state::KeyPtr key;
    if (auto err = authenticate(g, *rt, req, key)) {
        close_if_body_unread(req, resp);
        return send_error(req, resp, *err);
    }
    std::string body;
    if (auto err = read_body(req, kMaxFeedbackBody, body)) {
        resp.setKeepAlive(false);
        return send_error(req, resp, *err);
    }
    std::string request_id;
    double score = 0;
    std::optional<bool> thumbs;
    if (auto err = parse_feedback(body, request_id, score, thumbs)) return send_error(req, resp, *err);
    LedgerTake taken = g.feedback_ledger() ? g.feedback_ledger()->take(request_id)
                                           : LedgerTake{LedgerTake::Status::failed, "no state store"};
    if (taken.status == LedgerTake::Status::failed) {
        metrics::Gateway::get().store_errors.with({std::string(g.state_backend()), "feedback"}).inc();
        return send_error(req, resp, ApiError{503, "service_unavailable", "state_store_unavailable",
                                              "feedback cannot be recorded now: the state store did not answer", "", "1"});
    }
    Record rec;
    if (taken.status != LedgerTake::Status::found || !Record::parse(taken.record, rec))
        return send_error(req, resp, ApiError{404, "invalid_request_error", "request_not_found",
                                              "no routed request '" + request_id +
                                                  "' awaits feedback (unknown, expired or already rated)",
                                              "request_id", ""});
    bool applied = false;
    if (rec.learns) {
        auto it = rt->routers().find(rec.router);
        if (it == rt->routers().end())
            return send_error(req, resp, ApiError{404, "invalid_request_error", "router_not_found",
                                                  "router '" + rec.router + "' of request '" + request_id +
                                                      "' is no longer configured",
                                                  "request_id", ""});
        sy_feedback fb{sizeof(sy_feedback), plugin::to_sy_str(request_id), plugin::to_sy_str(rec.model),
                       plugin::to_sy_str(rec.memo), score};
        bool unsupported = false;
        std::string why = it->second.instance->feedback(fb, unsupported);
        if (!why.empty()) {
            keep(g, rt->config(), request_id, rec);  // put the request back so that a retry can still rate it
            feedback_counter(rec.router, rec.model, "error").inc();
            log::warn("feedback", "router '" + rec.router + "' failed on feedback for " + request_id + ": " + why);
            return send_error(req, resp, ApiError{503, "service_unavailable", "feedback_failed",
                                                  "router '" + rec.router + "' could not record the feedback: " + why, "", "1"});
        }
        applied = !unsupported;
        feedback_counter(rec.router, rec.model, applied ? "applied" : "ignored").inc();
        metrics::Gateway::get().feedback_score.with({rec.router, rec.model}).inc(score);
    }
    g.quality().add_feedback(rec.router, rec.route, rec.model, score, thumbs);
    log_feedback(g, {request_id, rec.router, rec.model, rec.route, score});
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    w.StartObject();
    w.Key("request_id");
    w.String(request_id.c_str());
    w.Key("router");
    w.String(rec.router.c_str());
    w.Key("model");
    w.String(rec.model.c_str());
    w.Key("route");
    w.String(rec.route.c_str());
    w.Key("score");
    w.Double(score);
    if (thumbs) {
        w.Key("thumbs");
        w.String(*thumbs ? "up" : "down");
    }
    w.Key("applied");
    w.Bool(applied);
    w.EndObject();
    send_json(req, resp, 200, std::string_view(sb.GetString(), sb.GetSize()));
}

}  // namespace sy::server
