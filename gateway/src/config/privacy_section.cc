#include "config/privacy_section.hpp"

namespace sy::config {

bool pii_action_from_name(std::string_view name, PiiAction& out) {
    for (size_t i = 0; i < kPiiActionNames.size(); ++i) {
        if (kPiiActionNames[i] != name) continue;
        out = static_cast<PiiAction>(i);
        return true;
    }
    return false;
}

void parse_privacy(const NodeReader& node, const Config& cfg, PrivacyConfig& out) {
    MapReader m = node.map({"actions", "restore", "local_models"});
    MapReader actions = m["actions"].map(kPiiKindNames);
    for (size_t k = 0; k < kPiiKindNames.size(); ++k) {
        NodeReader item = actions[kPiiKindNames[k]];
        std::string name;
        if (!item.get(name)) continue;
        if (!pii_action_from_name(name, out.actions[k]))
            item.fail("expected " + join(kPiiActionNames) + ", got '" + name + "'");
    }
    m["restore"].get(out.restore);
    for (const NodeReader& item : m["local_models"].list("a list of model names")) {
        std::string name;
        if (!item.get(name, Text::required)) continue;
        if (!cfg.find_model(name)) item.fail("unknown model '" + name + "'");
        else out.local_models.push_back(std::move(name));
    }
}

}  // namespace sy::config
