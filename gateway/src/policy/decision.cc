#include "policy/decision.hpp"

#include "config/privacy_section.hpp"

#include <lua5.4/lauxlib.h>
#include <lua5.4/lua.h>

#include <cmath>
#include <cstring>

namespace sy::policy {
namespace {

constexpr size_t kMaxLabels = 8;
constexpr size_t kMaxLabelBytes = 64;

enum Field : uint8_t {
    kModel, kRouter, kThreshold, kCandidates, kFallbacks, kDeny, kStatus,
    kLabels, kLocalOnly, kContinue, kReason, kPii, kSession, kSticky, kFieldCount
};
const char* const kFieldNames[kFieldCount] = {"model",  "router", "threshold",  "candidates", "fallbacks", "deny",
                                              "status", "labels", "local_only", "continue",   "reason",    "pii",
                                              "session", "sticky"};

// The field a key names; kFieldCount for none.
Field field_named(const char* key) {
    uint8_t f = 0;
    while (f < kFieldCount && std::strcmp(kFieldNames[f], key) != 0) ++f;
    return static_cast<Field>(f);
}

class Reader {
public:
    Reader(lua_State* L, int index, const Catalog& catalog, std::string& error)
        : L_(L), index_(lua_absindex(L, index)), catalog_(catalog), error_(error) {}

    bool fail(const std::string& why) {
        if (error_.empty()) error_ = why;
        return false;
    }
    bool ok() const { return error_.empty(); }

    // Pushes field f; returns its Lua type. Raw: a metamethod of the policy's table never runs
    // here (it could raise, or spend the policy's instruction budget, outside its call). A field
    // the table does not hold (unknown_fields() saw them all) is nil without a look-up.
    int field(Field f) {
        if (!(present_ & (1u << f))) {
            lua_pushnil(L_);
            return LUA_TNIL;
        }
        lua_pushstring(L_, kFieldNames[f]);
        return lua_rawget(L_, index_);
    }

    bool string(Field f, std::string& out) {
        const char* key = kFieldNames[f];
        int t = field(f);
        bool ok = true;
        if (t == LUA_TSTRING) out = lua_tostring(L_, -1);
        else if (t != LUA_TNIL) ok = fail(std::string("decision.") + key + " must be a string");
        lua_pop(L_, 1);
        return ok;
    }

    bool boolean(Field f, bool& out) {
        const char* key = kFieldNames[f];
        int t = field(f);
        bool ok = true;
        if (t == LUA_TBOOLEAN) out = lua_toboolean(L_, -1);
        else if (t != LUA_TNIL) ok = fail(std::string("decision.") + key + " must be a boolean");
        lua_pop(L_, 1);
        return ok;
    }

    bool model_list(Field f, std::vector<std::string>& out) {
        const char* key = kFieldNames[f];
        int t = field(f);
        if (t == LUA_TNIL) {
            lua_pop(L_, 1);
            return true;
        }
        if (t != LUA_TTABLE) {
            lua_pop(L_, 1);
            return fail(std::string("decision.") + key + " must be a list of model names");
        }
        lua_Integer n = static_cast<lua_Integer>(lua_rawlen(L_, -1));
        for (lua_Integer i = 1; i <= n && ok(); ++i) {
            if (lua_rawgeti(L_, -1, i) != LUA_TSTRING) fail(std::string("decision.") + key + " must be a list of model names");
            else out.emplace_back(lua_tostring(L_, -1));
            lua_pop(L_, 1);
        }
        lua_pop(L_, 1);
        for (const auto& m : out)
            if (ok() && !catalog_.model(m)) fail(std::string("decision.") + key + ": unknown model '" + m + "'");
        return ok();
    }

    bool labels(std::vector<std::pair<std::string, std::string>>& out) {
        int t = field(kLabels);
        if (t == LUA_TNIL) {
            lua_pop(L_, 1);
            return true;
        }
        if (t != LUA_TTABLE) {
            lua_pop(L_, 1);
            return fail("decision.labels must be a table of string keys to string values");
        }
        lua_pushnil(L_);
        while (lua_next(L_, -2) != 0) {
            if (lua_type(L_, -2) != LUA_TSTRING || (lua_type(L_, -1) != LUA_TSTRING && lua_type(L_, -1) != LUA_TNUMBER)) {
                lua_pop(L_, 3);
                return fail("decision.labels must be a table of string keys to string values");
            }
            std::string k = lua_tostring(L_, -2);
            std::string v = lua_tostring(L_, -1);
            lua_pop(L_, 1);
            if (out.size() >= kMaxLabels || k.size() > kMaxLabelBytes || v.size() > kMaxLabelBytes) {
                lua_pop(L_, 2);
                return fail("decision.labels: at most " + std::to_string(kMaxLabels) + " labels of up to " +
                            std::to_string(kMaxLabelBytes) + " bytes");
            }
            out.emplace_back(std::move(k), std::move(v));
        }
        lua_pop(L_, 1);
        return true;
    }

    // pii = "allow" (every kind) or {email = "redact", iban = "local_only", ...}.
    bool pii_actions(std::array<std::optional<config::PiiAction>, config::kPiiKindNames.size()>& out) {
        int t = field(kPii);
        bool ok = true;
        if (t == LUA_TSTRING) {
            config::PiiAction a = config::PiiAction::allow;
            if (config::pii_action_from_name(lua_tostring(L_, -1), a)) out.fill(a);
            else ok = fail("decision.pii must be one of allow, redact, local_only, deny");
        } else if (t == LUA_TTABLE) {
            ok = pii_table(out);
        } else if (t != LUA_TNIL) {
            ok = fail("decision.pii must be an action or a table of detector kinds to actions");
        }
        lua_pop(L_, 1);
        return ok;
    }

    // Fails on a key that names no field; notes the fields present for field().
    bool unknown_fields() {
        lua_pushnil(L_);
        while (lua_next(L_, index_) != 0) {
            lua_pop(L_, 1);
            const Field f = lua_type(L_, -1) == LUA_TSTRING ? field_named(lua_tostring(L_, -1)) : kFieldCount;
            if (f == kFieldCount) {
                std::string name = lua_type(L_, -1) == LUA_TSTRING ? lua_tostring(L_, -1) : luaL_typename(L_, -1);
                lua_pop(L_, 1);
                return fail("decision has an unknown field '" + name + "'");
            }
            present_ |= 1u << f;
        }
        return true;
    }

private:
    // The table at the top of the stack: kind name -> action name.
    bool pii_table(std::array<std::optional<config::PiiAction>, config::kPiiKindNames.size()>& out) {
        lua_pushnil(L_);
        while (lua_next(L_, -2) != 0) {
            const char* kind = lua_type(L_, -2) == LUA_TSTRING ? lua_tostring(L_, -2) : nullptr;
            const char* action = lua_type(L_, -1) == LUA_TSTRING ? lua_tostring(L_, -1) : nullptr;
            size_t k = 0;
            while (kind && k < config::kPiiKindNames.size() && config::kPiiKindNames[k] != kind) ++k;
            config::PiiAction a = config::PiiAction::allow;
            std::string why = !kind || k == config::kPiiKindNames.size()
                                  ? "decision.pii: unknown detector kind '" + std::string(kind ? kind : "?") + "'"
                              : !action || !config::pii_action_from_name(action, a)
                                  ? "decision.pii." + std::string(kind) + " must be one of allow, redact, local_only, deny"
                                  : std::string();
            lua_pop(L_, 1);
            if (!why.empty()) {
                lua_pop(L_, 1);
                return fail(why);
            }
            out[k] = a;
        }
        return true;
    }

    lua_State* L_;
    int index_;
    const Catalog& catalog_;
    std::string& error_;
    uint32_t present_ = 0;  // bit per Field the table holds
};

}  // namespace

bool read_decision(lua_State* L, int index, const Catalog& catalog, Decision& out, std::string& error) {
    if (!lua_istable(L, index)) {
        error = std::string("route() must return nil or a table, got ") + luaL_typename(L, index);
        return false;
    }
    Reader r(L, index, catalog, error);
    if (!r.unknown_fields()) return false;
    std::string deny;
    bool has_deny = false;
    r.string(kModel, out.model) && r.string(kRouter, out.router) && r.model_list(kCandidates, out.candidates) &&
        r.model_list(kFallbacks, out.fallbacks) && r.boolean(kLocalOnly, out.local_only) &&
        r.boolean(kContinue, out.continue_chain) && r.string(kReason, out.reason) && r.labels(out.labels) &&
        r.pii_actions(out.pii_actions) && r.string(kSession, out.session) && r.boolean(kSticky, out.sticky);
    if (!r.ok()) return false;
    if (!out.model.empty() && !catalog.model(out.model)) return r.fail("decision.model: unknown model '" + out.model + "'");
    if (!out.router.empty() && !catalog.router_exists(out.router))
        return r.fail("decision.router: unknown router '" + out.router + "'");
    if (int t = r.field(kThreshold); t != LUA_TNIL) {
        double v = lua_tonumber(L, -1);
        bool number = t == LUA_TNUMBER;
        lua_pop(L, 1);
        if (!number || !(v >= 0.0 && v <= 1.0)) return r.fail("decision.threshold must be a number from 0 to 1");
        out.threshold = v;
    } else {
        lua_pop(L, 1);
    }
    if (int t = r.field(kDeny); t != LUA_TNIL) {
        has_deny = true;
        if (t == LUA_TSTRING) deny = lua_tostring(L, -1);
        else if (t == LUA_TBOOLEAN && lua_toboolean(L, -1)) deny = "Request denied by policy";
        else if (t == LUA_TBOOLEAN) has_deny = false;
        else {
            lua_pop(L, 1);
            return r.fail("decision.deny must be a message string or true");
        }
    }
    lua_pop(L, 1);
    if (has_deny) out.deny = deny;
    if (int t = r.field(kStatus); t != LUA_TNIL) {
        bool integer = lua_isinteger(L, -1);
        lua_Integer v = lua_tointeger(L, -1);
        lua_pop(L, 1);
        if (!integer || v < 400 || v > 599) return r.fail("decision.status must be an HTTP status from 400 to 599");
        out.deny_status = static_cast<int>(v);
    } else {
        lua_pop(L, 1);
    }
    return true;
}

void merge_decision(Decision& acc, const Decision& next) {
    if (!next.model.empty()) acc.model = next.model;
    if (!next.router.empty()) acc.router = next.router;
    if (next.threshold) acc.threshold = next.threshold;
    if (!next.candidates.empty()) acc.candidates = next.candidates;
    if (!next.fallbacks.empty()) acc.fallbacks = next.fallbacks;
    if (next.deny) {
        acc.deny = next.deny;
        acc.deny_status = next.deny_status;
    }
    for (const auto& l : next.labels) acc.labels.push_back(l);
    acc.local_only = acc.local_only || next.local_only;
    if (!next.reason.empty()) acc.reason = next.reason;
    if (!next.session.empty()) acc.session = next.session;
    acc.sticky = acc.sticky || next.sticky;
    acc.continue_chain = next.continue_chain;
    for (size_t k = 0; k < acc.pii_actions.size(); ++k)
        if (next.pii_actions[k]) acc.pii_actions[k] = next.pii_actions[k];
}

}  // namespace sy::policy
