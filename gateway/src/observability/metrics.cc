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

std::string Registry::render() const {
    std::string out;
    std::lock_guard lock(mu_);
    for (const auto& [name, f] : families_) f->render(out);
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
    };
    return g;
}

}  // namespace sy::metrics
