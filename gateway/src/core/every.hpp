// A gate that opens at most once per period, for log lines a flood would otherwise repeat on
// every request; safe to share between threads (the first caller after the period wins).
#pragma once

#include <atomic>
#include <cstdint>

#include "core/clock.hpp"

namespace sy {

class Every {
public:
    explicit Every(int64_t period_ms) : period_ms_(period_ms), last_ms_(-period_ms) {}
    bool due() {
        const int64_t now = clock::steady_ms();
        int64_t last = last_ms_.load();
        return now - last >= period_ms_ && last_ms_.compare_exchange_strong(last, now);
    }

private:
    int64_t period_ms_;
    std::atomic<int64_t> last_ms_;
};

}  // namespace sy
