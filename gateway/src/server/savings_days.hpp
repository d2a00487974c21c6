// Savings per UTC day for the status page (GET /ui/savings): requests answered by each model,
// and for those with a baseline cost, baseline and actual cost. This instance's figures since
// it started, the last 14 days; the metrics and `switchyard audit` are the durable sources.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace sy::server {

class SavingsDays {
public:
    static constexpr size_t kDays = 14;
    static SavingsDays& instance();

    // One answered request: the model that answered; costs in nano-USD, -1 when unknown (a
    // request without both is counted in the shares only).
    void add(const std::string& day, std::string_view model, int64_t baseline_nano, int64_t cost_nano);
    void add_now(std::string_view model, int64_t baseline_nano, int64_t cost_nano);
    // {"days": [{"day", "requests", "models": {name: n}, "compared", "baseline_usd", "cost_usd", "saved_usd"}]},
    // newest first.
    std::string json() const;

private:
    struct Day {
        int64_t requests = 0, compared = 0, baseline_nano = 0, cost_nano = 0;
        std::map<std::string, int64_t, std::less<>> models;
    };
    mutable std::mutex mu_;
    std::map<std::string, Day> days_;  // YYYY-MM-DD sorts by date
};

}  // namespace sy::server
