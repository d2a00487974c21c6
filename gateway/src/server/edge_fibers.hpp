// The HTTP edge's fibers (core/fiber.hpp): each request runs on one. Where it waits for an
// upstream or a slow client it parks: its descriptors go into the edge's epoll set with a data
// word naming the fiber, and the worker goes back to serving events. Whichever thread gets the
// event resumes it. A parked stream therefore costs its fiber's stack, not a thread.
//
// A park's data word: the fiber's address | the pollfd's index << 1 | 1 (an edge connection or
// tag is 8-aligned, so bit 0 tells them apart), and the low 16 bits of the park's sequence number
// in the top bits. An event from an earlier park carries an older number and is dropped.
// The request's own client socket is the exception (index 3, any park): it is watched in most
// parks of a request (for a close), so its one-shot registration stays armed from one park to
// the next until it fires, which saves a system call per park.
//
// A fiber inside a fiber::BackgroundScope (a stream relaying its events after the first) waits
// in the background set instead, which the edge serves after its main set: when a burst of stream
// events comes, a new request does not queue behind it. Its client socket stays in the main set
// (a close is news at once).
#pragma once

#include <poll.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "core/fiber.hpp"
#include "server/work_queue.hpp"

namespace sy::server::edge {

struct Fiber;

class Fibers final : public fiber::Parker {
public:
    using Job = std::function<void()>;

    // epoll_fd: the set the edge's workers wait on; background_fd: the set for background waits
    // (epoll_fd again for none). wake: makes a waiting worker return from epoll_wait (a fiber's
    // deadline passed and it is ready to run).
    Fibers(int epoll_fd, int background_fd, size_t stack_bytes, std::function<void()> wake);
    ~Fibers() override;  // every fiber must have ended (see alive())
    Fibers(const Fibers&) = delete;
    Fibers& operator=(const Fibers&) = delete;

    static bool is_fiber_event(uint64_t data) { return data & 1; }

    // Runs job on a fiber on this thread until it ends or parks. False when no stack could be
    // mapped (the caller runs the job on its own thread). client_fd: the connection the job
    // serves (in the epoll set already, disarmed), which it does not re-arm before it ends.
    bool start(Job job, int client_fd);
    // The fiber an event is for, claimed for the caller to resume or queue; nullptr when the
    // event is stale (the fiber no longer waits for it).
    Fiber* claim(uint64_t data, uint32_t events);
    // Runs a claimed fiber on this thread until it ends or parks again.
    void resume(Fiber* f);
    // Queues a claimed fiber for whichever worker looks next, and wakes one.
    void make_ready(Fiber* f);
    // A claimed fiber that waits for a worker (its deadline passed); nullptr when none.
    Fiber* take_ready();

    int alive() const { return alive_.load(); }  // started and not ended

    int park(void* fiber, pollfd* fds, nfds_t n, int64_t deadline_ms) override;

private:
    static void entry(void* fiber);
    Fiber* take_free();
    void recycle(Fiber* f);
    void make_cold(Fiber* f);
    Fiber* take_stale_warm(int64_t now);  // under free_mu_: the oldest warm fiber idle too long
    void run(Fiber* f);           // switches to f; back here when it parks or ends
    void yield(Fiber* f);         // on f: back to the worker that resumed it
    bool publish_park(Fiber* f);  // false when an event came while registering: run f again
    void register_fds(Fiber* f, uint64_t word);
    void arm_timer(Fiber* f, uint32_t seq);
    void disarm_timer(Fiber* f);
    void keep_time();         // the timer thread
    void cool_idle_fibers();  // gives back the stack pages of fibers idle too long

    int ep_;
    int background_ep_;
    size_t stack_bytes_;
    std::function<void()> wake_;
    std::atomic<int> alive_{0};

    std::mutex free_mu_;
    // Fibers are never deleted before the pool: stale events may name them. Free ones wait with
    // their stack's pages (warm: most recently used first, at most a few hundred, none idle for
    // long) or without (cold), so memory follows recent concurrency as threads that retire did.
    Fiber* warm_ = nullptr;  // most recently used
    Fiber* warm_oldest_ = nullptr;
    Fiber* cold_ = nullptr;
    size_t warm_count_ = 0;
    std::deque<Fiber*> all_;

    WorkQueue<Fiber*> ready_{SIZE_MAX};  // unbounded: each fiber is in it at most once

    std::mutex timers_mu_;
    std::condition_variable timers_cv_;
    std::multimap<int64_t, std::pair<Fiber*, uint32_t>> timers_;  // deadline -> fiber, park sequence
    int64_t timer_wakes_at_ = INT64_MAX;  // when the timer thread looks next: a later deadline needs no notify
    bool stopping_ = false;
    std::thread timer_thread_;
};

}  // namespace sy::server::edge
