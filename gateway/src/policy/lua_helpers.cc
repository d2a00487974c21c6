#include "policy/lua_helpers.hpp"

#include <lua5.4/lauxlib.h>
#include <lua5.4/lua.h>
#include <re2/re2.h>

#include <cctype>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <switchyard/chat_request.hpp>
#include <switchyard/log.hpp>

#include "core/ascii.hpp"
#include "policy/lua_view.hpp"

namespace sy::policy {
namespace {

constexpr size_t kRegexCacheSize = 512;
constexpr int kMaxWords = 100000;  // sy.contains_any: words of one call

const Catalog* catalog_of(lua_State* L) {
    return static_cast<const Catalog*>(lua_touserdata(L, lua_upvalueindex(1)));
}

// ASCII letters, digits and '_' (what isalnum says in the C locale the gateway runs in, without
// a library call per byte: policies scan whole prompts with these).
bool is_word_char(unsigned char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}



// Process-wide cache of compiled expressions; RE2 objects are safe to share between threads.
const RE2* compiled(const std::string& pattern, std::string& error) {
    static std::mutex mu;
    static std::map<std::string, std::unique_ptr<RE2>> cache;
    std::lock_guard lock(mu);
    if (auto it = cache.find(pattern); it != cache.end()) return it->second.get();
    RE2::Options opts;
    opts.set_log_errors(false);
    auto re = std::make_unique<RE2>(pattern, opts);
    if (!re->ok()) {
        error = re->error();
        return nullptr;
    }
    if (cache.size() >= kRegexCacheSize) cache.clear();
    return cache.emplace(pattern, std::move(re)).first->second.get();
}

// The helpers raise Lua errors with a longjmp, which skips C++ destructors: every call that may
// raise one (including an allocation failing under the sandbox's memory cap) comes before any
// C++ object that owns memory is created, or after it is gone. (Found by fuzzing: an invalid
// pattern leaked the error string.)

int sy_contains_any(lua_State* L) {
    size_t len = 0;
    const char* text = luaL_checklstring(L, 1, &len);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_Integer n = luaL_len(L, 2);
    if (n < 0 || n > kMaxWords) return luaL_error(L, "sy.contains_any: at most %d words", kMaxWords);
    lua_settop(L, 2);  // the words go to 3 .. n + 2
    luaL_checkstack(L, static_cast<int>(n), "sy.contains_any: too many words");
    // The words stay on the stack (numbers converted there), so that every view below stays valid.
    for (lua_Integer i = 1; i <= n; ++i) {
        lua_geti(L, 2, i);
        if (!lua_tolstring(L, -1, nullptr))
            return luaL_error(L, "sy.contains_any: word %d is not a string", static_cast<int>(i));
    }
    bool found = false;
    {
        std::vector<std::string_view> words;
        words.reserve(static_cast<size_t>(n));
        for (int i = 0; i < n; ++i) {
            size_t wl = 0;
            const char* w = lua_tolstring(L, 3 + i, &wl);  // a string already: cannot raise
            words.emplace_back(w, wl);
        }
        found = contains_any_word(std::string_view(text, len), words);
    }
    lua_pushboolean(L, found);
    return 1;
}

int sy_matches(lua_State* L) {
    size_t len = 0, plen = 0;
    const char* text = luaL_checklstring(L, 1, &len);
    const char* pattern = luaL_checklstring(L, 2, &plen);
    const RE2* re = nullptr;
    {
        std::string error;
        re = compiled(std::string(pattern, plen), error);
        if (!re) {
            luaL_where(L, 1);
            lua_pushfstring(L, "sy.matches: invalid regular expression: %s", error.c_str());
        }
    }
    if (!re) {
        lua_concat(L, 2);
        return lua_error(L);
    }
    lua_pushboolean(L, RE2::PartialMatch(re2::StringPiece(text, len), *re));
    return 1;
}

int sy_count_tokens(lua_State* L) {
    size_t len = 0;
    const char* text = luaL_checklstring(L, 1, &len);
    lua_pushinteger(L, static_cast<lua_Integer>(estimate_tokens(std::string_view(text, len))));
    return 1;
}

int sy_log(lua_State* L) {
    std::string_view level = luaL_checkstring(L, 1);
    int top = lua_gettop(L);
    luaL_Buffer b;  // Lua's own buffer: nothing leaks when luaL_tolstring raises
    luaL_buffinit(L, &b);
    for (int i = 2; i <= top; ++i) {
        if (i > 2) luaL_addchar(&b, ' ');
        luaL_tolstring(L, i, nullptr);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    size_t l = 0;
    const char* message = lua_tolstring(L, -1, &l);
    log::Level lv = level == "debug" ? log::Level::debug
                    : level == "warn" ? log::Level::warn
                    : level == "error" ? log::Level::error
                                       : log::Level::info;
    log::write(lv, "policy", std::string_view(message, l));
    return 0;
}

int sy_model_info(lua_State* L) {
    size_t len = 0;
    const char* name = luaL_checklstring(L, 1, &len);
    std::optional<ModelInfo> info = catalog_of(L)->model(std::string_view(name, len));
    if (!info) {
        lua_pushnil(L);
        return 1;
    }
    lua_createtable(L, 0, 5);
    lua_pushnumber(L, info->input_price_per_mtok);
    lua_setfield(L, -2, "input_price_per_mtok");
    lua_pushnumber(L, info->output_price_per_mtok);
    lua_setfield(L, -2, "output_price_per_mtok");
    lua_pushinteger(L, static_cast<lua_Integer>(info->context_window));
    lua_setfield(L, -2, "context_window");
    lua_pushboolean(L, info->local);
    lua_setfield(L, -2, "is_local");  // `local` is a Lua keyword
    lua_pushboolean(L, info->healthy);
    lua_setfield(L, -2, "healthy");
    return 1;
}

int sy_healthy(lua_State* L) {
    size_t len = 0;
    const char* name = luaL_checklstring(L, 1, &len);
    std::optional<ModelInfo> info = catalog_of(L)->model(std::string_view(name, len));
    lua_pushboolean(L, info && info->healthy);
    return 1;
}

}  // namespace

// One pass over the text: only where a word may start (after a non-word byte) and its first
// byte is some word's first byte are the words compared.
bool contains_any_word(std::string_view text, const std::vector<std::string_view>& words) {
    bool starts[256] = {};
    for (std::string_view w : words)
        if (!w.empty()) starts[ascii_lower(static_cast<unsigned char>(w[0]))] = true;
    bool after_word = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (!after_word && starts[ascii_lower(c)]) {
            for (std::string_view w : words) {
                if (w.empty() || w.size() > text.size() - i) continue;
                size_t end = i + w.size();
                if (end < text.size() && is_word_char(static_cast<unsigned char>(text[end]))) continue;
                if (ascii_iequals(text.substr(i, w.size()), w)) return true;
            }
        }
        after_word = is_word_char(c);
    }
    return false;
}

void install_helpers(lua_State* L, const Catalog* catalog) {
    static const luaL_Reg fns[] = {{"contains_any", sy_contains_any}, {"matches", sy_matches},
                                   {"count_tokens", sy_count_tokens}, {"log", sy_log},
                                   {"model_info", sy_model_info},     {"healthy", sy_healthy},
                                   {nullptr, nullptr}};
    lua_newtable(L);
    lua_pushlightuserdata(L, const_cast<Catalog*>(catalog));
    luaL_setfuncs(L, fns, 1);
    make_readonly(L);
    lua_setglobal(L, "sy");
}

}  // namespace sy::policy
