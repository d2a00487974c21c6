#include "config/shadow_section.hpp"

namespace sy::config {
namespace {

bool known_model(const NodeReader& at, const Config& cfg, const std::string& name) {
    if (cfg.find_model(name)) return true;
    at.fail("unknown model '" + name + "' (expected a configured model)");
    return false;
}

void parse_judge(const NodeReader& node, const Config& cfg, ShadowConfig& out) {
    MapReader m = node.map({"model", "randomize_order"});
    if (NodeReader model = m["model"]; model.get(out.judge_model, Text::required)) known_model(model, cfg, out.judge_model);
    m["randomize_order"].get(out.randomize_order);
}

}  // namespace

void parse_shadow(const NodeReader& node, const Config& cfg, RouterConfig& router) {
    if (!node.has_value()) return;
    ShadowConfig& out = router.shadow;
    out.enabled = true;
    MapReader m = node.map({"sample", "baseline", "budget_usd", "period", "judge", "compare", "min_similarity"});
    m["sample"].get(out.sample, Bounds{.min = 0, .max = 1, .min_exclusive = true});
    if (!router.candidates.empty()) out.baseline = router.candidates.front();  // strongest first
    if (NodeReader b = m["baseline"]; b.get(out.baseline, Text::non_empty)) known_model(b, cfg, out.baseline);
    m["budget_usd"].get(out.budget_usd, Bounds{.min = 0});
    std::string period;
    if (NodeReader p = m["period"]; p.get(period)) {
        if (period == "hourly") out.period_s = 3600;
        else if (period == "daily") out.period_s = 86400;
        else p.fail("expected hourly or daily, got '" + period + "'");
    }
    NodeReader judge = m["judge"], compare = m["compare"];
    if (judge.has_value()) parse_judge(judge, cfg, out);
    if (compare.get(out.compare) && out.compare != "exact" && out.compare != "similarity")
        compare.fail("expected exact or similarity, got '" + out.compare + "'");
    if (judge.has_value() == compare.has_value())
        node.fail("needs exactly one of judge (a model that compares the answers) or compare (exact or similarity)");
    m["min_similarity"].get(out.min_similarity, Bounds{.min = -1, .max = 1});
}

}  // namespace sy::config
