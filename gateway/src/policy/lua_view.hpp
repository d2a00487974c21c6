// Building read-only Lua values: the `req` table a policy receives and its nested tables.
#pragma once

#include <string_view>

#include "policy/policy_types.hpp"

struct lua_State;

namespace sy::policy {

// Replaces the table on top of the stack with a read-only proxy (writes raise an error,
// pairs/ipairs/# work).
void make_readonly(lua_State* L);

// Pushes the read-only request view for one call. Fields most policies never read (messages,
// tools, key, budget, headers, metadata, pii, time) are built on first access. Call
// end_request after the call: the view then stops reaching `in`.
void push_request(lua_State* L, const PolicyInput& in);
void end_request(lua_State* L);

void set_string(lua_State* L, const char* key, std::string_view value);

}  // namespace sy::policy
