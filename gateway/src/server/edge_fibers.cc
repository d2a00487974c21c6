#include "server/edge_fibers.hpp"

#include <sys/epoll.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <memory>
#include <switchyard/log.hpp>
#include <switchyard/tracing.hpp>

#include "core/clock.hpp"
#include "server/answer_translator.hpp"
#include "server/edge_report.hpp"

namespace sy::server::edge {

// A fiber's state word: the park's sequence number above three flags. Only the thread that
// moves it out of `parked` (or sees `woken` while registering) may run the fiber.
namespace {
constexpr uint32_t kParked = 1;       // waiting; an event or the timer may claim it
constexpr uint32_t kRegistering = 2;  // its worker is still registering descriptors
constexpr uint32_t kWoken = 4;        // an event came while registering: the worker runs it again
constexpr int kWokeUnknown = -2;      // woken while registering: poll says which descriptor
constexpr int kWokeByTimer = -1;
constexpr size_t kWarmFibers = 256;      // free fibers beyond these give their stack pages back
constexpr int64_t kColdAfterMs = 30000;  // as do free fibers idle this long (as a thread retired)
constexpr nfds_t kMaxFds = 3;       // the index fits bits 1..2 of the data word
constexpr uint64_t kClientIndex = 3;  // the job's client socket, whatever the park
// While deadlines are pending the timer thread looks this often, so that one further away than
// this never costs it a wake-up (an upstream or Redis timeout); a nearer one does (a delay).
constexpr int64_t kTimerTickMs = 50;
constexpr int64_t kIdleLookMs = 5000;  // with no deadline pending: for fibers idle too long

uint32_t seq_of(uint32_t state) { return state >> 3; }
uint64_t seq_bits(uint32_t seq) { return uint64_t{seq & 0xffff} << 48; }
}  // namespace

struct Fiber {
    Fibers* owner = nullptr;
    std::unique_ptr<fiber::Stack> stack;
    fiber::Context ctx;
    Fibers::Job job;
    std::atomic<uint32_t> state{0};
    bool done = false;

    // the park in progress: the fiber's own pollfds (its stack holds them while it is parked)
    pollfd* fds = nullptr;
    nfds_t nfds = 0;
    int64_t deadline = -1;
    int woke_index = kWokeByTimer;
    uint32_t woke_events = 0;
    bool timer_armed = false;  // under the timers lock
    std::multimap<int64_t, std::pair<Fiber*, uint32_t>>::iterator timer;

    bool parking_allowed = false;
    bool background = false;
    int client_fd = -1;
    std::atomic<uint32_t> client_armed{0};  // the events its client socket is armed for (0: none)
    tracing::ThreadState trace;  // the request's thread-local state while it is switched out
    AnswerTranslator* translator = nullptr;

    fiber::Context* back = nullptr;  // the worker that resumed it
    const void* back_bottom = nullptr;
    size_t back_size = 0;
    Fiber* next_free = nullptr;  // the free list toward older
    Fiber* prev_free = nullptr;  // the warm list toward newer
    int64_t idle_since = 0;
};

Fibers::Fibers(int epoll_fd, int background_fd, size_t stack_bytes, std::function<void()> wake)
    : ep_(epoll_fd), background_ep_(background_fd), stack_bytes_(stack_bytes), wake_(std::move(wake)) {
    timer_thread_ = std::thread([this] { keep_time(); });
}

Fibers::~Fibers() {
    {
        std::lock_guard lock(timers_mu_);
        stopping_ = true;
    }
    timers_cv_.notify_all();
    timer_thread_.join();
    for (Fiber* f : all_) delete f;
}

bool Fibers::start(Job job, int client_fd) {
    Fiber* f = take_free();
    if (!f) return false;
    f->job = std::move(job);
    f->client_fd = client_fd;
    f->client_armed.store(0);
    f->background = false;
    f->done = false;
    fiber::prepare(f->ctx, *f->stack, &Fibers::entry, f);
    alive_.fetch_add(1);
    resume(f);
    return true;
}

Fiber* Fibers::take_free() {
    {
        std::lock_guard lock(free_mu_);
        if (Fiber* f = warm_) {  // a warm stack first: its pages are still there
            warm_ = f->next_free;
            if (warm_) warm_->prev_free = nullptr;
            else warm_oldest_ = nullptr;
            --warm_count_;
            return f;
        }
        if (Fiber* f = cold_) {
            cold_ = f->next_free;
            return f;
        }
    }
    auto f = std::make_unique<Fiber>();
    f->owner = this;
    f->stack = std::make_unique<fiber::Stack>(stack_bytes_);
    if (!f->stack->ok()) return nullptr;
    std::lock_guard lock(free_mu_);
    all_.push_back(f.get());
    return f.release();
}

void Fibers::recycle(Fiber* f) {
    const int64_t now = clock::steady_ms();
    Fiber* stale = nullptr;
    {
        std::lock_guard lock(free_mu_);
        if (warm_count_ < kWarmFibers) {
            f->idle_since = now;
            f->prev_free = nullptr;
            f->next_free = warm_;
            if (warm_) warm_->prev_free = f;
            else warm_oldest_ = f;
            warm_ = f;
            ++warm_count_;
            f = nullptr;
            stale = take_stale_warm(now);  // one per recycle keeps pace with traffic; the timer thread does the rest
        }
    }
    if (f) make_cold(f);  // after a burst: RSS goes back down
    if (stale) make_cold(stale);
}

Fiber* Fibers::take_stale_warm(int64_t now) {
    Fiber* f = warm_oldest_;
    if (!f || now - f->idle_since < kColdAfterMs) return nullptr;
    warm_oldest_ = f->prev_free;
    if (warm_oldest_) warm_oldest_->next_free = nullptr;
    else warm_ = nullptr;
    --warm_count_;
    return f;
}

void Fibers::make_cold(Fiber* f) {
    f->stack->release_pages();  // a system call: outside the lock
    std::lock_guard lock(free_mu_);
    f->next_free = cold_;
    cold_ = f;
}

void Fibers::entry(void* arg) {
    auto* f = static_cast<Fiber*>(arg);
    fiber::finish_switch(nullptr, &f->back_bottom, &f->back_size);
    try {
        f->job();
    } catch (const std::exception& e) {
        log::error("edge", std::string("a request's fiber ended with an exception: ") + e.what());
    } catch (...) {
        log::error("edge", "a request's fiber ended with an exception");
    }
    f->job = nullptr;
    f->done = true;
    f->owner->yield(f);  // never resumed again
    __builtin_unreachable();
}

void Fibers::resume(Fiber* f) {
    for (;;) {
        run(f);
        if (f->done) {
            recycle(f);
            alive_.fetch_sub(1);
            return;
        }
        // Published: another worker may resume f at once, run it to its end and recycle it, so
        // nothing of f may be read here any more (reading f->done after this recycled a fiber
        // twice, and two requests then ran on one stack).
        if (publish_park(f)) return;
    }
}

void Fibers::run(Fiber* f) {
    fiber::Context here;
    f->back = &here;
    tracing::swap_thread_state(f->trace);  // the thread takes the request's state...
    swap_current_translator(f->translator);
    fiber::set_running({this, f, &f->parking_allowed, &f->background});
    void* fake_stack = nullptr;
    fiber::start_switch(&fake_stack, f->stack->bottom(), f->stack->size());
    fiber::switch_context(here, f->ctx);
    fiber::finish_switch(fake_stack, nullptr, nullptr);
    fiber::set_running({});
    tracing::swap_thread_state(f->trace);  // ...and gives it back when the fiber parks
    swap_current_translator(f->translator);
}

void Fibers::yield(Fiber* f) {
    void* fake_stack = nullptr;
    fiber::start_switch(f->done ? nullptr : &fake_stack, f->back_bottom, f->back_size);
    fiber::switch_context(f->ctx, *f->back);
    fiber::finish_switch(fake_stack, &f->back_bottom, &f->back_size);  // possibly another thread
}

int Fibers::park(void* self, pollfd* fds, nfds_t n, int64_t deadline_ms) {
    auto* f = static_cast<Fiber*>(self);
    if (n > kMaxFds)  // more than a data word can name: block this thread instead
        return ::poll(fds, n, deadline_ms < 0 ? -1 : static_cast<int>(std::max<int64_t>(0, deadline_ms - clock::steady_ms())));
    for (;;) {
        f->fds = fds;
        f->nfds = n;
        f->deadline = deadline_ms;
        f->woke_index = kWokeByTimer;
        count_parked(1);
        yield(f);
        count_parked(-1);
        if (deadline_ms >= 0) disarm_timer(f);
        for (nfds_t i = 0; i < n; ++i) fds[i].revents = 0;
        if (f->woke_index == kWokeUnknown) {
            int rc = ::poll(fds, n, 0);
            if (rc != 0) return rc;
        } else if (f->woke_index >= 0 && static_cast<nfds_t>(f->woke_index) < n) {
            // epoll's EPOLLIN/OUT/RDHUP/ERR/HUP have poll's values
            pollfd& p = fds[f->woke_index];
            p.revents = static_cast<short>(f->woke_events & (p.events | POLLERR | POLLHUP));
            if (p.revents) return 1;
        }
        if (deadline_ms >= 0 && clock::steady_ms() >= deadline_ms) return 0;
    }
}

bool Fibers::publish_park(Fiber* f) {
    uint32_t seq = seq_of(f->state.load(std::memory_order_relaxed)) + 1;
    if ((seq & 0xffff) == 0xffff) ++seq;  // never the client socket's "any park"
    // seq_cst: a client event clears client_armed and then looks at the state (Dekker).
    f->state.store(seq << 3 | kRegistering);
    register_fds(f, reinterpret_cast<uintptr_t>(f) | 1 | seq_bits(seq));
    if (f->deadline >= 0) arm_timer(f, seq);
    uint32_t expected = seq << 3 | kRegistering;
    if (f->state.compare_exchange_strong(expected, seq << 3 | kParked, std::memory_order_acq_rel)) return true;
    f->state.store(seq << 3, std::memory_order_relaxed);  // woken meanwhile: runs again at once
    f->woke_index = kWokeUnknown;
    return false;
}

void Fibers::register_fds(Fiber* f, uint64_t word) {
    for (nfds_t i = 0; i < f->nfds; ++i) {
        const pollfd& p = f->fds[i];
        if (p.fd < 0) continue;
        epoll_event ev{};
        ev.events = static_cast<uint32_t>(p.events) | EPOLLONESHOT;
        ev.data.u64 = word | uint64_t{i} << 1;
        int set = f->background ? background_ep_ : ep_;
        if (p.fd == f->client_fd) {
            if (f->client_armed.load() == ev.events) continue;  // still armed from an earlier park
            f->client_armed.store(ev.events);
            ev.data.u64 = (word & ~(uint64_t{0xffff} << 48)) | uint64_t{0xffff} << 48 | kClientIndex << 1;
            set = ep_;
        }
        // A client socket is in the set already (its one-shot event brought the request); an
        // upstream socket is added on its first wait and leaves the set(s) when it is closed. One
        // that moved to the other set keeps a disarmed (or stale, dropped by claim) entry here.
        if (::epoll_ctl(set, EPOLL_CTL_MOD, p.fd, &ev) == 0) continue;
        if (errno == ENOENT && ::epoll_ctl(set, EPOLL_CTL_ADD, p.fd, &ev) == 0) continue;
        // Not a descriptor epoll takes: wake at once and let poll report it.
        uint32_t s = f->state.load();
        f->state.compare_exchange_strong(s, s | kWoken);
    }
}

Fiber* Fibers::claim(uint64_t data, uint32_t events) {
    auto* f = reinterpret_cast<Fiber*>(data & 0x0000fffffffffff8ULL);
    const uint32_t seq16 = static_cast<uint32_t>(data >> 48);
    const bool client = ((data >> 1) & 3) == kClientIndex;
    if (client) f->client_armed.store(0);  // fired: the next park arms it again
    uint32_t s = f->state.load();
    for (;;) {
        if (!client && (seq_of(s) & 0xffff) != seq16) return nullptr;  // an earlier park's event
        if (s & kParked) {
            if (f->state.compare_exchange_weak(s, seq_of(s) << 3, std::memory_order_acq_rel)) break;
        } else if ((s & kRegistering) && !(s & kWoken)) {
            if (f->state.compare_exchange_weak(s, s | kWoken, std::memory_order_acq_rel)) return nullptr;
        } else {
            return nullptr;  // running, or already woken
        }
    }
    // A client event may come from an earlier park: poll says whether it concerns this one.
    f->woke_index = client ? kWokeUnknown : static_cast<int>((data >> 1) & 3);
    f->woke_events = events;
    return f;
}

void Fibers::make_ready(Fiber* f) {
    ready_.push(f);
    wake_();
}

Fiber* Fibers::take_ready() {
    return ready_.try_pop();
}

void Fibers::arm_timer(Fiber* f, uint32_t seq) {
    bool earliest = false;
    {
        std::lock_guard lock(timers_mu_);
        f->timer = timers_.emplace(f->deadline, std::make_pair(f, seq));
        f->timer_armed = true;
        // Most deadlines are timeouts, far away: the thread finds them on a later look.
        earliest = f->deadline < timer_wakes_at_;
        if (earliest) timer_wakes_at_ = f->deadline;
    }
    if (earliest) timers_cv_.notify_one();
}

void Fibers::disarm_timer(Fiber* f) {
    std::lock_guard lock(timers_mu_);
    if (!f->timer_armed) return;
    timers_.erase(f->timer);
    f->timer_armed = false;
}

void Fibers::cool_idle_fibers() {
    const int64_t now = clock::steady_ms();
    for (;;) {
        Fiber* stale = nullptr;
        {
            std::lock_guard lock(free_mu_);
            stale = take_stale_warm(now);
        }
        if (!stale) return;
        make_cold(stale);
    }
}

void Fibers::keep_time() {
    std::unique_lock lock(timers_mu_);
    while (!stopping_) {
        const int64_t now = clock::steady_ms();
        auto it = timers_.begin();
        if (it == timers_.end()) {  // no deadline: look at idle fibers now and then
            timer_wakes_at_ = now + kIdleLookMs;
            timers_cv_.wait_for(lock, std::chrono::milliseconds(kIdleLookMs));
            lock.unlock();
            cool_idle_fibers();
            lock.lock();
            continue;
        }
        if (it->first > now) {
            timer_wakes_at_ = std::min(now + kTimerTickMs, it->first);
            timers_cv_.wait_for(lock, std::chrono::milliseconds(timer_wakes_at_ - now));
            continue;
        }
        auto [f, seq] = it->second;
        f->timer_armed = false;
        timers_.erase(it);
        // The same claim as an event's, with no descriptor: the fiber sees its deadline passed.
        const uint64_t word = reinterpret_cast<uintptr_t>(f) | 1 | seq_bits(seq);
        if (Fiber* claimed = claim(word, 0)) {
            claimed->woke_index = kWokeByTimer;
            lock.unlock();
            make_ready(claimed);
            lock.lock();
        }
    }
}

}  // namespace sy::server::edge
