#include "policy/policy_set.hpp"

#include <lua5.4/lua.h>

#include <fstream>
#include <sstream>

#include <switchyard/log.hpp>
#include <switchyard/metrics.hpp>

#include "policy/decision.hpp"
#include "policy/lua_view.hpp"

namespace sy::policy {
namespace {

SandboxLimits limits_of(const config::PolicyConfig& p) {
    return SandboxLimits{p.max_instructions, p.max_memory_bytes, p.timeout_ms};
}

// read_decision under lua_pcall: reading may still raise (an allocation at the memory cap), and
// a Lua error outside a protected call reaches the panic handler, which aborts the process.
struct DecisionRead {
    const Catalog* catalog;
    Decision* out;
    std::string* error;
    bool ok = false;
};

int read_decision_call(lua_State* L) {
    auto* r = static_cast<DecisionRead*>(lua_touserdata(L, 1));
    r->ok = read_decision(L, 2, *r->catalog, *r->out, *r->error);
    return 0;
}

bool read_decision_protected(lua_State* L, const Catalog& catalog, Decision& out, std::string& error) {
    DecisionRead r{&catalog, &out, &error};
    lua_pushcfunction(L, read_decision_call);
    lua_pushlightuserdata(L, &r);
    lua_pushvalue(L, -3);  // the decision
    if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
        const char* why = lua_tostring(L, -1);
        error = std::string("cannot read the decision: ") + (why ? why : "error");
        lua_pop(L, 1);
        return false;
    }
    return r.ok;
}

}  // namespace

std::unique_ptr<PolicySet> PolicySet::load(const std::vector<config::PolicyConfig>& policies, Catalog catalog,
                                           std::string& error) {
    std::unique_ptr<PolicySet> set(new PolicySet(policies, std::move(catalog)));
    if (!set->read_sources(error)) return nullptr;
    auto states = set->create_states(error);
    if (!states) return nullptr;
    set->release(std::move(states));
    return set;
}

bool PolicySet::read_sources(std::string& error) {
    for (const auto& p : policies_) {
        std::ifstream in(p.file, std::ios::binary);
        if (!in) {
            error = "policy '" + p.name + "': cannot read " + p.file;
            return false;
        }
        std::stringstream ss;
        ss << in.rdbuf();
        sources_.push_back(ss.str());
    }
    return true;
}

std::unique_ptr<PolicySet::States> PolicySet::create_states(std::string& error) const {
    auto states = std::make_unique<States>();
    for (size_t i = 0; i < policies_.size(); ++i) {
        const auto& p = policies_[i];
        auto sandbox = std::make_unique<LuaSandbox>(limits_of(p));
        if (sandbox->state()) install_helpers(sandbox->state(), &catalog_);
        std::string why;
        if (!sandbox->load(sources_[i], p.file, why)) {
            error = "policy '" + p.name + "': " + why;
            return nullptr;
        }
        states->per_policy.push_back(std::move(sandbox));
    }
    return states;
}

std::unique_ptr<PolicySet::States> PolicySet::acquire() const {
    {
        std::lock_guard lock(mu_);
        if (!pool_.empty()) {
            auto s = std::move(pool_.back());
            pool_.pop_back();
            return s;
        }
    }
    std::string error;
    auto s = create_states(error);
    if (!s) log::error("policy", "cannot create policy states: " + error);
    return s;
}

void PolicySet::release(std::unique_ptr<States> states) const {
    if (!states) return;
    std::lock_guard lock(mu_);
    pool_.push_back(std::move(states));
}

bool PolicySet::run_one(LuaSandbox& sandbox, const PolicyInput& input, std::optional<Decision>& out,
                        std::string& error) const {
    lua_State* L = sandbox.state();
    int top = lua_gettop(L);
    sandbox.begin_call();
    lua_getglobal(L, "route");
    push_request(L, input);
    bool called = sandbox.pcall(1, 1, error);
    end_request(L);
    if (!called) {
        lua_settop(L, top);
        return false;
    }
    bool ok = true;
    if (!lua_isnil(L, -1)) {
        Decision d;
        ok = read_decision_protected(L, catalog_, d, error);
        if (ok) out = std::move(d);
    }
    lua_settop(L, top);
    return ok;
}

Outcome PolicySet::evaluate(const PolicyInput& input) const {
    Outcome outcome;
    if (policies_.empty()) return outcome;
    std::unique_ptr<States> states = acquire();
    if (!states) {
        outcome.error = "policy states unavailable";
        return outcome;
    }
    bool discard = false;  // a state that failed is not reused (it may hold partial garbage)
    for (size_t i = 0; i < policies_.size(); ++i) {
        const config::PolicyConfig& p = policies_[i];
        std::optional<Decision> d;
        std::string error;
        if (!run_one(*states->per_policy[i], input, d, error)) {
            discard = true;
            outcome.failed.push_back(p.name);
            metrics::Gateway::get().policy_errors.with({p.name, p.fail_closed ? "closed" : "open"}).inc();
            log::warn("policy", "policy '" + p.name + "' failed (on_error: " + (p.fail_closed ? "closed" : "open") +
                                    "): " + error);
            if (p.fail_closed) {
                outcome.error = "policy '" + p.name + "' failed: " + error;
                outcome.decision.reset();
                break;
            }
            continue;
        }
        if (!d) continue;
        if (!outcome.decision) outcome.decision = Decision{};
        merge_decision(*outcome.decision, *d);
        outcome.policy = p.name;
        if (!d->continue_chain || d->deny) break;
    }
    if (!discard) release(std::move(states));
    return outcome;
}

}  // namespace sy::policy
