#include <switchyard/metrics.hpp>

#include <cmath>
#include <cstdio>

namespace sy::metrics {
namespace {

void append_escaped(std::string& out, const std::string& v) {
    for (char c : v) {
        if (c == '\\' || c == '"') out.push_back('\\');
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out.push_back(c);
    }
}

void append_number(std::string& out, double v) {
    char buf[32];
    if (std::floor(v) == v && std::fabs(v) < 1e15) std::snprintf(buf, sizeof buf, "%.0f", v);
    else std::snprintf(buf, sizeof buf, "%.17g", v);
    out += buf;
}

}  // namespace

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds), counts_(new std::atomic<uint64_t>[bounds.size() + 1]) {
    for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double v) {
    size_t i = 0;
    while (i < bounds_.size() && v > bounds_[i]) ++i;
    counts_[i].fetch_add(1, std::memory_order_relaxed);
    sum_.inc(v);
    count_.fetch_add(1, std::memory_order_relaxed);
}

void Histogram::render(std::string& out, const std::string& name, const std::string& labels) const {
    uint64_t cumulative = 0;
    std::string sep = labels.empty() ? "" : ",";
    for (size_t i = 0; i <= bounds_.size(); ++i) {
        cumulative += counts_[i].load(std::memory_order_relaxed);
        out += name + "_bucket{" + labels + sep + "le=\"";
        if (i == bounds_.size()) out += "+Inf";
        else append_number(out, bounds_[i]);
        out += "\"} ";
        append_number(out, static_cast<double>(cumulative));
        out.push_back('\n');
    }
    out += name + "_sum" + (labels.empty() ? "" : "{" + labels + "}") + " ";
    append_number(out, sum_.value());
    out += "\n" + name + "_count" + (labels.empty() ? "" : "{" + labels + "}") + " ";
    append_number(out, static_cast<double>(count_.load(std::memory_order_relaxed)));
    out.push_back('\n');
}

const std::vector<double>& overhead_buckets() {
    static const std::vector<double> b = {0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001,
                                          0.0025,  0.005,    0.01,    0.025,  0.05,    0.1,    0.25, 1};
    return b;
}

const std::vector<double>& latency_buckets() {
    static const std::vector<double> b = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};
    return b;
}

Histogram& HistogramFamily::with(const std::vector<std::string>& values) {
    std::lock_guard lock(mu_);
    auto& h = series_[values];
    if (!h) h = std::make_unique<Histogram>(bounds_);
    return *h;
}

void HistogramFamily::render(std::string& out) const {
    out += "# HELP " + name_ + " " + help_ + "\n# TYPE " + name_ + " histogram\n";
    std::lock_guard lock(mu_);
    for (const auto& [values, h] : series_) {
        std::string labels;
        for (size_t i = 0; i < labels_.size() && i < values.size(); ++i) {
            if (i) labels.push_back(',');
            labels += labels_[i] + "=\"";
            append_escaped(labels, values[i]);
            labels.push_back('"');
        }
        h->render(out, name_, labels);
    }
}

Series& Family::with(const std::vector<std::string>& values) {
    std::lock_guard lock(mu_);
    auto& s = series_[values];
    if (!s) s = std::make_unique<Series>();
    return *s;
}

void Family::clear() {
    std::lock_guard lock(mu_);
    series_.clear();
}

void Family::render(std::string& out) const {
    out += "# HELP " + name_ + " " + help_ + "\n# TYPE " + name_ + (type_ == Type::counter ? " counter\n" : " gauge\n");
    std::lock_guard lock(mu_);
    for (const auto& [values, series] : series_) {
        out += name_;
        if (!labels_.empty()) {
            out.push_back('{');
            for (size_t i = 0; i < labels_.size() && i < values.size(); ++i) {
                if (i) out.push_back(',');
                out += labels_[i] + "=\"";
                append_escaped(out, values[i]);
                out.push_back('"');
            }
            out.push_back('}');
        }
        out.push_back(' ');
        append_number(out, series->value());
        out.push_back('\n');
    }
}

Registry& Registry::instance() {
    static Registry r;
    return r;
}

Family& Registry::family(const std::string& name, const std::string& help, Type type, std::vector<std::string> labels) {
    std::lock_guard lock(mu_);
    auto& f = families_[name];
    if (!f) f = std::make_unique<Family>(name, help, type, std::move(labels));
    return *f;
}

Family& Registry::counter(const std::string& name, const std::string& help, std::vector<std::string> labels) {
    return family(name, help, Type::counter, std::move(labels));
}

Family& Registry::gauge(const std::string& name, const std::string& help, std::vector<std::string> labels) {
    return family(name, help, Type::gauge, std::move(labels));
}

HistogramFamily& Registry::histogram(const std::string& name, const std::string& help, std::vector<std::string> labels,
                                     std::vector<double> bounds) {
    std::lock_guard lock(mu_);
    auto& h = histograms_[name];
    if (!h) h = std::make_unique<HistogramFamily>(name, help, std::move(labels), std::move(bounds));
    return *h;
}

std::string Registry::render() const {
    std::string out;
    std::lock_guard lock(mu_);
    for (const auto& [name, f] : families_) f->render(out);
    for (const auto& [name, h] : histograms_) h->render(out);
    return out;
}

Gateway& Gateway::get() {
    static Gateway g{
        Registry::instance().counter("switchyard_requests_total", "Chat requests answered, by model, provider and status class",
                                     {"model", "provider", "status_class"}),
        Registry::instance().counter("switchyard_routing_decisions_total",
                                     "Routing decisions by source (model, default, router, policy, fallback)", {"source"}),
        Registry::instance().counter("switchyard_policy_errors_total",
                                     "Policy calls that failed (error, limit, invalid decision)", {"policy", "on_error"}),
        Registry::instance().counter("switchyard_upstream_errors_total", "Failed upstream calls by provider and kind",
                                     {"provider", "kind"}),
        Registry::instance().gauge("switchyard_inflight_requests", "Requests being handled"),
        Registry::instance().gauge("switchyard_config_generation", "Generation of the running config (1 = first load)"),
        Registry::instance().counter("switchyard_config_reload_failures_total",
                                     "Reloads refused (invalid config, policy or failing recorded cases)"),
        Registry::instance().gauge("switchyard_plugin_info", "Loaded plugins (value 1)", {"name", "kind", "version"}),
        Registry::instance().counter("switchyard_tokens_total",
                                     "Tokens by model, provider, direction (input, output, cached) and usage source "
                                     "(reported by the upstream, or estimated)",
                                     {"model", "provider", "direction", "usage_source"}),
        Registry::instance().counter("switchyard_cost_usd_total", "Cost in USD from the configured prices",
                                     {"model", "provider"}),
        Registry::instance().histogram("switchyard_request_duration_seconds", "Time from request to last byte",
                                       {"model", "provider"}, latency_buckets()),
        Registry::instance().histogram("switchyard_time_to_first_token_seconds",
                                       "Time from request to the first byte of the answer", {"model", "provider"},
                                       latency_buckets()),
        Registry::instance().counter("switchyard_rate_limited_total",
                                     "Requests refused by a rate limit, by level (key, team, user) and limit "
                                     "(rpm, tpm, concurrency)",
                                     {"level", "limit"}),
        Registry::instance().counter("switchyard_budget_rejections_total",
                                     "Requests refused because a budget was spent, by level", {"level"}),
        Registry::instance().counter("switchyard_state_store_errors_total",
                                     "State store calls that failed (unreachable, timeout, script error)", {"store", "op"}),
        Registry::instance().histogram("switchyard_state_store_duration_seconds", "State store call latency",
                                       {"store", "op"}, overhead_buckets()),
        Registry::instance().gauge("switchyard_state_store_degraded",
                                   "1 while the shared state store is unreachable and the degraded mode applies"),
        Registry::instance().gauge("switchyard_state_pending_charges",
                                   "Spend recorded while the store was unreachable, waiting to be replayed"),
        Registry::instance().counter("switchyard_state_dropped_charges_total",
                                     "Spend records dropped because the pending queue was full"),
        Registry::instance().counter("switchyard_unpriced_requests_total",
                                     "Requests answered by a model without configured prices (cost unknown)",
                                     {"model"}),
        Registry::instance().histogram("switchyard_gateway_overhead_seconds",
                                       "Time a request spends in the gateway outside the upstream call: parsing, "
                                       "authentication, policies, routing, limits before it; settlement and metrics "
                                       "after it",
                                       {}, overhead_buckets()),
        Registry::instance().histogram("switchyard_policy_evaluation_seconds",
                                       "Time to run the policy chain on one request", {}, overhead_buckets()),
        Registry::instance().histogram("switchyard_router_decision_seconds", "Time a router plugin takes to decide",
                                       {"router"}, overhead_buckets()),
        Registry::instance().counter("switchyard_fallbacks_total",
                                     "Requests that left their first choice, by reason (router_error: a router "
                                     "failed; no_local_deployment: a local_only route moved to a fallback model; "
                                     "unavailable, rate_limited: a model fallback after its deployments failed; "
                                     "retry_budget_exhausted; all_deployments_cooling_down: panic mode; context_window: a prompt too long for the model)",
                                     {"reason"}),
        Registry::instance().counter("switchyard_retries_total",
                                     "Attempts retried on another deployment after this provider failed before the first byte",
                                     {"provider"}),
        Registry::instance().counter("switchyard_cache_hits_total",
                                     "Answers served from a cache (cache: exact)",
                                     {"cache"}),
        Registry::instance().counter("switchyard_team_spend_usd_total",
                                     "Spend by team: a name from teams[], \"other\" for teams only admin keys name, "
                                     "\"none\" for keys without a team and anonymous requests",
                                     {"team"}),
        Registry::instance().counter("switchyard_feedback_total",
                                     "POST /v1/feedback calls taken, by router, model that answered and outcome "
                                     "(applied, ignored: the router does not learn, error)",
                                     {"router", "model", "outcome"}),
        Registry::instance().counter("switchyard_cascade_attempts_total",
                                     "Answers a cascade router asked for, by model and outcome (answered: sent to "
                                     "the client; escalated: rejected by the check or failed)",
                                     {"router", "model", "outcome"}),
        Registry::instance().counter("switchyard_deployment_ejections_total",
                                     "Deployments taken out of rotation by outlier detection (failures in a row, a "
                                     "429 with Retry-After, a failed probe)",
                                     {"provider", "model"}),
        Registry::instance().gauge("switchyard_deployment_ejected",
                                   "1 while a deployment cools down after an ejection, 0 once its probe succeeded",
                                   {"provider", "model"}),
        Registry::instance().counter("switchyard_cascade_extra_cost_usd_total",
                                     "What a cascade's answers that the client did not get cost (rejected "
                                     "attempts and judge calls)",
                                     {"router"}),
        Registry::instance().counter("switchyard_feedback_score_total",
                                     "Sum of feedback scores (0..1) by router and model; divide by "
                                     "switchyard_feedback_total for the mean",
                                     {"router", "model"}),
        Registry::instance().gauge("switchyard_queue_waiting",
                                   "Requests waiting for a deployment while all of their model's cool down or are full"),
        Registry::instance().counter("switchyard_queued_total",
                                     "Requests that queued for a deployment, by what became of them (released, "
                                     "timed_out, full, client_gone)",
                                     {"outcome"}),
        Registry::instance().histogram("switchyard_queue_wait_seconds", "Time a queued request waited for a deployment",
                                       {}, latency_buckets()),
        Registry::instance().gauge("switchyard_budget_used_ratio",
                                   "Share of each budget the config declares that is spent or reserved (level: "
                                   "team, key or model; name: its name), read every 15 s",
                                   {"level", "name"}),
        Registry::instance().counter("switchyard_trace_spans_total",
                                     "Spans of sampled requests by what became of them: exported, dropped_queue_full "
                                     "(the export queue was full), dropped_export_failed (the collector failed)",
                                     {"outcome"}),
        Registry::instance().counter("switchyard_cache_misses_total",
                                     "Cacheable requests the cache could not answer (cache: exact)", {"cache"}),
        Registry::instance().gauge("switchyard_provider_health_check_up",
                                   "1 while a provider's active health check passes, 0 while it fails",
                                   {"provider"}),
        Registry::instance().counter("switchyard_pii_actions_total",
                                     "Requests whose prompt held a kind of personal data, by the action the privacy "
                                     "settings or a policy took for it (allow, redact, local_only, deny)",
                                     {"kind", "action"}),
    };
    return g;
}

}  // namespace sy::metrics
