#include "server/quality_log.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "server/access_record.hpp"

namespace sy::server {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void field(JsonWriter& w, const char* name, const std::string& value) {
    w.Key(name);
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

// {"ts": ..., "type": ..., "request_id": ..., "router": ..., "model": ... then the rest.
void begin(JsonWriter& w, const char* type, const std::string& request_id, const std::string& router,
           const std::string& model) {
    w.StartObject();
    field(w, "ts", utc_now());
    field(w, "type", type);
    field(w, "request_id", request_id);
    field(w, "router", router);
    field(w, "model", model);
}

void end(Gateway& g, rapidjson::StringBuffer& sb, JsonWriter& w) {
    w.EndObject();
    g.access_log().write(std::string(sb.GetString(), sb.GetSize()));
}

}  // namespace

std::string route_of(const routing::RouteDecision& d) {
    return !d.router.empty() ? d.router : !d.policy.empty() ? d.policy : "model";
}

void log_feedback(Gateway& g, const FeedbackLine& line) {
    if (!g.access_log().enabled()) return;
    rapidjson::StringBuffer sb;
    JsonWriter w(sb);
    begin(w, "feedback", line.request_id, line.router, line.model);
    field(w, "route", line.route);
    w.Key("score");
    w.Double(line.score);
    end(g, sb, w);
}

void log_shadow(Gateway& g, const ShadowLine& line) {
    if (!g.access_log().enabled()) return;
    rapidjson::StringBuffer sb;
    JsonWriter w(sb);
    begin(w, "shadow", line.request_id, line.router, line.model);
    field(w, "baseline_model", line.baseline_model);
    field(w, "verdict", quality::verdict_name(line.verdict));
    w.Key("retained");
    w.Double(quality::retained(line.verdict));
    w.Key("cost_usd");
    w.Double(line.cost_usd);
    end(g, sb, w);
}

}  // namespace sy::server
