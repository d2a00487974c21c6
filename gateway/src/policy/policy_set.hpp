// The configured chain of policies, compiled. Evaluation borrows a set of Lua states (one per
// policy) from a pool, so a state is only ever used by one thread at a time; the pool grows to
// the number of concurrent requests. Immutable after load; a reload builds a new set.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <switchyard/config.hpp>

#include "policy/lua_helpers.hpp"
#include "policy/lua_sandbox.hpp"
#include "policy/policy_types.hpp"

namespace sy::policy {

class PolicySet {
public:
    // Compiles every policy once (a bad file fails the load with its name and line).
    static std::unique_ptr<PolicySet> load(const std::vector<config::PolicyConfig>& policies, Catalog catalog,
                                           std::string& error);

    bool empty() const { return policies_.empty(); }
    const std::vector<config::PolicyConfig>& policies() const { return policies_; }

    // Runs the chain on one request. Never throws; a failing policy is logged and skipped
    // (on_error: open) or stops the chain with Outcome::error (on_error: closed).
    Outcome evaluate(const PolicyInput& input) const;

private:
    struct States {
        std::vector<std::unique_ptr<LuaSandbox>> per_policy;
    };

    PolicySet(std::vector<config::PolicyConfig> policies, Catalog catalog)
        : policies_(std::move(policies)), catalog_(std::move(catalog)) {}
    bool read_sources(std::string& error);
    std::unique_ptr<States> create_states(std::string& error) const;
    std::unique_ptr<States> acquire() const;
    void release(std::unique_ptr<States> states) const;
    // One policy on one request; false on error (message in error).
    bool run_one(LuaSandbox& sandbox, const PolicyInput& input, std::optional<Decision>& out,
                 std::string& error) const;

    std::vector<config::PolicyConfig> policies_;
    std::vector<std::string> sources_;  // file contents read at load: new states never reread files
    Catalog catalog_;
    mutable std::mutex mu_;
    mutable std::vector<std::unique_ptr<States>> pool_;
};

}  // namespace sy::policy
