#include "core/fiber.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "core/clock.hpp"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace sy::fiber {
namespace {

thread_local Running t_running;

// Thread-local reads that a compiler must not cache across a park (the fiber may come back on
// another thread): out of line, with a barrier that keeps them from being judged pure.
[[gnu::noinline]] Running& running() {
    asm volatile("" ::: "memory");
    return t_running;
}

size_t page_size() {
    static const size_t size = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    return size;
}

// A stack used before keeps the sanitizer's marks of the frames that never returned (a fiber
// ends by switching away): a new context starts from a clean stack.
void forget_old_frames([[maybe_unused]] const Stack& stack) {
#if defined(__SANITIZE_ADDRESS__)
    ASAN_UNPOISON_MEMORY_REGION(stack.bottom(), stack.size());
#endif
}

}  // namespace

Stack::Stack(size_t bytes) {
    const size_t page = page_size();
    size_ = (bytes + page - 1) / page * page;
    mapped_ = size_ + page;
    void* p = ::mmap(nullptr, mapped_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
                     -1, 0);
    if (p == MAP_FAILED) return;
    if (::mprotect(p, page, PROT_NONE) != 0) {  // an overflow faults instead of writing past
        ::munmap(p, mapped_);
        return;
    }
    base_ = p;
    usable_ = static_cast<char*>(p) + page;
}

Stack::~Stack() {
    if (base_) ::munmap(base_, mapped_);
}

void Stack::release_pages() {
    if (usable_) ::madvise(usable_, size_, MADV_DONTNEED);
}

#if defined(__x86_64__)

// Saves the callee-saved registers and the SSE/x87 control words on the running stack, stores
// the stack pointer in *save_sp, and restores the same from load_sp. A new context starts in
// sy_fiber_start with its entry in r12 and argument in rbx (prepare() lays that frame out).
extern "C" void sy_fiber_switch(void** save_sp, void* load_sp);
extern "C" void sy_fiber_start();
asm(R"(
    .text
    .globl sy_fiber_switch
    .type sy_fiber_switch,@function
sy_fiber_switch:
    .cfi_startproc
    endbr64
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .cfi_endproc
    .size sy_fiber_switch,.-sy_fiber_switch

    .globl sy_fiber_start
    .type sy_fiber_start,@function
sy_fiber_start:
    .cfi_startproc
    .cfi_undefined rip
    endbr64
    movq %rbx, %rdi
    callq *%r12
    ud2
    .cfi_endproc
    .size sy_fiber_start,.-sy_fiber_start
)");

void prepare(Context& ctx, const Stack& stack, void (*entry)(void*), void* arg) {
    forget_old_frames(stack);
    uintptr_t top = (reinterpret_cast<uintptr_t>(stack.bottom()) + stack.size()) & ~uintptr_t{15};
    // Popped by sy_fiber_switch: control words, r15..r12, rbx, rbp, then the return address.
    // After the pops rsp is top - 16, 16-aligned, as the ABI wants before sy_fiber_start's call.
    auto* frame = reinterpret_cast<uint64_t*>(top - 80);
    uint32_t mxcsr = 0;
    uint16_t fpu_cw = 0;
    asm volatile("stmxcsr %0" : "=m"(mxcsr));
    asm volatile("fnstcw %0" : "=m"(fpu_cw));
    frame[0] = mxcsr | static_cast<uint64_t>(fpu_cw) << 32;
    frame[1] = frame[2] = frame[3] = 0;                // r15, r14, r13
    frame[4] = reinterpret_cast<uint64_t>(entry);      // r12
    frame[5] = reinterpret_cast<uint64_t>(arg);        // rbx
    frame[6] = 0;                                      // rbp: the end of the frame chain
    frame[7] = reinterpret_cast<uint64_t>(&sy_fiber_start);
    frame[8] = frame[9] = 0;
    ctx.sp = frame;
}

void switch_context(Context& from, const Context& to) {
    sy_fiber_switch(&from.sp, to.sp);
}

#else  // elsewhere: ucontext

void prepare(Context& ctx, const Stack& stack, void (*entry)(void*), void* arg) {
    forget_old_frames(stack);
    ::getcontext(&ctx.uc);
    ctx.uc.uc_stack.ss_sp = stack.bottom();
    ctx.uc.uc_stack.ss_size = stack.size();
    ctx.uc.uc_link = nullptr;
    // makecontext passes int arguments: the two pointers go as 32-bit halves.
    auto fn = reinterpret_cast<uintptr_t>(entry);
    auto bits = reinterpret_cast<uintptr_t>(arg);
    void (*start)(unsigned, unsigned, unsigned, unsigned) = [](unsigned fh, unsigned fl, unsigned ah, unsigned al) {
        auto f = reinterpret_cast<void (*)(void*)>(uintptr_t{fh} << 32 | fl);
        f(reinterpret_cast<void*>(uintptr_t{ah} << 32 | al));
    };
    ::makecontext(&ctx.uc, reinterpret_cast<void (*)()>(start), 4, static_cast<unsigned>(fn >> 32),
                  static_cast<unsigned>(fn), static_cast<unsigned>(bits >> 32), static_cast<unsigned>(bits));
}

void switch_context(Context& from, const Context& to) {
    ::swapcontext(&from.uc, &to.uc);
}

#endif

#if defined(__SANITIZE_ADDRESS__)
void start_switch(void** fake_stack, const void* bottom, size_t size) {
    __sanitizer_start_switch_fiber(fake_stack, bottom, size);
}
void finish_switch(void* fake_stack, const void** from_bottom, size_t* from_size) {
    __sanitizer_finish_switch_fiber(fake_stack, from_bottom, from_size);
}
#else
void start_switch(void**, const void*, size_t) {}
void finish_switch(void*, const void**, size_t*) {}
#endif

namespace {
bool may_park(const Running& r) {
    return r.parker && r.parking_allowed && *r.parking_allowed;
}
}  // namespace

Parker* parker() {
    const Running& r = running();
    return may_park(r) ? r.parker : nullptr;
}

void set_running(const Running& r) {
    running() = r;
}

FlagScope::FlagScope(bool* Running::*flag, bool value) : flag_(running().*flag) {
    if (!flag_) return;
    previous_ = *flag_;
    *flag_ = value;
}

FlagScope::~FlagScope() {
    if (flag_) *flag_ = previous_;
}

int poll(pollfd* fds, nfds_t n, int timeout_ms) {
    const Running r = running();
    if (timeout_ms == 0 || !may_park(r)) return ::poll(fds, n, timeout_ms);
    return r.parker->park(r.fiber, fds, n, timeout_ms < 0 ? -1 : clock::steady_ms() + timeout_ms);
}

bool wait_ready(int fd, short events, int64_t deadline_ms) {
    pollfd p{fd, events, 0};
    for (;;) {
        const int64_t left = deadline_ms - clock::steady_ms();
        if (left <= 0) return false;
        int rc = fiber::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 1 << 30)));
        if (rc > 0) return true;
        if (rc == 0 || last_errno() != EINTR) return false;
    }
}

void nap(int ms) {
    ParkingScope parking;
    fiber::poll(nullptr, 0, ms);
}

[[gnu::noinline]] int last_errno() {
    asm volatile("" ::: "memory");
    return errno;
}

}  // namespace sy::fiber
