#include "config/guardrail_section.hpp"

#include <set>

#include "config/yaml_json.hpp"

namespace sy::config {
namespace {

// A guardrail check runs inside a request: a minute is already far beyond any useful wait.
constexpr int64_t kMaxTimeoutMs = 60000;

void parse_stage(const NodeReader& node, GuardrailConfig& out) {
    std::string on;
    if (!node.get(on)) return;
    if (on == "request" || on == "response" || on == "both") {
        out.on_request = on != "response";
        out.on_response = on != "request";
    } else {
        node.fail("expected request, response or both, got '" + on + "'");
    }
}

void parse_guardrail(const NodeReader& node, GuardrailConfig& out) {
    MapReader m = node.map({"name", "plugin", "config", "on", "timeout_ms", "on_error"});
    if (NodeReader name = m["name"]; name.get(out.name, Text::required) && !is_router_name(out.name))
        name.fail("invalid guardrail name '" + out.name + "' (expected lower-case letters, digits and '_': [a-z0-9_]+)");
    m["plugin"].get(out.plugin, Text::required);
    parse_stage(m["on"], out);
    if (NodeReader t = m["timeout_ms"]; t.get(out.timeout_ms, 1) && out.timeout_ms > kMaxTimeoutMs)
        t.fail("must be at most " + std::to_string(kMaxTimeoutMs) + ", got " + std::to_string(out.timeout_ms));
    std::string on_error;
    if (NodeReader e = m["on_error"]; e.get(on_error)) {
        if (on_error == "allow" || on_error == "deny") out.deny_on_error = on_error == "deny";
        else e.fail("expected allow (fail-open) or deny (fail-closed), got '" + on_error + "'");
    }
    read_plugin_config(m["config"], out.plugin_config_json);
}

}  // namespace

void parse_guardrails(const NodeReader& node, std::vector<GuardrailConfig>& out) {
    std::set<std::string, std::less<>> names;
    for (const NodeReader& item : node.list("a list of guardrails ({name, plugin, config, on, timeout_ms, on_error})")) {
        GuardrailConfig& g = out.emplace_back();
        parse_guardrail(item, g);
        if (!g.name.empty() && !names.insert(g.name).second) item.fail("duplicate guardrail name '" + g.name + "'");
    }
}

}  // namespace sy::config
