#include "server/edge_server.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <switchyard/log.hpp>
#include <thread>
#include <unordered_set>
#include <vector>

#include "core/clock.hpp"
#include "core/process_limits.hpp"
#include "server/edge_fibers.hpp"
#include "server/edge_report.hpp"
#include "server/edge_worker.hpp"

namespace sy::server {
namespace {

using edge::Conn;
using Phase = edge::Conn::Phase;

constexpr int kMaxWaitMs = 100;           // the keeper looks at deadlines this often
constexpr int kStallTickMs = 5;           // ... and at the workers this often while all are busy
constexpr int kMinFloorThreads = 4;       // workers kept even when idle, at least
constexpr int kRetireAfterMs = 30000;     // a worker idle this long retires (down to the floor)
constexpr int kInlineRequests = 16;       // requests of one connection served in a row before it waits its turn
constexpr int kLingerMs = 2000;           // after a refusal: how long to discard what the client still sends
constexpr size_t kLingerBytes = 1 << 20;  // ... and how much of it
constexpr int kAcceptBurst = 64;
// Background events (a stream's next one) taken per look at their set: a few amortise the
// system call, and a new request waits for at most these before a worker looks again.
constexpr int kBackgroundBatch = 4;

// Workers kept even when idle (server.min_threads, else): one per CPU this process may use (its
// affinity mask and cgroup CPU quota), and at least 4 (so that one blocked worker does not halve
// a small machine). The pool grows past it only while every worker is blocked, so without one per
// CPU a busy gateway would not use every core.
int floor_threads(const edge::Options& options) {
    return options.min_threads > 0 ? options.min_threads : std::max(kMinFloorThreads, usable_cpus());
}

void send_best_effort(int fd, std::string_view bytes) {
    ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

}  // namespace

// Threads: workers wait on one epoll set (one-shot events) and the thread that completes a
// request runs its handler at once; a partial request is parked again and holds no thread.
// Streams relaying their later events wait in a second set, itself in the first one as a single
// level-triggered entry: a burst of stream events takes its turn there, a few events at a time,
// and new requests do not queue behind all of it. One
// more thread, the keeper, runs the deadlines and watches the workers: when every one of them
// has held the same work for a whole tick (blocked, not computing), it starts another, up to
// max_threads, and at the cap reads in their place: complete requests then wait in the overflow
// queue (server.max_queued; beyond it, 503). Workers busy computing are not helped by more
// threads than cores, which would only take turns and wake each other.
class EdgeServer::Impl {
public:
    Impl(const Poco::Net::ServerSocket& socket, Poco::Net::HTTPRequestHandlerFactory::Ptr handlers,
         const edge::Options& options, ConnectionRegistry& registry)
        : handlers_(std::move(handlers)),
          options_(options),
          registry_(registry),
          server_address_(socket.address()),
          params_(new Poco::Net::HTTPServerParams),
          overflow_(static_cast<size_t>(options.max_queued)),
          service_{*handlers_, options_, *params_, server_address_} {
        listen_fd_ = ::fcntl(static_cast<int>(socket.impl()->sockfd()), F_DUPFD_CLOEXEC, 0);
        ::fcntl(listen_fd_, F_SETFL, ::fcntl(listen_fd_, F_GETFL) | O_NONBLOCK);
        ep_ = ::epoll_create1(EPOLL_CLOEXEC);
        background_ep_ = ::epoll_create1(EPOLL_CLOEXEC);
        wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        fibers_ = std::make_unique<edge::Fibers>(ep_, background_ep_, options_.stack_bytes, [this] { wake(); });
        overloaded_ = edge::rejection_response(edge::overloaded_rejection());
        timeout_ = edge::rejection_response(edge::request_timeout_rejection());
        edge::init_metrics();
    }

    ~Impl() {
        stop();
        for (Conn* c : all_) {
            ::close(c->fd);
            edge::count_connection(-1);
            delete c;
        }
        for (int fd : {listen_fd_, ep_, background_ep_, wake_fd_, spare_fd_})
            if (fd >= 0) ::close(fd);
    }

    void start() {
        add_fd(listen_fd_, &listen_tag_, EPOLLIN | EPOLLONESHOT);
        add_fd(wake_fd_, &wake_tag_, EPOLLIN);
        add_fd(background_ep_, &background_tag_, EPOLLIN);
        workers_.start(floor_threads(options_), options_.max_threads, options_.stack_bytes, [this] { work(); });
        keeper_ = std::thread([this] { keep(); });
    }

    void begin_drain() {
        draining_ = true;
        keeper_cv_.notify_all();
    }

    // Requests being answered, parked ones included, and those waiting for a worker.
    int busy() const { return std::max(running_.load(), fibers_->alive()) + static_cast<int>(overflow_.size()); }

    void stop() {
        if (stopped_.exchange(true)) return;
        draining_ = true;
        registry_.close_all();  // writes fail, upstream calls watching the client give up
        stopping_ = true;
        wake();  // level-triggered and never read from now on: every waiting worker wakes
        keeper_cv_.notify_all();
        workers_.join();
        if (keeper_.joinable()) keeper_.join();
    }

private:
    // --- workers ---
    // A worker runs fibers: requests that arrived, and parked ones whose event or deadline came.
    // Once stopping it goes on until the last fiber has ended.
    void work() {
        epoll_event ev{};
        while (!finished()) {
            if (edge::Fiber* f = fibers_->take_ready()) {
                run_fiber(f);
                continue;
            }
            if (Conn* c = overflow_.try_pop()) {
                if (overflow_.size() > 0) wake();  // another idle worker takes the next one
                serve(c);
                continue;
            }
            const int n = ::epoll_wait(ep_, &ev, 1, kRetireAfterMs);
            if (n == 1) on_event(ev, true);
            if (n == 0 && workers_.try_retire()) return;
        }
    }

    bool finished() const { return stopping_ && fibers_->alive() == 0; }

    // Starts c's request on a fiber (on this thread when no fiber stack can be had).
    void serve(Conn* c) {
        begin_running();
        if (!fibers_->start([this, c] { serve_loop(c); }, c->fd)) serve_loop(c);
        end_running();
    }

    void run_fiber(edge::Fiber* f) {
        begin_running();
        fibers_->resume(f);
        end_running();
    }

    // The last waiting worker takes work: the keeper, unless it already does, starts watching
    // for a stall.
    void begin_running() {
        if (running_.fetch_add(1) + 1 >= workers_.live() && !keeper_watching_.load()) keeper_cv_.notify_one();
    }

    void end_running() {
        progress_.fetch_add(1, std::memory_order_relaxed);
        running_.fetch_sub(1);
        if (finished()) wake();  // the last fiber of a stopping edge: every worker may return
    }

    // Runs c's request and any the client sent after it by the time it ends; leaves c parked,
    // closed or queued.
    void serve_loop(Conn* c) {
        int served = 0;
        do edge::serve_request(*c, service_, draining_.load());
        while (after_request(c, ++served < kInlineRequests) && advance(c, clock::steady_ms()) == Step::ready);
    }

    // True when bytes of a next request are already here: pipelined, or (read_early) sent once
    // the answer reached the client. On a busy core the client often ran while this thread
    // finished, and reading now saves re-arming the socket, a wait and a wake-up.
    bool after_request(Conn* c, bool read_early) {
        int64_t now = clock::steady_ms();
        if (c->gone) return close_conn(c), false;
        if (c->close_after || draining_) return linger(c, now), false;
        if (!c->in.empty()) {
            c->phase = Phase::head;
            c->timed = true;
            set_timer(c, &requests_, now + options_.request_timeout_ms);
            return true;
        }
        c->phase = Phase::idle;
        c->timed = false;
        set_timer(c, &idle_, now + options_.keep_alive_timeout_ms);
        if (!read_early) {
            arm(c);
            return false;
        }
        if (!read_some(c)) return false;  // nothing there (c is armed) or closed
        if (!c->expired.load()) return true;
        on_expired(c);  // the keeper timed it out (or draining closed it) while it was read
        return false;
    }

    void on_event(const epoll_event& ev, bool run_inline) {
        if (edge::Fibers::is_fiber_event(ev.data.u64)) {
            edge::Fiber* f = fibers_->claim(ev.data.u64, ev.events);
            if (!f) return;  // stale: the fiber no longer waits for it
            if (run_inline) return run_fiber(f);
            return fibers_->make_ready(f);
        }
        void* p = ev.data.ptr;
        if (p == &background_tag_) return serve_background(run_inline);
        if (p == &listen_tag_) return accept_all();
        if (p == &wake_tag_) {
            if (finished()) return;  // left readable: every worker wakes and returns
            drain_wake();
            if (finished()) wake();  // the last fiber ended meanwhile: its wake-up was just read
            return;
        }
        Conn* c = static_cast<Conn*>(p);
        if (c->expired.load()) return on_expired(c);
        if (c->phase == Phase::linger) return discard(c);
        if (read_some(c) && advance(c, clock::steady_ms()) == Step::ready) {
            if (run_inline) return serve(c);
            enqueue(c);
        }
    }

    // Background events hold fiber words only. Level-triggered: while more wait, the set's entry
    // goes back behind whatever else is ready in the main set.
    void serve_background(bool run_inline) {
        epoll_event ev[kBackgroundBatch];
        const int n = ::epoll_wait(background_ep_, ev, kBackgroundBatch, 0);
        for (int i = 0; i < n; ++i) on_event(ev[i], run_inline);
    }

    // --- reading requests (by whichever thread holds the connection) ---
    enum class Step { parked, ready };

    // False when the connection was closed.
    bool read_some(Conn* c) {
        char buf[16 * 1024];
        ssize_t n = ::recv(c->fd, buf, sizeof buf, 0);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            arm(c);
            return false;
        }
        if (n <= 0) {
            close_conn(c);
            return false;
        }
        c->in.append(buf, static_cast<size_t>(n));
        return true;
    }

    // Parses what arrived: refuses, parks the connection to wait for more, or says a complete
    // request is ready.
    Step advance(Conn* c, int64_t now) {
        http::Rejection why;
        if (c->phase == Phase::idle || c->phase == Phase::head) {
            http::Parse p = c->parser.feed(c->in, c->head, why);
            if (p == http::Parse::rejected) return reject(c, why, now);
            if (p == http::Parse::incomplete) return wait_for_more(c, now);
            if (!body_expected(c, now)) return Step::parked;
        }
        if (c->head.framing == http::Framing::content_length) {
            if (c->in.size() < c->request_end) return wait_for_more(c, now);
        } else if (c->head.framing == http::Framing::chunked) {
            size_t used = 0;
            http::Parse p = c->chunked.feed(std::string_view(c->in).substr(c->request_end), c->body, used, why);
            c->in.erase(c->request_end, used);  // decoded bytes leave the receive buffer
            if (p == http::Parse::rejected) return reject(c, why, now);
            if (p == http::Parse::incomplete) return wait_for_more(c, now);
        }
        set_timer(c, nullptr, 0);  // complete: its deadline no longer runs
        c->phase = Phase::worker;
        return Step::ready;
    }

    Step wait_for_more(Conn* c, int64_t now) {
        if (c->phase == Phase::idle) c->phase = Phase::head;
        if (!c->timed) {  // the first bytes of a new request: its deadline starts
            c->timed = true;
            set_timer(c, &requests_, now + options_.request_timeout_ms);
        }
        arm(c);
        return Step::parked;
    }

    // After a complete head: sets up the body; false when the request was refused.
    bool body_expected(Conn* c, int64_t now) {
        const http::RequestHead& h = c->head;
        c->request_end = h.size;
        c->phase = Phase::body;
        if (h.framing == http::Framing::content_length) {
            if (h.content_length > static_cast<uint64_t>(options_.max_body_bytes)) {
                reject(c, edge::body_too_large_rejection(), now);
                return false;
            }
            c->request_end = h.size + h.content_length;
        } else if (h.framing == http::Framing::chunked) {
            c->chunked.reset();
            c->body.clear();
        }
        bool has_body = h.framing == http::Framing::chunked || h.content_length > 0;
        if (h.expect_continue && has_body && c->in.size() == h.size)
            send_best_effort(c->fd, "HTTP/1.1 100 Continue\r\n\r\n");
        return true;
    }

    // The keeper read a complete request while every worker was busy.
    void enqueue(Conn* c) {
        if (overflow_.push(c)) {
            wake();  // a worker that frees up first finds it anyway; this covers all of them idle
            return;
        }
        edge::note_rejection("overloaded", "server.max_queued (" + std::to_string(options_.max_queued) +
                                               ") requests wait for a worker; a new one got 503");
        send_best_effort(c->fd, overloaded_);
        linger(c, clock::steady_ms());
    }

    Step reject(Conn* c, const http::Rejection& why, int64_t now) {
        edge::note_rejection(why.reason, std::to_string(why.status) + " " + std::string(why.code) + " from " +
                                             c->peer.host().toString());
        send_best_effort(c->fd, edge::rejection_response(why));
        linger(c, now);
        return Step::parked;
    }

    // Half-closes and reads (discarding) what the client still sends for a while, so that its
    // unread bytes do not turn the close into a reset that destroys the answer in flight.
    void linger(Conn* c, int64_t now) {
        ::shutdown(c->fd, SHUT_WR);
        c->phase = Phase::linger;
        c->lingered = 0;
        set_timer(c, &lingering_, now + kLingerMs);
        arm(c);
    }

    void discard(Conn* c) {
        char buf[16 * 1024];
        for (;;) {
            ssize_t n = ::recv(c->fd, buf, sizeof buf, 0);
            if (n > 0 && (c->lingered += static_cast<size_t>(n)) < kLingerBytes) continue;
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return arm(c);
            return close_conn(c);
        }
    }

    // The keeper shut c down because a deadline passed; its owner now answers or closes.
    void on_expired(Conn* c) {
        set_timer(c, nullptr, 0);
        if ((c->phase == Phase::head || c->phase == Phase::body) && !draining_) {
            edge::note_rejection("request_timeout", "a request from " + c->peer.host().toString() +
                                                        " was not complete within server.request_timeout_ms");
            send_best_effort(c->fd, timeout_);
        }
        close_conn(c);
    }

    // --- connections ---
    void accept_all() {
        for (int i = 0; i < kAcceptBurst; ++i) {
            sockaddr_storage sa{};
            socklen_t len = sizeof sa;
            int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&sa), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0) {
                if (errno == EINTR) continue;
                if (errno == EMFILE || errno == ENFILE) shed_one();
                break;
            }
            if (open_.load() >= options_.max_connections || draining_) {
                refuse_overloaded(fd);
                continue;
            }
            int one = 1;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            Conn* c = new Conn(fd, Poco::Net::SocketAddress(reinterpret_cast<sockaddr*>(&sa), len), options_);
            {
                std::lock_guard lock(all_mu_);
                all_.insert(c);
            }
            open_.fetch_add(1);
            edge::count_connection(1);
            registry_.add(fd);
            c->timed = true;
            set_timer(c, &requests_, clock::steady_ms() + options_.request_timeout_ms);
            epoll_event ev{};
            ev.events = EPOLLIN | EPOLLONESHOT;
            ev.data.ptr = c;
            ::epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev);
        }
        if (!draining_) rearm_fd(listen_fd_, &listen_tag_);
    }

    // Out of descriptors: accept with the spare one and refuse, so the backlog does not spin.
    void shed_one() {
        std::lock_guard lock(spare_mu_);
        ::close(spare_fd_);
        int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) refuse_overloaded(fd);
        spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    }

    void refuse_overloaded(int fd) {
        edge::note_rejection("overloaded", "server.max_connections (" + std::to_string(options_.max_connections) +
                                               ") open connections; a new one got 503");
        send_best_effort(fd, overloaded_);
        ::shutdown(fd, SHUT_WR);
        char sink[4096];
        while (::recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0) {
        }
        ::close(fd);
    }

    // Only the thread holding c closes it: no event of it can be pending (one-shot).
    void close_conn(Conn* c) {
        set_timer(c, nullptr, 0);
        registry_.remove(c->fd);
        ::close(c->fd);  // also leaves the epoll set
        open_.fetch_sub(1);
        edge::count_connection(-1);
        {
            std::lock_guard lock(all_mu_);
            all_.erase(c);
        }
        delete c;
    }

    // Moves c to list (nullptr: none) with that deadline.
    void set_timer(Conn* c, edge::ConnList* list, int64_t deadline) {
        std::lock_guard lock(timers_mu_);
        if (list)
            list->push_back(c, deadline);
        else if (c->list)
            c->list->remove(c);
    }

    // --- the keeper: deadlines, draining, and stalled workers ---
    void keep() {
        uint64_t seen = progress_.load();  // work finished as of the last look
        bool was_busy = false;
        while (!stopping_) {
            int64_t now = clock::steady_ms();
            expire(now);
            if (draining_ && !drained_) drain_now();
            int wait = wait_ms(now);
            const uint64_t progress = progress_.load();
            const bool busy = all_busy();
            const bool stalled = busy && was_busy && progress == seen;
            seen = progress;
            was_busy = busy;
            keeper_watching_ = busy;
            if (stalled && !workers_.grow() && !draining_) {
                read_for_workers(std::min(wait, kStallTickMs));
                continue;
            }
            std::unique_lock lock(keeper_mu_);
            keeper_cv_.wait_for(lock, std::chrono::milliseconds(busy ? std::min(wait, kStallTickMs) : wait), [&] {
                return stopping_ || (draining_ && !drained_) || (!busy && all_busy());
            });
        }
    }

    // Every worker is stuck and no more may start: reads requests into the overflow queue.
    void read_for_workers(int wait) {
        epoll_event ev[16];
        int n = ::epoll_wait(ep_, ev, 16, wait);
        for (int i = 0; i < n; ++i) on_event(ev[i], false);
    }

    bool all_busy() const { return running_.load() >= workers_.live(); }

    int wait_ms(int64_t now) {
        std::lock_guard lock(timers_mu_);
        int64_t next = now + kMaxWaitMs;
        for (const edge::ConnList* l : {&requests_, &idle_, &lingering_})
            if (!l->empty()) next = std::min(next, l->front()->deadline);
        return static_cast<int>(std::clamp<int64_t>(next - now, 1, kMaxWaitMs));
    }

    // Shuts expired connections down: the socket turns readable, and the thread that gets
    // its event sees `expired` and finishes the job (408 or a silent close).
    void expire(int64_t now) {
        std::lock_guard lock(timers_mu_);
        for (edge::ConnList* l : {&requests_, &idle_, &lingering_}) {
            while (!l->empty() && l->front()->deadline <= now) kick(l->front(), l == &requests_ ? SHUT_RD : SHUT_RDWR);
        }
    }

    void kick(Conn* c, int how) {  // under timers_mu_
        c->expired = true;
        c->list->remove(c);
        ::shutdown(c->fd, how);
    }

    // Draining: no new connections; idle ones and unfinished requests are closed.
    void drain_now() {
        drained_ = true;
        ::shutdown(listen_fd_, SHUT_RDWR);  // stops listening; the descriptor closes at the end
        std::lock_guard lock(timers_mu_);
        while (!idle_.empty()) kick(idle_.front(), SHUT_RDWR);
        while (!requests_.empty()) kick(requests_.front(), SHUT_RDWR);
    }

    void arm(Conn* c) { rearm_fd(c->fd, c); }

    void rearm_fd(int fd, void* tag) {
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLONESHOT;
        ev.data.ptr = tag;
        ::epoll_ctl(ep_, EPOLL_CTL_MOD, fd, &ev);
    }

    void add_fd(int fd, void* tag, uint32_t events) {
        epoll_event ev{};
        ev.events = events;
        ev.data.ptr = tag;
        ::epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev);
    }

    void drain_wake() {
        uint64_t x;
        [[maybe_unused]] ssize_t r = ::read(wake_fd_, &x, sizeof x);
    }

    void wake() {
        uint64_t one = 1;
        [[maybe_unused]] ssize_t r = ::write(wake_fd_, &one, sizeof one);
    }

    Poco::Net::HTTPRequestHandlerFactory::Ptr handlers_;
    edge::Options options_;
    ConnectionRegistry& registry_;
    Poco::Net::SocketAddress server_address_;
    Poco::Net::HTTPServerParams::Ptr params_;
    edge::WorkQueue<Conn*> overflow_;  // beyond server.max_queued: 503
    edge::Service service_;
    edge::Threads workers_;
    std::thread keeper_;
    int listen_fd_ = -1, ep_ = -1, background_ep_ = -1, wake_fd_ = -1, spare_fd_ = -1;
    alignas(8) char listen_tag_ = 0;  // 8-aligned: a fiber's epoll data word has bit 0 set
    alignas(8) char wake_tag_ = 0;
    alignas(8) char background_tag_ = 0;
    std::unique_ptr<edge::Fibers> fibers_;  // after ep_, before the workers that run them
    std::string overloaded_, timeout_;  // canned answers

    std::atomic<bool> draining_{false}, stopping_{false}, stopped_{false};
    std::atomic<int> running_{0};  // workers running a request or fiber
    std::atomic<uint64_t> progress_{0};  // runs that ended: the keeper tells busy from stalled
    std::atomic<bool> keeper_watching_{false};  // the keeper looks every tick: no need to notify it
    std::atomic<int> open_{0};
    std::mutex timers_mu_;
    edge::ConnList requests_, idle_, lingering_;
    std::mutex all_mu_, spare_mu_;
    std::unordered_set<Conn*> all_;
    std::mutex keeper_mu_;
    std::condition_variable keeper_cv_;
    bool drained_ = false;  // keeper only
};

EdgeServer::EdgeServer(const Poco::Net::ServerSocket& socket, Poco::Net::HTTPRequestHandlerFactory::Ptr handlers,
                       const edge::Options& options, ConnectionRegistry& registry)
    : impl_(std::make_unique<Impl>(socket, std::move(handlers), options, registry)) {}
EdgeServer::~EdgeServer() = default;
void EdgeServer::start() {
    impl_->start();
}
void EdgeServer::begin_drain() {
    impl_->begin_drain();
}
int EdgeServer::busy() const {
    return impl_->busy();
}
void EdgeServer::stop() {
    impl_->stop();
}

}  // namespace sy::server
