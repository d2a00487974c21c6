#include "core/json_duplicates.hpp"

#include <algorithm>
#include <string_view>
#include <vector>

namespace sy {

std::optional<std::string> duplicate_key(const rapidjson::Value& value) {
    std::vector<const rapidjson::Value*> pending{&value};
    std::vector<std::string_view> names;
    while (!pending.empty()) {
        const rapidjson::Value* v = pending.back();
        pending.pop_back();
        if (v->IsArray()) {
            for (const auto& item : v->GetArray()) pending.push_back(&item);
        } else if (v->IsObject()) {
            names.clear();
            for (const auto& m : v->GetObject()) {
                names.emplace_back(m.name.GetString(), m.name.GetStringLength());
                pending.push_back(&m.value);
            }
            std::sort(names.begin(), names.end());
            if (auto it = std::adjacent_find(names.begin(), names.end()); it != names.end()) return std::string(*it);
        }
    }
    return std::nullopt;
}

std::optional<ApiError> duplicate_key_error(const rapidjson::Value& body) {
    auto key = duplicate_key(body);
    if (!key) return std::nullopt;
    return ApiError::bad_request("Request body has the key '" + *key + "' twice in one object", {}, "invalid_json");
}

}  // namespace sy
