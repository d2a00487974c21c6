#include "policy/lua_view.hpp"

#include <lua5.4/lauxlib.h>
#include <lua5.4/lua.h>

#include <ctime>

#include "policy/pii_detector.hpp"

namespace sy::policy {
namespace {

int readonly_write(lua_State* L) {
    return luaL_error(L, "the request view is read-only (tried to set '%s')", luaL_tolstring(L, 2, nullptr));
}

int readonly_len(lua_State* L) {
    lua_pushinteger(L, static_cast<lua_Integer>(lua_rawlen(L, lua_upvalueindex(1))));
    return 1;
}

int readonly_pairs(lua_State* L) {
    lua_getglobal(L, "next");
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushnil(L);
    return 3;
}

void set_bool(lua_State* L, const char* key, bool value) {
    lua_pushboolean(L, value);
    lua_setfield(L, -2, key);
}

void set_number(lua_State* L, const char* key, double value) {
    lua_pushnumber(L, value);
    lua_setfield(L, -2, key);
}

void set_integer(lua_State* L, const char* key, int64_t value) {
    lua_pushinteger(L, static_cast<lua_Integer>(value));
    lua_setfield(L, -2, key);
}

void push_messages(lua_State* L, const ChatRequest& r) {
    lua_createtable(L, static_cast<int>(r.messages.size()), 0);
    lua_Integer i = 1;
    for (const auto& m : r.messages) {
        lua_createtable(L, 0, 3);
        set_string(L, "role", m.role);
        set_string(L, "content", m.text);
        set_bool(L, "has_non_text", m.has_non_text);
        make_readonly(L);
        lua_rawseti(L, -2, i++);
    }
    make_readonly(L);
}

void push_string_list(lua_State* L, const std::vector<std::string>& items) {
    lua_createtable(L, static_cast<int>(items.size()), 0);
    lua_Integer i = 1;
    for (const auto& s : items) {
        lua_pushlstring(L, s.data(), s.size());
        lua_rawseti(L, -2, i++);
    }
    make_readonly(L);
}

void push_pairs(lua_State* L, const std::vector<std::pair<std::string, std::string>>& items) {
    lua_createtable(L, 0, static_cast<int>(items.size()));
    for (const auto& [k, v] : items) {
        lua_pushlstring(L, k.data(), k.size());
        lua_pushlstring(L, v.data(), v.size());
        lua_rawset(L, -3);
    }
    make_readonly(L);
}

void push_key(lua_State* L, const config::ApiKeyConfig* key) {
    lua_createtable(L, 0, 4);
    set_string(L, "id", key ? key->id : "anonymous");
    set_string(L, "tier", key ? key->tier : "");
    set_string(L, "team", key ? key->team : "");
    lua_newtable(L);
    make_readonly(L);
    lua_setfield(L, -2, "labels");
    make_readonly(L);
}

void push_budget(lua_State* L, double spent, double limit) {
    lua_createtable(L, 0, 3);
    set_number(L, "spent_usd", spent);
    set_number(L, "limit_usd", limit);
    set_number(L, "fraction_used", limit > 0 ? spent / limit : 0.0);
    make_readonly(L);
}

// Array of kind names plus name -> true, so both ipairs(req.pii) and req.pii.email work.
void push_pii(lua_State* L, uint32_t kinds) {
    lua_createtable(L, 2, 2);
    lua_Integer i = 1;
    for (uint8_t k = 0; k <= static_cast<uint8_t>(PiiKind::national_id); ++k) {
        if (!(kinds & (1u << k))) continue;
        const char* name = pii_kind_name(static_cast<PiiKind>(k));
        lua_pushstring(L, name);
        lua_rawseti(L, -2, i++);
        set_bool(L, name, true);
    }
    make_readonly(L);
}

void push_time(lua_State* L, int64_t unix_time) {
    std::time_t t = static_cast<std::time_t>(unix_time);
    std::tm tm{};
    gmtime_r(&t, &tm);
    lua_createtable(L, 0, 3);
    set_integer(L, "unix", unix_time);
    set_integer(L, "hour", tm.tm_hour);
    set_integer(L, "weekday", tm.tm_wday == 0 ? 7 : tm.tm_wday);  // 1 = Monday .. 7 = Sunday
    make_readonly(L);
}

}  // namespace

void set_string(lua_State* L, const char* key, std::string_view value) {
    lua_pushlstring(L, value.data(), value.size());
    lua_setfield(L, -2, key);
}

void make_readonly(lua_State* L) {
    // stack: data
    lua_createtable(L, 0, 0);          // proxy
    lua_createtable(L, 0, 5);          // metatable
    lua_pushvalue(L, -3);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, readonly_write);
    lua_setfield(L, -2, "__newindex");
    lua_pushvalue(L, -3);
    lua_pushcclosure(L, readonly_len, 1);
    lua_setfield(L, -2, "__len");
    lua_pushvalue(L, -3);
    lua_pushcclosure(L, readonly_pairs, 1);
    lua_setfield(L, -2, "__pairs");
    lua_pushliteral(L, "read-only");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);           // data proxy
    lua_remove(L, -2);                 // proxy
}

void push_request(lua_State* L, const PolicyInput& in) {
    const ChatRequest& r = in.request;
    lua_createtable(L, 0, 20);
    set_string(L, "model", r.model);
    push_messages(L, r);
    lua_setfield(L, -2, "messages");
    set_string(L, "last_user_message", r.last_user_text);
    set_string(L, "system", r.system_text);
    set_integer(L, "tokens", r.prompt_tokens);
    if (r.max_tokens >= 0) set_integer(L, "max_tokens", r.max_tokens);
    set_bool(L, "stream", r.stream);
    push_string_list(L, r.tool_names);
    lua_setfield(L, -2, "tools");
    set_string(L, "user", r.user);
    push_key(L, in.key);
    lua_setfield(L, -2, "key");
    push_budget(L, in.budget_spent_usd, in.budget_limit_usd);
    lua_setfield(L, -2, "budget");
    push_pairs(L, in.headers);
    lua_setfield(L, -2, "headers");
    push_pairs(L, r.metadata);
    lua_setfield(L, -2, "metadata");
    push_pii(L, in.pii);
    lua_setfield(L, -2, "pii");
    push_time(L, in.unix_time);
    lua_setfield(L, -2, "time");
    make_readonly(L);
}

}  // namespace sy::policy
