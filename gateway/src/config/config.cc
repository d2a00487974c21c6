#include <switchyard/config.hpp>

#include <algorithm>

namespace sy::config {
namespace {

template <class T>
const T* find_by_name(const std::vector<T>& items, std::string_view name) {
    auto it = std::find_if(items.begin(), items.end(), [&](const T& item) { return item.name == name; });
    return it == items.end() ? nullptr : &*it;
}

}  // namespace

bool is_router_name(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    return true;
}

const ModelConfig* Config::find_model(std::string_view name) const {
    for (const auto& model : models) {
        if (model.name == name) return &model;
        if (std::find(model.aliases.begin(), model.aliases.end(), name) != model.aliases.end()) return &model;
    }
    return nullptr;
}

const ProviderConfig* Config::find_provider(std::string_view name) const { return find_by_name(providers, name); }

const RouterConfig* Config::find_router(std::string_view name) const { return find_by_name(routers, name); }

const TeamConfig* Config::find_team(std::string_view name) const { return find_by_name(teams, name); }

}  // namespace sy::config
