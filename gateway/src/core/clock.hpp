// Clock readings as integers: the steady clock for durations and deadlines, the wall clock for
// times other processes read (timestamps in Redis, trace spans).
#pragma once

#include <chrono>
#include <cstdint>

namespace sy::clock {

template <typename Unit, typename Clock>
int64_t since_epoch() {
    return std::chrono::duration_cast<Unit>(Clock::now().time_since_epoch()).count();
}

inline int64_t steady_ns() { return since_epoch<std::chrono::nanoseconds, std::chrono::steady_clock>(); }
inline int64_t steady_ms() { return since_epoch<std::chrono::milliseconds, std::chrono::steady_clock>(); }
inline int64_t unix_ms() { return since_epoch<std::chrono::milliseconds, std::chrono::system_clock>(); }
inline int64_t unix_ns() { return since_epoch<std::chrono::nanoseconds, std::chrono::system_clock>(); }

}  // namespace sy::clock
