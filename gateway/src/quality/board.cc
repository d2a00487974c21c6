#include "quality/board.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>

#include <switchyard/metrics.hpp>

namespace sy::quality {
namespace {

struct Families {
    metrics::Family& feedback;
    metrics::Family& feedback_score;
    metrics::Family& shadow;
    metrics::Family& verdicts;
    metrics::Family& cost;
    metrics::Family& retention;
    static Families& get() {
        auto& r = metrics::Registry::instance();
        static Families f{
            r.counter("switchyard_quality_feedback_total",
                      "Feedback taken by POST /v1/feedback, by router (none without one), route (router, policy "
                      "or model), model and thumbs (up, down, none)",
                      {"router", "route", "model", "thumbs"}),
            r.counter("switchyard_quality_feedback_score_total",
                      "Sum of feedback scores (0..1); divide by switchyard_quality_feedback_total for the mean",
                      {"router", "route", "model"}),
            r.counter("switchyard_shadow_requests_total",
                      "Shadow requests to the baseline model by router and outcome (judged, dropped_queue_full, "
                      "over_budget, failed)",
                      {"router", "outcome"}),
            r.counter("switchyard_shadow_verdicts_total",
                      "Judged shadows by router and the routed answer's verdict against the baseline's (win, tie, loss)",
                      {"router", "verdict"}),
            r.counter("switchyard_shadow_cost_usd_total", "Spend on shadow requests and their judges, by router",
                      {"router"}),
            r.gauge("switchyard_quality_retention",
                    "Share of shadowed requests whose routed answer was at least as good as the baseline's (a win "
                    "or a tie), with its 95% Wilson interval: bound estimate, lower, upper",
                    {"router", "bound"}),
        };
        return f;
    }
};

const std::string& shown(const std::string& router) {
    static const std::string none = "none";
    return router.empty() ? none : router;
}

}  // namespace

const char* outcome_name(ShadowOutcome o) {
    switch (o) {
        case ShadowOutcome::judged: return "judged";
        case ShadowOutcome::dropped_queue_full: return "dropped_queue_full";
        case ShadowOutcome::over_budget: return "over_budget";
        case ShadowOutcome::failed: return "failed";
    }
    return "failed";
}

Board::Board() { Families::get(); }

double Retention::estimate() const {
    return judged() == 0 ? std::nan("") : static_cast<double>(wins + ties) / static_cast<double>(judged());
}

void Board::add_feedback(const std::string& router, const std::string& route, const std::string& model, double score,
                         std::optional<bool> thumbs) {
    const std::string& r = shown(router);
    {
        std::lock_guard lock(mu_);
        Feedback& f = feedback_[{r, route, model}];
        ++f.count;
        f.score_sum += score;
        if (thumbs) ++(*thumbs ? f.up : f.down);
    }
    Families& m = Families::get();
    m.feedback.with({r, route, model, !thumbs ? "none" : *thumbs ? "up" : "down"}).inc();
    m.feedback_score.with({r, route, model}).inc(score);
}

void Board::add_shadow(const std::string& router, ShadowOutcome outcome, double cost_usd) {
    {
        std::lock_guard lock(mu_);
        Shadow& s = shadow_[router];
        ++s.outcomes[outcome];
        s.cost_usd += cost_usd;
    }
    Families& m = Families::get();
    m.shadow.with({router, outcome_name(outcome)}).inc();
    if (cost_usd > 0) m.cost.with({router}).inc(cost_usd);
}

void Board::add_verdict(const std::string& router, Verdict v) {
    Retention now;
    {
        std::lock_guard lock(mu_);
        Retention& r = shadow_[router].retention;
        ++(v == Verdict::win ? r.wins : v == Verdict::tie ? r.ties : r.losses);
        now = r;
    }
    Families& m = Families::get();
    m.verdicts.with({router, verdict_name(v)}).inc();
    Interval ci = now.interval();
    m.retention.with({router, "estimate"}).set(now.estimate());
    m.retention.with({router, "lower"}).set(ci.lower);
    m.retention.with({router, "upper"}).set(ci.upper);
}

Retention Board::retention(const std::string& router) const {
    std::lock_guard lock(mu_);
    auto it = shadow_.find(router);
    return it == shadow_.end() ? Retention{} : it->second.retention;
}

std::string Board::to_json() const {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    std::lock_guard lock(mu_);
    w.StartObject();
    w.Key("feedback");
    w.StartArray();
    for (const auto& [key, f] : feedback_) {
        w.StartObject();
        w.Key("router");
        w.String(std::get<0>(key).c_str());
        w.Key("route");
        w.String(std::get<1>(key).c_str());
        w.Key("model");
        w.String(std::get<2>(key).c_str());
        w.Key("count");
        w.Int64(f.count);
        w.Key("mean_score");
        w.Double(f.score_sum / static_cast<double>(f.count));
        w.Key("thumbs_up");
        w.Int64(f.up);
        w.Key("thumbs_down");
        w.Int64(f.down);
        w.EndObject();
    }
    w.EndArray();
    w.Key("shadow");
    w.StartArray();
    for (const auto& [router, s] : shadow_) {
        w.StartObject();
        w.Key("router");
        w.String(router.c_str());
        for (ShadowOutcome o : {ShadowOutcome::judged, ShadowOutcome::dropped_queue_full, ShadowOutcome::over_budget,
                                ShadowOutcome::failed}) {
            auto it = s.outcomes.find(o);
            w.Key(outcome_name(o));
            w.Int64(it == s.outcomes.end() ? 0 : it->second);
        }
        w.Key("wins");
        w.Int64(s.retention.wins);
        w.Key("ties");
        w.Int64(s.retention.ties);
        w.Key("losses");
        w.Int64(s.retention.losses);
        w.Key("retention");
        if (s.retention.judged() > 0) w.Double(s.retention.estimate());
        else w.Null();
        Interval ci = s.retention.interval();
        w.Key("lower");
        w.Double(ci.lower);
        w.Key("upper");
        w.Double(ci.upper);
        w.Key("cost_usd");
        w.Double(s.cost_usd);
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return {sb.GetString(), sb.GetSize()};
}

}  // namespace sy::quality
