// Reading the table a policy returns into a Decision, with errors that name the field.
#pragma once

#include <string>

#include "policy/lua_helpers.hpp"
#include "policy/policy_types.hpp"

struct lua_State;

namespace sy::policy {

// Reads the table at `index`. Unknown fields, wrong types, unknown models or routers and
// thresholds outside 0..1 are errors.
bool read_decision(lua_State* L, int index, const Catalog& catalog, Decision& out, std::string& error);

// Folds `next` into `acc` (fields set in next override; lists are replaced; labels add up).
void merge_decision(Decision& acc, const Decision& next);

}  // namespace sy::policy
