// What the trained routers (mf, sw) share at load: the embedder check against the one the
// weights were trained with, and the map from candidate names to the models in the weights
// (each trained name, plus config.models aliases).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/plugin_config.hpp"

namespace sy_plugins {

inline std::string join_names(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out.append(out.empty() ? "" : ", ").append(n);
    return out;
}

// Refuses the config when the configured embedder is not the one the weights were trained with.
inline void require_embedder(const PluginConfig& cfg, const switchyard::Host& host, const std::string& embedder,
                             const std::string& trained_with, const std::string& weights) {
    std::string have = host.embedder_id(embedder);
    if (have != trained_with)
        cfg.fail("embedder", "weights " + weights + " were trained with embedder " + trained_with +
                                 ", but the configured embedder is " + have);
}

class ModelMap {
public:
    ModelMap() = default;
    ModelMap(const PluginConfig& cfg, const std::vector<std::string>& trained) : trained_(trained) {
        for (size_t i = 0; i < trained.size(); ++i) index_.emplace(trained[i], i);
        const rapidjson::Value* map = cfg.find("models");
        if (!map) return;
        if (!map->IsObject()) cfg.fail("models", "must map candidate names to trained model names");
        for (const auto& m : map->GetObject()) {
            auto it = m.value.IsString() ? index_.find(sv(m.value)) : index_.end();
            if (it == index_.end())
                cfg.fail(std::string("models.").append(sv(m.name)),
                         "must name a model in the weights (trained: " + join_names(trained) + ")");
            index_.insert_or_assign(std::string(sv(m.name)), it->second);
        }
    }
    // The trained model a candidate stands for; throws for one the weights do not know.
    size_t at(std::string_view candidate) const {
        auto it = index_.find(candidate);
        if (it == index_.end())
            throw switchyard::Error("candidate '" + std::string(candidate) + "' is not a model these weights know (trained: " +
                                    join_names(trained_) + "); map it with config.models");
        return it->second;
    }

private:
    std::vector<std::string> trained_;
    std::map<std::string, size_t, std::less<>> index_;
};

}  // namespace sy_plugins
