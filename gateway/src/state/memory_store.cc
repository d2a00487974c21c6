#include "state/memory_store.hpp"

#include <cmath>
#include <cstdio>

#include <lua.hpp>

#include "state/limiter.hpp"

namespace sy::state {
namespace {

// The keyspace the running script works on (a light userdata in the registry).
const char kKeyspaceKey = 0;

Keyspace& keyspace_of(lua_State* L) {
    lua_rawgetp(L, LUA_REGISTRYINDEX, &kKeyspaceKey);
    auto* ks = static_cast<Keyspace*>(lua_touserdata(L, -1));
    lua_pop(L, 1);
    return *ks;
}

// Lua argument -> command argument, formatted as Redis formats Lua numbers. False for other types.
bool to_arg(lua_State* L, int i, std::string& out) {
    if (lua_isinteger(L, i)) {
        out = std::to_string(lua_tointeger(L, i));
    } else if (lua_type(L, i) == LUA_TNUMBER) {
        char buf[32];
        snprintf(buf, sizeof buf, "%.17g", lua_tonumber(L, i));
        out = buf;
    } else if (lua_type(L, i) == LUA_TSTRING) {
        size_t len = 0;
        const char* s = lua_tolstring(L, i, &len);
        out.assign(s, len);
    } else {
        return false;
    }
    return true;
}

// Reply -> Lua value, following Redis's conversion (nil becomes false).
void push_reply(lua_State* L, const Reply& r) {
    switch (r.type) {
    case Reply::Type::integer: lua_pushinteger(L, r.integer); break;
    case Reply::Type::string: lua_pushlstring(L, r.str.data(), r.str.size()); break;
    case Reply::Type::array:
        lua_createtable(L, static_cast<int>(r.elements.size()), 0);
        for (size_t i = 0; i < r.elements.size(); ++i) {
            push_reply(L, r.elements[i]);
            lua_rawseti(L, -2, static_cast<lua_Integer>(i + 1));
        }
        break;
    case Reply::Type::error:
    case Reply::Type::failure:
        lua_createtable(L, 0, 1);
        lua_pushlstring(L, r.str.data(), r.str.size());
        lua_setfield(L, -2, "err");
        break;
    case Reply::Type::nil: lua_pushboolean(L, 0); break;
    }
}

// Raises Lua errors only after every C++ object of the call is gone (Lua errors longjmp).
int redis_call(lua_State* L) {
    bool failed = false;
    {
        int n = lua_gettop(L);
        std::vector<std::string> argv(static_cast<size_t>(n));
        for (int i = 1; i <= n && !failed; ++i) failed = !to_arg(L, i, argv[static_cast<size_t>(i - 1)]);
        if (n == 0 || failed) {
            lua_pushstring(L, "Lua redis() command arguments must be strings or integers");
            failed = true;
        } else if (Reply r = keyspace_of(L).execute(argv); r.type == Reply::Type::error) {
            lua_pushlstring(L, r.str.data(), r.str.size());
            failed = true;
        } else {
            push_reply(L, r);
        }
    }
    return failed ? lua_error(L) : 1;
}

int redis_error_reply(lua_State* L) {
    lua_createtable(L, 0, 1);
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "err");
    return 1;
}

// Lua value -> Reply, following Redis's conversion (numbers truncated to integers, an array up
// to its first nil, {err=...} an error, {ok=...} a status).
Reply from_lua(lua_State* L, int i) {
    i = lua_absindex(L, i);
    switch (lua_type(L, i)) {
    case LUA_TNUMBER: return {Reply::Type::integer, static_cast<int64_t>(std::trunc(lua_tonumber(L, i))), {}, {}};
    case LUA_TSTRING: {
        size_t len = 0;
        const char* s = lua_tolstring(L, i, &len);
        return {Reply::Type::string, 0, std::string(s, len), {}};
    }
    case LUA_TBOOLEAN: return lua_toboolean(L, i) ? Reply{Reply::Type::integer, 1, {}, {}} : Reply{};
    case LUA_TTABLE: {
        if (lua_getfield(L, i, "err") == LUA_TSTRING) {
            Reply r = Reply::error(lua_tostring(L, -1));
            lua_pop(L, 1);
            return r;
        }
        lua_pop(L, 1);
        if (lua_getfield(L, i, "ok") == LUA_TSTRING) {
            Reply r{Reply::Type::string, 0, lua_tostring(L, -1), {}};
            lua_pop(L, 1);
            return r;
        }
        lua_pop(L, 1);
        Reply r{Reply::Type::array, 0, {}, {}};
        for (lua_Integer k = 1;; ++k) {
            if (lua_rawgeti(L, i, k) == LUA_TNIL) {
                lua_pop(L, 1);
                break;
            }
            r.elements.push_back(from_lua(L, -1));
            lua_pop(L, 1);
        }
        return r;
    }
    default: return {};
    }
}

void set_string_array(lua_State* L, const char* name, std::span<const std::string> items) {
    lua_createtable(L, static_cast<int>(items.size()), 0);
    for (size_t i = 0; i < items.size(); ++i) {
        lua_pushlstring(L, items[i].data(), items[i].size());
        lua_rawseti(L, -2, static_cast<lua_Integer>(i + 1));
    }
    lua_setglobal(L, name);
}

}  // namespace

MemoryStore::MemoryStore(bool native_limits) : L_(luaL_newstate()), native_limits_(native_limits) {
    luaL_requiref(L_, LUA_GNAME, luaopen_base, 1);
    luaL_requiref(L_, LUA_TABLIBNAME, luaopen_table, 1);
    luaL_requiref(L_, LUA_STRLIBNAME, luaopen_string, 1);
    luaL_requiref(L_, LUA_MATHLIBNAME, luaopen_math, 1);
    lua_settop(L_, 0);
    lua_pushlightuserdata(L_, &keyspace_);
    lua_rawsetp(L_, LUA_REGISTRYINDEX, &kKeyspaceKey);
    lua_createtable(L_, 0, 2);
    lua_pushcfunction(L_, redis_call);
    lua_setfield(L_, -2, "call");
    lua_pushcfunction(L_, redis_error_reply);
    lua_setfield(L_, -2, "error_reply");
    lua_setglobal(L_, "redis");
}

MemoryStore::~MemoryStore() { lua_close(L_); }

int MemoryStore::load(const Script& script, std::string& error) {
    auto it = loaded_.find(script.sha1);
    if (it != loaded_.end()) return it->second;
    if (luaL_loadbuffer(L_, script.source.data(), script.source.size(), ("=" + script.name).c_str()) != LUA_OK) {
        error = lua_tostring(L_, -1);
        lua_pop(L_, 1);
        return LUA_NOREF;
    }
    int ref = luaL_ref(L_, LUA_REGISTRYINDEX);
    loaded_.emplace(script.sha1, ref);
    return ref;
}

Reply MemoryStore::eval(const Script& script, std::span<const std::string> keys, std::span<const std::string> args) {
    if (native_limits_ && script.sha1 == limits_script().sha1) return limits_.run(keys, args, keyspace_.now_ms());
    std::lock_guard lock(mu_);
    std::string error;
    int ref = load(script, error);
    if (ref == LUA_NOREF) return Reply::error("ERR Error compiling script " + script.name + ": " + error);
    set_string_array(L_, "KEYS", keys);
    set_string_array(L_, "ARGV", args);
    lua_rawgeti(L_, LUA_REGISTRYINDEX, ref);
    if (lua_pcall(L_, 0, 1, 0) != LUA_OK) {
        Reply r = Reply::error("ERR Error running script " + script.name + ": " + std::string(lua_tostring(L_, -1)));
        lua_settop(L_, 0);
        return r;
    }
    Reply r = from_lua(L_, -1);
    lua_settop(L_, 0);
    return r;
}

Reply MemoryStore::command(std::span<const std::string> argv) {
    std::lock_guard lock(mu_);
    return keyspace_.execute(argv);
}

void MemoryStore::advance_clock_ms(int64_t ms) {
    std::lock_guard lock(mu_);
    keyspace_.advance_clock_ms(ms);
}

}  // namespace sy::state
