// The figures of `switchyard audit`: access-log lines (requests, and the feedback and shadow
// lines the quality side appends) folded per day and per route, with drift warnings. Pure: no
// files, no printing (cli/audit.cc does both).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace sy::cli {

struct Mean {
    double sum = 0;
    int64_t count = 0;
    void add(double v) { sum += v, ++count; }
    double value() const { return count ? sum / static_cast<double>(count) : 0; }
};

// One route on one day.
struct RouteDay {
    int64_t requests = 0;
    std::map<std::string, int64_t> models;  // requests answered by each model ("" when none answered)
    double cost_usd = 0;                    // every request with a known cost
    int64_t compared = 0;                   // requests with both a cost and a baseline cost
    double compared_cost_usd = 0;           // their cost
    double baseline_usd = 0;                // their baseline cost
    std::map<std::string, Mean> feedback;   // scores by the model that answered
    Mean feedback_all;
    Mean retention;                         // shadow verdicts' `retained`
    double saved_usd() const { return baseline_usd - compared_cost_usd; }
};

struct AuditReport {
    std::map<std::string, std::map<std::string, RouteDay>> days;  // day (YYYY-MM-DD) -> route -> figures
    std::vector<std::string> warnings;
    int64_t skipped = 0;          // lines that are not JSON objects of a known kind
    int64_t unmatched_feedback = 0;  // --feedback lines whose request_id is not in the log
};

// The route a request is grouped under: the router's name when a router decided, else the
// policy's name (from "policy:<name> ..."), else "model".
std::string route_group(std::string_view router, std::string_view route);

class AuditBuilder {
public:
    // A line of the access log: a request, {"type": "feedback"} or {"type": "shadow"}.
    void add_log_line(std::string_view line);
    // A line of a --feedback file: {"request_id", "score" | "thumbs"}.
    void add_feedback_line(std::string_view line);
    // Joins feedback and shadow lines to their requests, then compares each route's quality
    // signals (mean feedback, retention) with its previous day that has them.
    AuditReport finish(double drift_threshold);

private:
    struct Request {
        std::string day, route, model;
    };
    struct Signal {  // a feedback score or a shadow verdict, joined to its request at the end
        std::string request_id, day, route, model;
        double value = 0;
        bool shadow = false;
        bool from_file = false;  // --feedback: only counts when its request is in the log
    };
    AuditReport report_;
    std::map<std::string, Request, std::less<>> requests_;
    std::vector<Signal> signals_;
};

}  // namespace sy::cli
