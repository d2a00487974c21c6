#include "server/feedback.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>

#include <switchyard/log.hpp>
#include <switchyard/metrics.hpp>

#include "plugin/host_api.hpp"
#include "server/admission.hpp"
#include "server/http_util.hpp"

namespace sy::server {
namespace {

constexpr int64_t kMaxFeedbackBody = 64 * 1024;

// Take-once: the record is deleted as it is read, so one request's feedback counts once even
// when two instances receive it at the same time.
const state::Script& take_script() {
    static const state::Script s("feedback_take",
                                 "local v = redis.call('GET', KEYS[1])\n"
                                 "if v then redis.call('DEL', KEYS[1]) end\n"
                                 "return v\n");
    return s;
}

std::string record_key(const config::Config& cfg, std::string_view request_id) {
    return cfg.state.key_prefix + ":fb:" + std::string(request_id);
}

// router \n model \n memo
struct Record {
    std::string router, model, memo;
    static bool parse(const std::string& s, Record& out) {
        size_t a = s.find('\n');
        size_t b = a == std::string::npos ? a : s.find('\n', a + 1);
        if (b == std::string::npos) return false;
        out = {s.substr(0, a), s.substr(a + 1, b - a - 1), s.substr(b + 1)};
        return true;
    }
};

std::optional<ApiError> parse_feedback(const std::string& body, std::string& request_id, double& score) {
    rapidjson::Document d;
    d.Parse(body.data(), body.size());
    if (d.HasParseError() || !d.IsObject()) return ApiError::bad_request("the body must be a JSON object", "", "invalid_json");
    auto id = d.FindMember("request_id");
    if (id == d.MemberEnd() || !id->value.IsString() || id->value.GetStringLength() == 0 ||
        id->value.GetStringLength() > 200)
        return ApiError::bad_request("request_id must be the x-request-id of a routed request", "request_id");
    request_id.assign(id->value.GetString(), id->value.GetStringLength());
    auto s = d.FindMember("score");
    auto thumbs = d.FindMember("thumbs");
    if (s != d.MemberEnd()) {
        if (!s->value.IsNumber() || !(s->value.GetDouble() >= 0 && s->value.GetDouble() <= 1))
            return ApiError::bad_request("score must be a number from 0 to 1", "score");
        score = s->value.GetDouble();
    } else if (thumbs != d.MemberEnd() && thumbs->value.IsString() &&
               (std::string_view(thumbs->value.GetString()) == "up" || std::string_view(thumbs->value.GetString()) == "down")) {
        score = std::string_view(thumbs->value.GetString()) == "up" ? 1.0 : 0.0;
    } else {
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

}  // namespace

std::unique_ptr<plugin::StateBackend> plugin_state_over(std::shared_ptr<state::Store> store) {
    return std::make_unique<StoreBackend>(std::move(store));
}

void remember_for_feedback(Gateway& g, const routing::Runtime& rt, const std::string& request_id,
                           const routing::RouteDecision& decision) {
    if (decision.router.empty() || !g.store()) return;
    auto it = rt.routers().find(decision.router);
    if (it == rt.routers().end() || !it->second.instance->takes_feedback()) return;
    const config::Config& cfg = rt.config();
    std::string value = decision.router + "\n" + decision.model->config->name + "\n" + decision.memo;
    std::string key = record_key(cfg, request_id);
    std::string ttl = std::to_string(static_cast<int64_t>(cfg.routing.feedback_ttl_s) * 1000);
    std::string argv[] = {"SET", key, value, "PX", ttl};
    state::Reply r = g.store()->command(argv);
    if (!r.ok()) {
        metrics::Gateway::get().store_errors.with({std::string(g.state_backend()), "feedback"}).inc();
        log::warn("feedback", "cannot keep request " + request_id + " for feedback: " + r.str);
    }
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
    if (auto err = parse_feedback(body, request_id, score)) return send_error(req, resp, *err);
    std::string k = record_key(rt->config(), request_id);
    state::Reply taken = g.store() ? g.store()->eval(take_script(), std::span<const std::string>(&k, 1), {})
                                   : state::Reply::failed("no state store");
    if (!taken.ok()) {
        metrics::Gateway::get().store_errors.with({std::string(g.state_backend()), "feedback"}).inc();
        return send_error(req, resp, ApiError{503, "service_unavailable", "state_store_unavailable",
                                              "feedback cannot be recorded now: the state store did not answer", "", "1"});
    }
    Record rec;
    if (taken.type != state::Reply::Type::string || !Record::parse(taken.str, rec))
        return send_error(req, resp, ApiError{404, "invalid_request_error", "request_not_found",
                                              "no routed request '" + request_id +
                                                  "' awaits feedback (unknown, expired, already rated, or not "
                                                  "routed by a router that learns)",
                                              "request_id", ""});
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
        // Put the request back so that a retry can still rate it.
        std::string value = rec.router + "\n" + rec.model + "\n" + rec.memo;
        std::string ttl = std::to_string(static_cast<int64_t>(rt->config().routing.feedback_ttl_s) * 1000);
        std::string argv[] = {"SET", k, value, "PX", ttl};
        g.store()->command(argv);
        feedback_counter(rec.router, rec.model, "error").inc();
        log::warn("feedback", "router '" + rec.router + "' failed on feedback for " + request_id + ": " + why);
        return send_error(req, resp, ApiError{503, "service_unavailable", "feedback_failed",
                                              "router '" + rec.router + "' could not record the feedback: " + why, "", "1"});
    }
    feedback_counter(rec.router, rec.model, unsupported ? "ignored" : "applied").inc();
    metrics::Gateway::get().feedback_score.with({rec.router, rec.model}).inc(score);
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    w.StartObject();
    w.Key("request_id");
    w.String(request_id.c_str());
    w.Key("router");
    w.String(rec.router.c_str());
    w.Key("model");
    w.String(rec.model.c_str());
    w.Key("score");
    w.Double(score);
    w.Key("applied");
    w.Bool(!unsupported);
    w.EndObject();
    send_json(req, resp, 200, std::string_view(sb.GetString(), sb.GetSize()));
}

}  // namespace sy::server
