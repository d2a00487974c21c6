// server/edge_fibers: a request's fiber parks where it would block, any thread that gets its
// event resumes it, a deadline wakes it through the ready queue, and its thread-local request
// state goes with it from thread to thread.
#include "server/edge_fibers.hpp"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <set>
#include <chrono>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "server/answer_translator.hpp"

namespace sy::server::edge {
namespace {

// An epoll set with a wake-up descriptor and a background set inside it, and worker threads
// that run what they report, as the edge's workers do.
class Loop {
public:
    Loop() {
        ep_ = ::epoll_create1(EPOLL_CLOEXEC);
        background_ep_ = ::epoll_create1(EPOLL_CLOEXEC);
        wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.ptr = &wake_tag_;
        ::epoll_ctl(ep_, EPOLL_CTL_ADD, wake_fd_, &ev);
        ev.data.ptr = &background_tag_;
        ::epoll_ctl(ep_, EPOLL_CTL_ADD, background_ep_, &ev);
        fibers_ = std::make_unique<Fibers>(ep_, background_ep_, 256 * 1024, [this] {
            uint64_t one = 1;
            [[maybe_unused]] ssize_t r = ::write(wake_fd_, &one, sizeof one);
        });
    }
    ~Loop() {
        stop_ = true;
        for (auto& t : workers_) t.join();
        fibers_.reset();
        ::close(wake_fd_);
        ::close(background_ep_);
        ::close(ep_);
    }
    Fibers& fibers() { return *fibers_; }
    int main_set() const { return ep_; }
    int background_set() const { return background_ep_; }
    bool is_background_tag(const epoll_event& ev) const { return ev.data.ptr == &background_tag_; }
    // Resumes the fiber of an event taken from either set by hand (no workers running).
    void run(const epoll_event& ev) {
        if (Fibers::is_fiber_event(ev.data.u64))
            if (Fiber* f = fibers_->claim(ev.data.u64, ev.events)) fibers_->resume(f);
    }
    void start_workers(int n) {
        for (int i = 0; i < n; ++i) workers_.emplace_back([this] { work(); });
    }
    // Waits (bounded) until every fiber has ended.
    bool drained() {
        for (int i = 0; i < 1000 && fibers_->alive() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        return fibers_->alive() == 0;
    }

private:
    void work() {
        epoll_event ev{};
        while (!stop_) {
            if (Fiber* f = fibers_->take_ready()) {
                fibers_->resume(f);
                continue;
            }
            if (::epoll_wait(ep_, &ev, 1, 10) != 1) continue;
            if (is_background_tag(ev) && ::epoll_wait(background_ep_, &ev, 1, 0) != 1) continue;
            if (Fibers::is_fiber_event(ev.data.u64)) {
                if (Fiber* f = fibers_->claim(ev.data.u64, ev.events)) fibers_->resume(f);
                continue;
            }
            uint64_t x;
            [[maybe_unused]] ssize_t r = ::read(wake_fd_, &x, sizeof x);
        }
    }

    int ep_ = -1, background_ep_ = -1, wake_fd_ = -1;
    alignas(8) char wake_tag_ = 0;
    alignas(8) char background_tag_ = 0;
    std::unique_ptr<Fibers> fibers_;
    std::atomic<bool> stop_{false};
    std::vector<std::thread> workers_;
};

// The running thread's id, read afresh: pthread_self is a const function, and a compiler may
// reuse its value from before a park (as it may errno's address: core/fiber.hpp).
[[gnu::noinline]] std::thread::id thread_now() {
    asm volatile("" ::: "memory");
    return std::this_thread::get_id();
}

struct Pipe {
    int r = -1, w = -1;
    Pipe() {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0) r = fds[0], w = fds[1];
    }
    ~Pipe() {
        ::close(r);
        ::close(w);
    }
};

TEST(EdgeFibersTest, AParkedFiberIsResumedByTheThreadThatGetsItsEvent) {
    Loop loop;
    Pipe pipe;
    std::thread::id before, after;
    int rc = -1;
    short revents = 0;
    ASSERT_TRUE(loop.fibers().start([&] {
        before = thread_now();
        fiber::ParkingScope parking;
        pollfd p{pipe.r, POLLIN, 0};
        rc = fiber::poll(&p, 1, 10000);
        revents = p.revents;
        after = thread_now();
    }, -1));
    EXPECT_EQ(before, std::this_thread::get_id()) << "start runs the fiber here until it parks";
    EXPECT_EQ(loop.fibers().alive(), 1) << "parked, not ended";
    loop.start_workers(1);
    ASSERT_EQ(::write(pipe.w, "x", 1), 1);
    ASSERT_TRUE(loop.drained());
    EXPECT_EQ(rc, 1);
    EXPECT_TRUE(revents & POLLIN);
    EXPECT_NE(after, before) << "the worker that got the event ran the rest";
}

TEST(EdgeFibersTest, ADeadlineWakesAParkedFiberThatNothingElseWakes) {
    Loop loop;
    loop.start_workers(2);
    Pipe pipe;
    int rc = -1;
    int64_t waited = 0;
    ASSERT_TRUE(loop.fibers().start([&] {
        fiber::ParkingScope parking;
        pollfd p{pipe.r, POLLIN, 0};
        int64_t t0 = clock::steady_ms();
        rc = fiber::poll(&p, 1, 50);
        waited = clock::steady_ms() - t0;
    }, -1));
    ASSERT_TRUE(loop.drained());
    EXPECT_EQ(rc, 0) << "timed out, as poll does";
    EXPECT_GE(waited, 50) << "not woken before its deadline";
}

TEST(EdgeFibersTest, AnEventOfAnEarlierParkDoesNotWakeALaterOne) {
    Loop loop;
    loop.start_workers(2);
    Pipe first, second;
    int woke_by = -1;
    int64_t napped = 0;
    std::atomic<bool> napping{false};
    ASSERT_TRUE(loop.fibers().start([&] {
        fiber::ParkingScope parking;
        pollfd p[2] = {{first.r, POLLIN, 0}, {second.r, POLLIN, 0}};
        fiber::poll(p, 2, 10000);
        woke_by = (p[0].revents & POLLIN) ? 0 : 1;
        napping = true;
        int64_t t0 = clock::steady_ms();
        fiber::nap(200);  // `second` is still registered for the park above
        napped = clock::steady_ms() - t0;
    }, -1));
    ASSERT_EQ(::write(first.w, "x", 1), 1);
    for (int i = 0; i < 400 && !napping; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_EQ(::write(second.w, "x", 1), 1);  // an event with the first park's sequence number
    ASSERT_TRUE(loop.drained());
    EXPECT_EQ(woke_by, 0);
    EXPECT_GE(napped, 200) << "the stale event was dropped";
}

TEST(EdgeFibersTest, TheClientSocketStaysWatchedAcrossParksUntilItCloses) {
    Loop loop;
    loop.start_workers(2);
    Pipe upstream;
    int client[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, client), 0);
    std::atomic<int> parks_done{0};
    short client_revents = 0;
    ASSERT_TRUE(loop.fibers().start([&] {
        fiber::ParkingScope parking;
        for (;;) {  // as a stream relay waits: the upstream, and the client for a close
            pollfd p[2] = {{upstream.r, POLLIN, 0}, {client[0], POLLIN | POLLRDHUP, 0}};
            if (fiber::poll(p, 2, 10000) <= 0) return;
            ++parks_done;
            if (p[1].revents) {
                client_revents = p[1].revents;
                return;
            }
            char c;
            [[maybe_unused]] ssize_t n = ::read(upstream.r, &c, 1);
        }
    }, client[0]));
    for (int i = 0; i < 3; ++i) {  // three upstream events: the client's registration is not consumed
        ASSERT_EQ(::write(upstream.w, "x", 1), 1);
        for (int t = 0; t < 400 && parks_done.load() <= i; ++t) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ::close(client[1]);  // the client goes away mid-stream
    ASSERT_TRUE(loop.drained());
    EXPECT_EQ(parks_done.load(), 4);
    EXPECT_TRUE(client_revents & (POLLRDHUP | POLLHUP | POLLIN)) << client_revents;
    ::close(client[0]);
}

TEST(EdgeFibersTest, ABackgroundParkWaitsInTheBackgroundSetAndItsClientSocketInTheMainOne) {
    Loop loop;  // no workers: the test takes the events itself
    Pipe relay, fresh;
    int client[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, client), 0);
    std::atomic<int> woke{0};
    ASSERT_TRUE(loop.fibers().start([&] {  // a stream past its first event
        fiber::ParkingScope parking;
        fiber::BackgroundScope background;
        pollfd p[2] = {{relay.r, POLLIN, 0}, {client[0], POLLIN | POLLRDHUP, 0}};
        if (fiber::poll(p, 2, 10000) == 1 && (p[0].revents & POLLIN)) ++woke;
    }, client[0]));
    ASSERT_TRUE(loop.fibers().start([&] {  // a request still waiting for its answer
        fiber::ParkingScope parking;
        pollfd p{fresh.r, POLLIN, 0};
        if (fiber::poll(&p, 1, 10000) == 1) ++woke;
    }, -1));
    ASSERT_EQ(::write(relay.w, "x", 1), 1);
    ASSERT_EQ(::write(fresh.w, "x", 1), 1);

    epoll_event main[4], background[4];
    const int n_main = ::epoll_wait(loop.main_set(), main, 4, 0);
    ASSERT_EQ(n_main, 2) << "the new request's event and the background set's one entry";
    EXPECT_NE(loop.is_background_tag(main[0]), loop.is_background_tag(main[1]));
    const int n_background = ::epoll_wait(loop.background_set(), background, 4, 0);
    ASSERT_EQ(n_background, 1) << "the stream's event";
    EXPECT_TRUE(Fibers::is_fiber_event(background[0].data.u64));

    for (int i = 0; i < n_main; ++i) loop.run(main[i]);
    loop.run(background[0]);
    EXPECT_EQ(woke.load(), 2);
    EXPECT_EQ(loop.fibers().alive(), 0);
    // The stream's client socket was watched in the main set: a close is news at once.
    epoll_event probe{};
    probe.events = EPOLLIN;
    EXPECT_EQ(::epoll_ctl(loop.background_set(), EPOLL_CTL_MOD, client[0], &probe), -1);
    EXPECT_EQ(errno, ENOENT);
    EXPECT_EQ(::epoll_ctl(loop.main_set(), EPOLL_CTL_MOD, client[0], &probe), 0);
    ::close(client[0]);
    ::close(client[1]);
}

TEST(EdgeFibersTest, ARequestsThreadLocalStateTravelsWithItsFiber) {
    Loop loop;
    Pipe pipe;
    int marker = 0;
    auto* mine = reinterpret_cast<AnswerTranslator*>(&marker);  // compared, never called
    AnswerTranslator* seen_after = nullptr;
    ASSERT_TRUE(loop.fibers().start([&] {
        TranslatorScope scope(mine);
        fiber::ParkingScope parking;
        pollfd p{pipe.r, POLLIN, 0};
        fiber::poll(&p, 1, 10000);
        seen_after = current_translator();
    }, -1));
    EXPECT_EQ(current_translator(), nullptr) << "the thread got its own state back when the fiber parked";
    loop.start_workers(1);
    ASSERT_EQ(::write(pipe.w, "x", 1), 1);
    ASSERT_TRUE(loop.drained());
    EXPECT_EQ(seen_after, mine) << "on the worker thread the fiber found its translator";
}

TEST(EdgeFibersTest, ManyParkedFibersAllFinishOnFewThreads) {
    Loop loop;
    constexpr int kFibers = 300;
    std::vector<std::unique_ptr<Pipe>> pipes;
    std::atomic<int> finished{0};
    for (int i = 0; i < kFibers; ++i) {
        pipes.push_back(std::make_unique<Pipe>());
        int fd = pipes.back()->r;
        ASSERT_TRUE(loop.fibers().start([fd, &finished] {
            fiber::ParkingScope parking;
            for (int round = 0; round < 3; ++round) {  // three parks each, each one byte
                pollfd p{fd, POLLIN, 0};
                if (fiber::poll(&p, 1, 20000) != 1) return;
                char c;
                if (::read(fd, &c, 1) != 1) return;
            }
            ++finished;
        }, -1));
    }
    EXPECT_EQ(loop.fibers().alive(), kFibers);
    loop.start_workers(3);
    for (int round = 0; round < 3; ++round)
        for (int i = kFibers - 1; i >= 0; --i) ASSERT_EQ(::write(pipes[i]->w, "x", 1), 1);
    ASSERT_TRUE(loop.drained());
    EXPECT_EQ(finished.load(), kFibers);
}

// A fiber that parks and is resumed and finished by another worker at once: the worker that
// published the park must not look at the fiber again. It did, and when it was preempted right
// there it recycled a fiber the other worker had already recycled: two requests then ran on one
// stack (seen as a crash in tests/bench/streams/run.sh, 2 runs in 14). A test cannot force that
// preemption, so this one did not catch it; it drives the same path (each park's byte written
// the moment the fiber is about to park, by a thread of its own) and checks that no fiber is
// ever handed out twice: each records its stack while it runs.
TEST(EdgeFibersTest, AFiberFinishedByAnotherWorkerRightAfterItsParkIsRecycledOnce) {
    Loop loop;
    loop.start_workers(3);
    constexpr int kRounds = 3000;
    std::atomic<int> finished{0}, overlaps{0};
    std::atomic<int> to_write{-1};  // the pipe the writer writes next
    std::atomic<bool> stop{false};
    std::thread writer([&] {
        while (!stop) {
            int fd = to_write.exchange(-1);
            if (fd >= 0) [[maybe_unused]] ssize_t r = ::write(fd, "x", 1);
        }
    });
    std::mutex mu;
    std::set<const void*> running;  // the stack addresses of jobs running now
    std::vector<std::unique_ptr<Pipe>> pipes;
    for (int i = 0; i < kRounds; ++i) {
        pipes.push_back(std::make_unique<Pipe>());
        Pipe* pipe = pipes.back().get();
        auto job = [pipe, &finished, &overlaps, &mu, &running, &to_write] {
            char marker = 0;
            {
                std::lock_guard lock(mu);
                if (!running.insert(&marker).second) ++overlaps;
            }
            fiber::ParkingScope parking;
            pollfd p{pipe->r, POLLIN, 0};
            to_write = pipe->w;
            fiber::poll(&p, 1, 10000);
            {
                std::lock_guard lock(mu);
                running.erase(&marker);
            }
            ++finished;
        };
        ASSERT_TRUE(loop.fibers().start(job, -1));
        while (to_write.load() >= 0) std::this_thread::yield();  // one park in flight at a time
    }
    ASSERT_TRUE(loop.drained());
    stop = true;
    writer.join();
    EXPECT_EQ(finished.load(), kRounds);
    EXPECT_EQ(overlaps.load(), 0) << "a fiber ran two jobs at once";
}

}  // namespace
}  // namespace sy::server::edge
