#include "policy/lua_sandbox.hpp"

#include <lua5.4/lauxlib.h>
#include <lua5.4/lua.h>
#include <lua5.4/lualib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace sy::policy {
namespace {

constexpr int kHookEvery = 1000;  // instructions between hook calls

int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

LuaSandbox* sandbox_of(lua_State* L) {
    void* ud = nullptr;
    lua_getallocf(L, &ud);
    return static_cast<LuaSandbox*>(ud);
}

// Rejects pattern calls whose backtracking could run far past the deadline in one C call.
void check_pattern_call(lua_State* L, bool plain) {
    size_t subject_len = 0, pattern_len = 0;
    luaL_checklstring(L, 1, &subject_len);
    const char* pattern = luaL_checklstring(L, 2, &pattern_len);
    if (subject_len > kMaxPatternSubject)
        luaL_error(L, "pattern subject of %d bytes exceeds the sandbox limit of %d (use sy.matches for long text)",
                   static_cast<int>(subject_len), static_cast<int>(kMaxPatternSubject));
    if (plain) return;
    if (pattern_len > kMaxPatternLength)
        luaL_error(L, "pattern of %d bytes exceeds the sandbox limit of %d", static_cast<int>(pattern_len),
                   static_cast<int>(kMaxPatternLength));
    int scans = 0, optional = 0;
    for (size_t i = 0; i < pattern_len; ++i) {
        if (pattern[i] == '%') {
            char next = i + 1 < pattern_len ? pattern[i + 1] : '\0';
            if (next == 'b' || (next >= '1' && next <= '9')) ++scans;  // %bxy scans; %1 compares a capture
            i += next == 'b' ? 3 : 1;
        } else if (pattern[i] == '[') {  // a set: skip to its closing ']' (a leading ']' is literal)
            size_t j = i + 1;
            if (j < pattern_len && pattern[j] == '^') ++j;
            if (j < pattern_len && pattern[j] == ']') ++j;
            while (j < pattern_len && pattern[j] != ']') j += pattern[j] == '%' ? 2 : 1;
            i = j;
        } else if (pattern[i] == '*' || pattern[i] == '+' || pattern[i] == '-') {
            ++scans;
        } else if (pattern[i] == '?') {
            ++optional;
        }
    }
    if (scans == 0 && optional == 0) return;
    double n = std::max<double>(static_cast<double>(subject_len), 2);
    double steps = std::pow(n, scans + 1) * std::pow(2.0, optional) * (optional > 0 ? static_cast<double>(pattern_len) : 1);
    if (steps > kMaxPatternSteps)
        luaL_error(L, "pattern with %d repetition and %d optional items on a %d-byte subject could backtrack for too "
                      "long (use sy.matches, which runs in linear time)",
                   scans, optional, static_cast<int>(subject_len));
}

// Wraps the original string function stored as upvalue 1.
template <bool kFind>
int guarded_pattern(lua_State* L) {
    bool plain = kFind && lua_toboolean(L, 4);
    check_pattern_call(L, plain);
    LuaSandbox::check_budget(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    LuaSandbox::check_budget(L);
    return lua_gettop(L);
}

int guarded_rep(lua_State* L) {
    size_t len = 0, sep_len = 0;
    luaL_checklstring(L, 1, &len);
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_optlstring(L, 3, "", &sep_len);
    if (n > 0 && static_cast<double>(len + sep_len) * static_cast<double>(n) > static_cast<double>(kMaxRepBytes))
        return luaL_error(L, "string.rep result exceeds the sandbox limit of %d bytes", static_cast<int>(kMaxRepBytes));
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

// load() restricted to text chunks (Lua 5.4's load accepts bytecode by default).
int text_only_load(lua_State* L) {
    int top = lua_gettop(L);
    while (lua_gettop(L) < 3) lua_pushnil(L);
    lua_pushstring(L, "t");
    lua_replace(L, 3);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, top < 3 ? 3 : top, LUA_MULTRET);
    return lua_gettop(L);
}

void wrap_field(lua_State* L, const char* table, const char* field, lua_CFunction wrapper) {
    lua_getglobal(L, table);
    lua_getfield(L, -1, field);
    lua_pushcclosure(L, wrapper, 1);
    lua_setfield(L, -2, field);
    lua_pop(L, 1);
}

void remove_field(lua_State* L, const char* table, const char* field) {
    lua_getglobal(L, table);
    lua_pushnil(L);
    lua_setfield(L, -2, field);
    lua_pop(L, 1);
}

int locked_global_write(lua_State* L) {
    return luaL_error(L, "assignment to global '%s' after load: policies cannot keep state between requests "
                         "(use a local)", luaL_tolstring(L, 2, nullptr));
}

}  // namespace

void* LuaSandbox::allocate(void* ud, void* ptr, size_t old_size, size_t new_size) {
    auto* self = static_cast<LuaSandbox*>(ud);
    if (new_size == 0) {
        if (ptr) self->used_ -= static_cast<int64_t>(old_size);
        std::free(ptr);
        return nullptr;
    }
    int64_t old_bytes = ptr ? static_cast<int64_t>(old_size) : 0;
    int64_t next = self->used_ - old_bytes + static_cast<int64_t>(new_size);
    if (next > self->limits_.max_memory_bytes && new_size > static_cast<size_t>(old_bytes)) return nullptr;
    void* p = std::realloc(ptr, new_size);
    if (p) self->used_ = next;
    return p;
}

void LuaSandbox::count_hook(lua_State* L, lua_Debug*) {
    sandbox_of(L)->instructions_ += kHookEvery;
    check_budget(L);
}

void LuaSandbox::check_budget(lua_State* L) {
    LuaSandbox* self = sandbox_of(L);
    if (self->instructions_ > self->limits_.max_instructions)
        luaL_error(L, "instruction limit of %d exceeded", static_cast<int>(self->limits_.max_instructions));
    if (now_ns() > self->deadline_ns_) luaL_error(L, "time limit of %d ms exceeded", self->limits_.timeout_ms);
}

LuaSandbox::LuaSandbox(const SandboxLimits& limits) : limits_(limits) {
    L_ = lua_newstate(&LuaSandbox::allocate, this);
    if (!L_) return;
    open_safe_libraries();
    lua_sethook(L_, &LuaSandbox::count_hook, LUA_MASKCOUNT, kHookEvery);
}

LuaSandbox::~LuaSandbox() {
    if (L_) lua_close(L_);
}

void LuaSandbox::open_safe_libraries() {
    static const luaL_Reg libs[] = {{LUA_GNAME, luaopen_base},     {LUA_STRLIBNAME, luaopen_string},
                                    {LUA_TABLIBNAME, luaopen_table}, {LUA_MATHLIBNAME, luaopen_math},
                                    {LUA_UTF8LIBNAME, luaopen_utf8}};
    for (const auto& lib : libs) {
        luaL_requiref(L_, lib.name, lib.func, 1);
        lua_pop(L_, 1);
    }
    for (const char* name : {"dofile", "loadfile", "collectgarbage", "rawset", "print", "require"}) {
        lua_pushnil(L_);
        lua_setglobal(L_, name);
    }
    lua_getglobal(L_, "load");
    lua_pushcclosure(L_, text_only_load, 1);
    lua_setglobal(L_, "load");
    remove_field(L_, "string", "dump");
    wrap_field(L_, "string", "find", guarded_pattern<true>);
    wrap_field(L_, "string", "match", guarded_pattern<false>);
    wrap_field(L_, "string", "gmatch", guarded_pattern<false>);
    wrap_field(L_, "string", "gsub", guarded_pattern<false>);
    wrap_field(L_, "string", "rep", guarded_rep);
    // Strings share one metatable; lock it so a policy cannot change string methods.
    lua_pushliteral(L_, "");
    lua_getmetatable(L_, -1);
    lua_pushliteral(L_, "locked");
    lua_setfield(L_, -2, "__metatable");
    lua_pop(L_, 2);
}

void LuaSandbox::lock_globals() {
    // Move every global into a backing table and leave _G empty behind a read-only metatable:
    // reads fall through, writes (new or existing names) raise an error.
    lua_pushglobaltable(L_);
    lua_newtable(L_);  // backing
    lua_pushnil(L_);
    while (lua_next(L_, -3) != 0) {
        lua_pushvalue(L_, -2);
        lua_insert(L_, -2);
        lua_rawset(L_, -4);
    }
    // clear _G
    lua_pushnil(L_);
    while (lua_next(L_, -3) != 0) {
        lua_pop(L_, 1);
        lua_pushvalue(L_, -1);
        lua_pushnil(L_);
        lua_rawset(L_, -5);
    }
    lua_newtable(L_);  // metatable
    lua_insert(L_, -2);
    lua_setfield(L_, -2, "__index");
    lua_pushcfunction(L_, locked_global_write);
    lua_setfield(L_, -2, "__newindex");
    lua_pushliteral(L_, "locked");
    lua_setfield(L_, -2, "__metatable");
    lua_setmetatable(L_, -2);
    lua_pop(L_, 1);
}

void LuaSandbox::begin_call() {
    instructions_ = 0;
    deadline_ns_ = now_ns() + static_cast<int64_t>(limits_.timeout_ms) * 1000000;
}

bool LuaSandbox::pcall(int nargs, int nresults, std::string& error) {
    int rc = lua_pcall(L_, nargs, nresults, 0);
    if (rc == LUA_OK) return true;
    const char* msg = lua_tostring(L_, -1);
    error = rc == LUA_ERRMEM ? "memory limit of " + std::to_string(limits_.max_memory_bytes) + " bytes exceeded"
                             : (msg ? msg : "error object is not a string");
    lua_pop(L_, 1);
    return false;
}

bool LuaSandbox::load(const std::string& source, const std::string& path, std::string& error) {
    if (!L_) {
        error = "cannot create a Lua state";
        return false;
    }
    // Mode "t" refuses precompiled bytecode.
    std::string chunk_name = "@" + path;
    int rc = luaL_loadbufferx(L_, source.data(), source.size(), chunk_name.c_str(), "t");
    if (rc != LUA_OK) {
        error = lua_tostring(L_, -1) ? lua_tostring(L_, -1) : "cannot load";
        lua_pop(L_, 1);
        return false;
    }
    begin_call();
    if (!pcall(0, 0, error)) return false;
    lua_getglobal(L_, "route");
    bool has_route = lua_isfunction(L_, -1);
    lua_pop(L_, 1);
    if (!has_route) {
        error = path + ": does not define a global function route(req)";
        return false;
    }
    lock_globals();
    return true;
}

}  // namespace sy::policy
