// Fibers: a handler runs on its own stack and, where it would block in poll(2) for an upstream
// or a slow client, gives its thread back instead. A scheduler (the HTTP edge) resumes it on
// whichever thread sees the awaited event, so a parked request holds memory but no thread.
//
// Why stackful fibers rather than C++20 coroutines: the request path is thousands of lines of
// ordinary calls (handlers, cascade, fallbacks, stream relay, plugins in between). A stackless
// coroutine would make every function on the way to a wait a coroutine; a fiber suspends the
// whole call stack where poll() was, and the code above it stays as it is.
//
// Parking is opt-in (ParkingScope): only code audited for it parks. A fiber moves between
// threads when it resumes, so across a park it must hold no lock, no pointer into thread-local
// storage, and no errno read from before the park (last_errno() reads it afresh). Request state
// kept in thread-locals travels with the fiber: the scheduler swaps it at every switch.
#pragma once

#include <poll.h>
#if !defined(__x86_64__)
#include <ucontext.h>
#endif

#include <cstddef>
#include <cstdint>

namespace sy::fiber {

// A fiber's stack: mapped on demand with a guard page below it, so only touched pages cost RSS.
class Stack {
public:
    explicit Stack(size_t bytes);
    ~Stack();
    Stack(const Stack&) = delete;
    Stack& operator=(const Stack&) = delete;
    bool ok() const { return base_ != nullptr; }
    void* bottom() const { return usable_; }  // lowest usable address
    size_t size() const { return size_; }
    // Gives the touched pages back to the system (the stack stays usable).
    void release_pages();

private:
    void* base_ = nullptr;  // the mapping, guard page first
    void* usable_ = nullptr;
    size_t size_ = 0;
    size_t mapped_ = 0;
};

// A saved execution context. On x86-64 the stack pointer of a switched-out context (the
// registers are on its stack); elsewhere a ucontext (slower: a signal-mask system call per switch).
struct Context {
#if defined(__x86_64__)
    void* sp = nullptr;
#else
    ucontext_t uc;
#endif
};

// Sets ctx up to run entry(arg) on stack when first switched to. entry must never return: it
// ends by switching away for good.
void prepare(Context& ctx, const Stack& stack, void (*entry)(void*), void* arg);

// Saves the running context into from and continues to. The sanitizer (ASan) is told about the
// stack change by the caller (see switch_stacks in fiber.cc's users).
void switch_context(Context& from, const Context& to);

// ASan's fiber annotations (no-ops in other builds). start_switch before switch_context, with
// the target's stack; finish_switch right after control comes back, which reports the stack
// that switched to us.
void start_switch(void** fake_stack, const void* bottom, size_t size);
void finish_switch(void* fake_stack, const void** from_bottom, size_t* from_size);

// What suspends the running fiber (the scheduler's own handle for it) until one of fds is ready or deadline_ms (steady clock;
// -1: none) passes. Returns as poll() does: the number of fds with revents set, 0 on timeout.
class Parker {
public:
    virtual ~Parker() = default;
    virtual int park(void* fiber, pollfd* fds, nfds_t n, int64_t deadline_ms) = 0;
};

// The parker of the fiber running on this thread, when parking is allowed (a ParkingScope is
// open on it); else nullptr.
Parker* parker();

// Called by the scheduler around running a fiber on this thread.
struct Running {
    Parker* parker = nullptr;
    void* fiber = nullptr;
    bool* parking_allowed = nullptr;  // the fiber's flag, set by the innermost ParkingScope
    bool* background = nullptr;       // the fiber's flag, set by the innermost BackgroundScope
};
void set_running(const Running& r);

// Sets one of the running fiber's flags for a scope's duration (nothing outside a fiber).
class FlagScope {
public:
    FlagScope(const FlagScope&) = delete;
    FlagScope& operator=(const FlagScope&) = delete;

protected:
    FlagScope(bool* Running::*flag, bool value);
    ~FlagScope();

private:
    bool* flag_;  // the fiber's own: valid on whichever thread it runs when the scope ends
    bool previous_ = false;
};

// Lets poll() below park the running fiber, if any, for the scope's duration, or (allow false)
// forbids it in code called from an allowing scope that is not audited for it.
class ParkingScope : public FlagScope {
public:
    explicit ParkingScope(bool allow = true) : FlagScope(&Running::parking_allowed, allow) {}
};

// Makes the running fiber's parks background waits for the scope's duration: the scheduler
// serves their events after those of requests still waiting for their first answer, so a long
// stream's next event gives way to a new request (the edge's background set, edge_fibers.hpp).
class BackgroundScope : public FlagScope {
public:
    BackgroundScope() : FlagScope(&Running::background, true) {}
};

// poll(2), except that on a fiber inside a ParkingScope it parks the fiber instead of blocking
// the thread.
int poll(pollfd* fds, nfds_t n, int timeout_ms);

// Waits (through poll() above) until fd allows `events` or deadline_ms (steady clock) passes;
// false on the deadline or an error other than EINTR.
bool wait_ready(int fd, short events, int64_t deadline_ms);

// Sleeps ms: on a fiber it parks (the caller holds no lock and no thread-local across it),
// elsewhere the thread sleeps.
void nap(int ms);

// errno, read afresh: after a park the fiber may be on another thread, and a compiler may have
// kept the address of the previous thread's errno (glibc declares it a const function).
int last_errno();

}  // namespace sy::fiber
