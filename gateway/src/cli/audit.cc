#include "cli/audit.hpp"

#include <cstdio>
#include <fstream>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "cli/audit_report.hpp"
#include "cli/cli_args.hpp"

namespace sy::cli {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

template <class F>
bool each_line(const std::string& path, F&& f) {
    std::ifstream in(path);
    if (!in) return false;
    for (std::string line; std::getline(in, line);) f(line);
    return true;
}

void key_value(Writer& w, const char* key, int64_t v) {
    w.Key(key);
    w.Int64(v);
}
void key_value(Writer& w, const char* key, double v) {
    w.Key(key);
    w.Double(v);
}
void key_value(Writer& w, const char* key, const std::string& v) {
    w.Key(key);
    w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
}

double share(int64_t part, int64_t whole) { return whole ? static_cast<double>(part) / static_cast<double>(whole) : 0; }

void mean_json(Writer& w, const Mean& m, const char* count_name) {
    w.StartObject();
    key_value(w, "mean", m.value());
    key_value(w, count_name, m.count);
    w.EndObject();
}

void print_json(const AuditReport& r) {
    rapidjson::StringBuffer sb;
    Writer w(sb);
    w.StartObject();
    w.Key("days");
    w.StartArray();
    for (const auto& [day, routes] : r.days) {
        for (const auto& [route, rd] : routes) {
            w.StartObject();
            key_value(w, "day", day);
            key_value(w, "route", route);
            key_value(w, "requests", rd.requests);
            w.Key("models");
            w.StartObject();
            for (const auto& [model, n] : rd.models) {
                w.Key(model.c_str());
                w.StartObject();
                key_value(w, "requests", n);
                key_value(w, "share", share(n, rd.requests));
                w.EndObject();
            }
            w.EndObject();
            key_value(w, "cost_usd", rd.cost_usd);
            key_value(w, "compared_requests", rd.compared);
            key_value(w, "compared_cost_usd", rd.compared_cost_usd);
            key_value(w, "baseline_usd", rd.baseline_usd);
            key_value(w, "saved_usd", rd.saved_usd());
            w.Key("feedback");
            w.StartObject();
            for (const auto& [model, m] : rd.feedback) {
                w.Key(model.c_str());
                mean_json(w, m, "count");
            }
            w.EndObject();
            w.Key("retention");
            if (rd.retention.count) mean_json(w, rd.retention, "judged");
            else w.Null();
            w.EndObject();
        }
    }
    w.EndArray();
    w.Key("warnings");
    w.StartArray();
    for (const auto& s : r.warnings) w.String(s.c_str());
    w.EndArray();
    key_value(w, "skipped_lines", r.skipped);
    key_value(w, "unmatched_feedback", r.unmatched_feedback);
    w.EndObject();
    std::printf("%s\n", sb.GetString());
}

void print_text(const AuditReport& r) {
    for (const auto& [day, routes] : r.days) {
        for (const auto& [route, rd] : routes) {
            std::printf("%s  route %s\n  requests %lld:", day.c_str(), route.c_str(), static_cast<long long>(rd.requests));
            for (const auto& [model, n] : rd.models)
                std::printf(" %s %.1f%% (%lld)", model.empty() ? "(none)" : model.c_str(), 100 * share(n, rd.requests),
                            static_cast<long long>(n));
            std::printf("\n  cost $%.6f", rd.cost_usd);
            if (rd.compared)
                std::printf("  baseline $%.6f  saved $%.6f (%.1f%%) over %lld priced requests", rd.baseline_usd,
                            rd.saved_usd(), rd.baseline_usd > 0 ? 100 * rd.saved_usd() / rd.baseline_usd : 0.0,
                            static_cast<long long>(rd.compared));
            else
                std::printf("  no baseline");
            std::printf("\n");
            if (!rd.feedback.empty()) {
                std::printf("  feedback:");
                for (const auto& [model, m] : rd.feedback)
                    std::printf(" %s %.2f (%lld)", model.c_str(), m.value(), static_cast<long long>(m.count));
                std::printf("\n");
            }
            if (rd.retention.count)
                std::printf("  retention %.2f (%lld judged)\n", rd.retention.value(),
                            static_cast<long long>(rd.retention.count));
        }
    }
    for (const auto& s : r.warnings) std::printf("warning: %s\n", s.c_str());
    if (r.skipped) std::printf("skipped %lld lines that are not access-log records\n", static_cast<long long>(r.skipped));
    if (r.unmatched_feedback)
        std::printf("%lld feedback lines name requests not in the log\n", static_cast<long long>(r.unmatched_feedback));
}

}  // namespace

int audit(const std::vector<std::string>& argv) {
    Args args(argv, {"--log", "--feedback", "--drift-threshold"}, {"--json"});
    if (!args.error().empty()) return usage("audit: " + args.error());
    if (!args.positional().empty()) return usage("audit: unexpected argument '" + args.positional().front() + "'");
    if (!args.has("--log")) return usage("audit needs --log FILE");
    double threshold = 0.1;
    std::string why;
    if (!args.number("--drift-threshold", threshold, 0, 1, why)) return usage("audit: " + why);
    AuditBuilder builder;
    for (const std::string& path : args.all("--log"))
        if (!each_line(path, [&](const std::string& l) { builder.add_log_line(l); }))
            return fail("audit: cannot read " + path);
    for (const std::string& path : args.all("--feedback"))
        if (!each_line(path, [&](const std::string& l) { builder.add_feedback_line(l); }))
            return fail("audit: cannot read " + path);
    AuditReport report = builder.finish(threshold);
    if (args.has("--json")) print_json(report);
    else print_text(report);
    return 0;
}

}  // namespace sy::cli
