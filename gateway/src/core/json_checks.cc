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

std::string_view name_of(const rapidjson::Value::Member& m) { return {m.name.GetString(), m.name.GetStringLength()}; }

// A name that occurs twice in the object, if any. Small objects (most of a chat body) are
// compared pair by pair, without sorting a copy of their names.
std::optional<std::string_view> duplicate_name(const rapidjson::Value& object, std::vector<std::string_view>& names) {
    constexpr rapidjson::SizeType kPairwise = 8;
    const auto members = object.GetObject();
    if (members.MemberCount() <= kPairwise) {
        for (auto a = members.begin(); a != members.end(); ++a)
            for (auto b = a + 1; b != members.end(); ++b)
                if (name_of(*a) == name_of(*b)) return name_of(*a);
        return std::nullopt;
    }
    names.clear();
    for (const auto& m : members) names.push_back(name_of(m));
    std::sort(names.begin(), names.end());
    if (auto it = std::adjacent_find(names.begin(), names.end()); it != names.end()) return *it;
    return std::nullopt;
}

Problem find_problem(const rapidjson::Value& value) {
    std::vector<const rapidjson::Value*> pending;
    pending.reserve(32);
    pending.push_back(&value);
    std::vector<std::string_view> names;
    while (!pending.empty()) {
        const rapidjson::Value* v = pending.back();
        pending.pop_back();
        if (v->IsDouble() && !std::isfinite(v->GetDouble())) return {std::nullopt, true};
        if (v->IsArray()) {
            for (const auto& item : v->GetArray()) pending.push_back(&item);
        } else if (v->IsObject()) {
            if (auto twice = duplicate_name(*v, names)) return {std::string(*twice), false};
            for (const auto& m : v->GetObject()) pending.push_back(&m.value);
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
