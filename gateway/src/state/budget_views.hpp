// Budget reads of the shared store, kept for a short while (state.budget_view_ttl_ms). Policies
// read req.budget on every request, and with Redis each read is a round trip for a state that
// changes by one request's cost at a time. Admission still checks the budget in the store
// atomically: a view only steers routing. Off by default: a policy that steers away from a
// budget running out (a cheaper model past 80%) sees a burst's spend up to the TTL late.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace sy::state {

// One level's budget as the store has it (limit -1: none; reset: until its period ends).
struct BudgetState {
    int64_t spent_nano = 0, reserved_nano = 0, limit_nano = -1, reset_ms = 0;
};

class BudgetViews {
public:
    explicit BudgetViews(int ttl_ms) : ttl_ms_(ttl_ms) {}
    bool enabled() const { return ttl_ms_ > 0; }
    // The view read under `key` less than the TTL before now_ms, if any.
    std::optional<std::vector<BudgetState>> get(const std::string& key, int64_t now_ms);
    void put(const std::string& key, const std::vector<BudgetState>& levels, int64_t now_ms);

private:
    static constexpr size_t kMaxViews = 10000;  // keys in use within one TTL, at most
    struct View {
        std::vector<BudgetState> levels;
        int64_t expires_ms;
    };
    int ttl_ms_;
    std::mutex mu_;
    std::unordered_map<std::string, View> views_;
};

}  // namespace sy::state
