#include "core/json_checks.hpp"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <vector>

namespace sy {
namespace {

struct Problem {
    std::optional<std::string> duplicate;
    bool non_finite = false;
};

Problem find_problem(const rapidjson::Value& value) {
    std::vector<const rapidjson::Value*> pending{&value};
    std::vector<std::string_view> names;
    while (!pending.empty()) {
        const rapidjson::Value* v = pending.back();
        pending.pop_back();
        if (v->IsDouble() && !std::isfinite(v->GetDouble())) return {std::nullopt, true};
        if (v->IsArray()) {
            for (const auto& item : v->GetArray()) pending.push_back(&item);
        } else if (v->IsObject()) {
            names.clear();
            for (const auto& m : v->GetObject()) {
                names.emplace_back(m.name.GetString(), m.name.GetStringLength());
                pending.push_back(&m.value);
            }
            std::sort(names.begin(), names.end());
            if (auto it = std::adjacent_find(names.begin(), names.end()); it != names.end())
                return {std::string(*it), false};
        }
    }
    return {};
}

}  // namespace

std::optional<ApiError> client_json_error(const rapidjson::Value& body) {
    Problem p = find_problem(body);
    if (p.duplicate)
        return ApiError::bad_request("Request body has the key '" + *p.duplicate + "' twice in one object", {},
                                     "invalid_json");
    if (p.non_finite) return ApiError::bad_request("Request body has a number out of range", {}, "invalid_json");
    return std::nullopt;
}

}  // namespace sy
