#include "cli/audit_report.hpp"

#include <cmath>
#include <cstdio>

#include <rapidjson/document.h>

namespace sy::cli {
namespace {

std::string str(const rapidjson::Value& o, const char* name) {
    auto it = o.FindMember(name);
    return it != o.MemberEnd() && it->value.IsString() ? std::string(it->value.GetString(), it->value.GetStringLength())
                                                       : std::string();
}

// A number field; false when absent or null.
bool num(const rapidjson::Value& o, const char* name, double& out) {
    auto it = o.FindMember(name);
    if (it == o.MemberEnd() || !it->value.IsNumber()) return false;
    out = it->value.GetDouble();
    return true;
}

// A feedback score: "score" (0..1), else "thumbs" up (1) or down (0).
bool score_of(const rapidjson::Value& o, double& out) {
    if (num(o, "score", out)) return out >= 0 && out <= 1;
    std::string thumbs = str(o, "thumbs");
    if (thumbs != "up" && thumbs != "down") return false;
    out = thumbs == "up" ? 1 : 0;
    return true;
}

std::string fmt(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
}

void compare(AuditReport& r, const std::string& route, const char* what, const std::string& prev_day, const Mean& prev,
             const std::string& day, const Mean& now, double threshold) {
    if (!prev.count || !now.count) return;
    double change = now.value() - prev.value();
    if (!(std::fabs(change) > threshold)) return;
    r.warnings.push_back("route " + route + " " + day + ": " + what + " " + fmt(now.value()) +
                         (change < 0 ? " fell by " : " rose by ") + fmt(std::fabs(change)) + " from " +
                         fmt(prev.value()) + " on " + prev_day + " (threshold " + fmt(threshold) + ")");
}

}  // namespace

std::string route_group(std::string_view router, std::string_view route) {
    if (!router.empty()) return std::string(router);
    if (route.starts_with("policy:")) {
        std::string_view name = route.substr(7);
        return std::string(name.substr(0, name.find_first_of(" ;")));
    }
    return "model";
}

void AuditBuilder::add_log_line(std::string_view line) {
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) return;
    rapidjson::Document d;
    d.Parse(line.data(), line.size());
    std::string ts = d.IsObject() ? str(d, "ts") : std::string();
    if (ts.size() < 10) return void(++report_.skipped);
    const std::string day = ts.substr(0, 10), type = str(d, "type"), id = str(d, "request_id");
    if (type.empty()) {
        Request& req = requests_[id];
        req = {day, route_group(str(d, "router"), str(d, "route")), str(d, "model")};
        RouteDay& rd = report_.days[day][req.route];
        ++rd.requests;
        ++rd.models[req.model];
        double cost = 0, baseline = 0;
        if (!num(d, "cost_usd", cost)) return;
        rd.cost_usd += cost;
        if (!num(d, "cost_baseline_usd", baseline)) return;
        ++rd.compared;
        rd.compared_cost_usd += cost;
        rd.baseline_usd += baseline;
        return;
    }
    // A feedback line's "route" is already the group (router, else policy name, else "model"),
    // not the route header that request lines carry; shadow lines have a router only.
    std::string route = str(d, "route");
    if (route.empty()) route = route_group(str(d, "router"), "");
    Signal s{id, day, std::move(route), str(d, "model"), 0, type == "shadow", false};
    bool ok = type == "feedback" ? score_of(d, s.value) : type == "shadow" && num(d, "retained", s.value);
    if (!ok) return void(++report_.skipped);
    signals_.push_back(std::move(s));
}

void AuditBuilder::add_feedback_line(std::string_view line) {
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) return;
    rapidjson::Document d;
    d.Parse(line.data(), line.size());
    Signal s;
    if (!d.IsObject() || (s.request_id = str(d, "request_id")).empty() || !score_of(d, s.value))
        return void(++report_.skipped);
    s.from_file = true;
    signals_.push_back(std::move(s));
}

AuditReport AuditBuilder::finish(double drift_threshold) {
    for (Signal& s : signals_) {
        auto req = requests_.find(s.request_id);
        if (req != requests_.end()) {  // counted with its request: that day, that route, that model
            s.day = req->second.day;
            s.route = req->second.route;
            if (s.model.empty() || s.from_file) s.model = req->second.model;
        } else if (s.from_file) {
            ++report_.unmatched_feedback;
            continue;
        }
        RouteDay& rd = report_.days[s.day][s.route];
        if (s.shadow) {
            rd.retention.add(s.value);
        } else {
            rd.feedback[s.model].add(s.value);
            rd.feedback_all.add(s.value);
        }
    }
    signals_.clear();
    // Each route against the last earlier day on which it had the same signal.
    std::map<std::string, std::pair<std::string, Mean>> last_feedback, last_retention;
    auto track = [&](auto& last, const std::string& route, const char* what, const std::string& day, const Mean& now) {
        if (!now.count) return;
        auto [it, fresh] = last.try_emplace(route, day, now);
        if (fresh) return;
        compare(report_, route, what, it->second.first, it->second.second, day, now, drift_threshold);
        it->second = {day, now};
    };
    for (const auto& [day, routes] : report_.days) {
        for (const auto& [route, rd] : routes) {
            track(last_feedback, route, "mean feedback", day, rd.feedback_all);
            track(last_retention, route, "retention", day, rd.retention);
        }
    }
    return std::move(report_);
}

}  // namespace sy::cli
