// The `sy` table of helpers available to policies (docs/policies.md lists them).
#pragma once

#include <functional>
#include <optional>
#include <string_view>

struct lua_State;

namespace sy::policy {

struct ModelInfo {
    double input_price_per_mtok = 0;
    double output_price_per_mtok = 0;
    int64_t context_window = 0;
    bool local = false;    // at least one deployment is local
    bool healthy = true;   // at least one deployment can serve
};

// What policies may know about models and routers; answers come from the runtime.
struct Catalog {
    std::function<std::optional<ModelInfo>(std::string_view)> model;
    std::function<bool(std::string_view)> router_exists;
};

// Installs the global `sy` table. `catalog` must outlive the state.
void install_helpers(lua_State* L, const Catalog* catalog);

// Whole-word, case-insensitive: is any of the words in text? (Exposed for tests.)
bool contains_any_word(std::string_view text, const std::vector<std::string_view>& words);

}  // namespace sy::policy
