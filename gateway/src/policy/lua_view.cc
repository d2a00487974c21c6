#include "policy/lua_view.hpp"

#include <lua5.4/lauxlib.h>
#include <lua5.4/lua.h>

#include <ctime>

#include "policy/pii_detector.hpp"

namespace sy::policy {
namespace {

constexpr const char* kReadonlyMeta = "switchyard.readonly";

// Read-only views are userdata holding the data table as their user value, all sharing one
// metatable: one allocation per view instead of a proxy table, a metatable and closures.
void push_data_of(lua_State* L, int index) { lua_getiuservalue(L, index, 1); }

constexpr const char* kCurrentRequest = "switchyard.current_request";

bool build_lazy_field(lua_State* L, const PolicyInput& in, std::string_view key);

// The PolicyInput behind a request view while its call runs (null for other views, and for a
// request view kept past its call, so a stale view can never reach freed memory).
const PolicyInput* input_of(lua_State* L, int index) {
    if (lua_getiuservalue(L, index, 2) != LUA_TLIGHTUSERDATA) {
        lua_pop(L, 1);
        return nullptr;
    }
    auto* in = static_cast<const PolicyInput*>(lua_touserdata(L, -1));
    lua_pop(L, 1);
    return in;
}

int readonly_index(lua_State* L) {
    push_data_of(L, 1);
    lua_pushvalue(L, 2);
    if (lua_rawget(L, -2) != LUA_TNIL) return 1;
    const PolicyInput* in = input_of(L, 1);
    if (!in || lua_type(L, 2) != LUA_TSTRING) return 1;
    lua_pop(L, 1);  // data
    size_t len = 0;
    const char* key = lua_tolstring(L, 2, &len);
    if (!build_lazy_field(L, *in, std::string_view(key, len))) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushvalue(L, 2);   // data value key
    lua_pushvalue(L, -2);  // data value key value
    lua_rawset(L, -4);     // data[key] = value
    return 1;
}

int readonly_write(lua_State* L) {
    return luaL_error(L, "the request view is read-only (tried to set '%s')", luaL_tolstring(L, 2, nullptr));
}

int readonly_len(lua_State* L) {
    push_data_of(L, 1);
    lua_pushinteger(L, static_cast<lua_Integer>(lua_rawlen(L, -1)));
    return 1;
}

constexpr const char* kLazyFields[] = {"messages", "tools", "key", "budget", "headers", "metadata", "pii", "time"};

int readonly_pairs(lua_State* L) {
    if (const PolicyInput* in = input_of(L, 1)) {  // materialize lazy fields so pairs sees them
        push_data_of(L, 1);
        for (const char* f : kLazyFields) {
            if (lua_getfield(L, -1, f) != LUA_TNIL) {
                lua_pop(L, 1);
                continue;
            }
            lua_pop(L, 1);
            if (build_lazy_field(L, *in, f)) lua_setfield(L, -2, f);
        }
        lua_pop(L, 1);
    }
    lua_getglobal(L, "next");
    push_data_of(L, 1);
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
    lua_createtable(L, 0, key ? static_cast<int>(key->labels.size()) : 0);
    if (key)
        for (const auto& [name, value] : key->labels) set_string(L, name.c_str(), value);
    make_readonly(L);
    lua_setfield(L, -2, "labels");
    make_readonly(L);
}

void push_budget(lua_State* L, const PolicyInput& in) {
    double spent = in.budget_spent_usd, limit = in.budget_limit_usd;
    if (in.budget_source) (*in.budget_source)(spent, limit);
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
    for (uint8_t k = 0; k < kPiiKinds; ++k) {
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

// Builds (pushes) one of the fields that most policies never read, on first access.
bool build_lazy_field(lua_State* L, const PolicyInput& in, std::string_view key) {
    const ChatRequest& r = in.request;
    if (key == "messages") push_messages(L, r);
    else if (key == "tools") push_string_list(L, r.tool_names);
    else if (key == "key") push_key(L, in.key);
    else if (key == "budget") push_budget(L, in);
    else if (key == "headers") push_pairs(L, in.headers_source ? (*in.headers_source)() : in.headers);
    else if (key == "metadata") push_pairs(L, r.metadata);
    else if (key == "pii") push_pii(L, in.pii_source ? (*in.pii_source)() : in.pii);
    else if (key == "time") push_time(L, in.unix_time);
    else return false;
    return true;
}

}  // namespace

void set_string(lua_State* L, const char* key, std::string_view value) {
    lua_pushlstring(L, value.data(), value.size());
    lua_setfield(L, -2, key);
}

void make_readonly(lua_State* L) {
    // stack: data
    lua_newuserdatauv(L, 0, 2);        // data view (user values: data, request input or nil)
    lua_insert(L, -2);                 // view data
    lua_setiuservalue(L, -2, 1);       // view
    if (luaL_newmetatable(L, kReadonlyMeta)) {
        static const luaL_Reg meta[] = {{"__index", readonly_index},
                                        {"__newindex", readonly_write},
                                        {"__len", readonly_len},
                                        {"__pairs", readonly_pairs},
                                        {nullptr, nullptr}};
        luaL_setfuncs(L, meta, 0);
        lua_pushliteral(L, "read-only");
        lua_setfield(L, -2, "__metatable");
    }
    lua_setmetatable(L, -2);
}

void push_request(lua_State* L, const PolicyInput& in) {
    const ChatRequest& r = in.request;
    lua_createtable(L, 0, 16);
    set_string(L, "model", r.model);
    set_string(L, "last_user_message", r.last_user_text);
    set_string(L, "system", r.system_text);
    set_integer(L, "tokens", r.prompt_tokens);
    if (r.max_tokens >= 0) set_integer(L, "max_tokens", r.max_tokens);
    set_bool(L, "stream", r.stream);
    set_string(L, "user", r.user);
    make_readonly(L);
    lua_pushlightuserdata(L, const_cast<PolicyInput*>(&in));
    lua_setiuservalue(L, -2, 2);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, kCurrentRequest);
}

void end_request(lua_State* L) {
    if (lua_getfield(L, LUA_REGISTRYINDEX, kCurrentRequest) == LUA_TUSERDATA) {
        lua_pushnil(L);
        lua_setiuservalue(L, -2, 2);
    }
    lua_pop(L, 1);
    lua_pushnil(L);
    lua_setfield(L, LUA_REGISTRYINDEX, kCurrentRequest);
}

}  // namespace sy::policy
