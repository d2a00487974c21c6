#include "core/core_dumps.hpp"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "core/secrets.hpp"

namespace sy {
namespace {

// The soft core limit at the first call, restored when dumps are allowed again after a reload.
rlim_t initial_core_limit() {
    static rlim_t limit = [] {
        rlimit rl{};
        return ::getrlimit(RLIMIT_CORE, &rl) == 0 ? rl.rlim_cur : RLIM_INFINITY;
    }();
    return limit;
}

// Only calls setrlimit when the limit changes: a unit with LimitCORE=0 then never makes the call
// (its system-call filter may forbid it).
bool set_core_limit(rlim_t soft) {
    rlimit rl{};
    if (::getrlimit(RLIMIT_CORE, &rl) != 0) return false;
    soft = std::min(soft, rl.rlim_max);
    if (rl.rlim_cur == soft) return true;
    rl.rlim_cur = soft;
    return ::setrlimit(RLIMIT_CORE, &rl) == 0;
}

}  // namespace

std::string apply_core_dump_setting(bool allow) {
    static std::mutex mu;
    std::lock_guard lock(mu);
    rlim_t initial = initial_core_limit();
    if (!allow) {
        bool ok = ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0;
        ok = set_core_limit(0) && ok;
        return ok ? "core dumps disabled (server.core_dumps: false)"
                  : std::string("server.core_dumps: false, but disabling core dumps failed: ") + std::strerror(errno);
    }
    ::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    set_core_limit(initial);
    return std::string("core dumps allowed (server.core_dumps: true); registered secrets are ") +
           (secrets::excluded_from_core_dumps() ? "excluded (MADV_DONTDUMP)" : "NOT excluded (madvise failed)") +
           ", other copies of keys on the heap are not";
}

bool process_dumpable() { return ::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0; }

}  // namespace sy
