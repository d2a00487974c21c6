// One sandboxed Lua 5.4 state: safe libraries only, globals locked after the policy file runs,
// a memory cap through the allocator, and an instruction budget plus a wall-clock deadline per
// call enforced by a count hook. Pattern functions and string.rep are size-capped because the
// hook cannot interrupt one long C call. Never shared between threads.
#pragma once

#include <cstdint>
#include <string>

struct lua_State;
struct lua_Debug;

namespace sy::policy {

struct SandboxLimits {
    int64_t max_instructions = 1000000;
    int64_t max_memory_bytes = 8 << 20;
    int timeout_ms = 10;
};

// Caps on the pattern functions (string.find/match/gmatch/gsub), which backtrack without bound
// in one C call that the count hook cannot interrupt. On an n-byte subject, with k items that
// scan (repetitions '*', '+', '-', balances %b, back-references %1-%9) and q optional items
// ('?'), an unanchored search can take about n^(k+1) * 2^q steps (times the pattern's length m
// when q > 0: each branch compares the rest of it); a call is refused when that exceeds
// kMaxPatternSteps (at most about 40 ms of one core: tests/bench/policy/pattern_bounds.lua).
// The deadline is checked before and after every call, so a loop of allowed calls stops at the
// next one.
inline constexpr size_t kMaxPatternSubject = 16 * 1024;  // bytes of subject, any pattern
inline constexpr size_t kMaxPatternLength = 256;         // bytes of pattern
inline constexpr double kMaxPatternSteps = 1e7;          // the bound above
inline constexpr size_t kMaxRepBytes = 1 << 20;          // string.rep result

class LuaSandbox {
public:
    explicit LuaSandbox(const SandboxLimits& limits);
    ~LuaSandbox();
    LuaSandbox(const LuaSandbox&) = delete;
    LuaSandbox& operator=(const LuaSandbox&) = delete;

    lua_State* state() const { return L_; }

    // Compiles `source` (the policy file's text, read once by the caller; `path` names it in
    // messages), runs its top level under the limits, then locks the globals. Error: message
    // with the file and line.
    bool load(const std::string& source, const std::string& path, std::string& error);

    // Starts the budget of one call (instruction count and deadline).
    void begin_call();
    // lua_pcall under the budget; on failure the message (with line) is in error.
    bool pcall(int nargs, int nresults, std::string& error);

    int64_t memory_used() const { return used_; }

    // Raises a Lua error when the running call is past its deadline or instruction budget (the
    // count hook's check, for C functions that run long between hooks).
    static void check_budget(lua_State* L);

private:
    static void* allocate(void* ud, void* ptr, size_t old_size, size_t new_size);
    static void count_hook(lua_State* L, lua_Debug* ar);
    void open_safe_libraries();
    void lock_globals();

    lua_State* L_ = nullptr;
    SandboxLimits limits_;
    int64_t used_ = 0;
    int64_t instructions_ = 0;
    int64_t deadline_ns_ = 0;
};

}  // namespace sy::policy
