#include "server/serve.hpp"

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <switchyard/log.hpp>
#include <thread>

#include "core/process_limits.hpp"
#include "server/admin_listener.hpp"
#include "server/connection.hpp"
#include "server/edge_server.hpp"
#include "server/gateway.hpp"
#include "server/handlers.hpp"
#include "upstream/endpoint.hpp"

namespace sy::server {
namespace {

sigset_t handled_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    return set;
}

edge::Options edge_options(const config::ServerConfig& s) {
    edge::Options o;
    o.max_threads = s.max_threads;
    o.min_threads = s.min_threads;
    o.max_queued = s.max_queued;
    o.max_connections = s.max_connections;
    o.max_body_bytes = s.max_body_bytes;
    o.head.max_uri_bytes = static_cast<size_t>(s.max_uri_bytes);
    o.head.max_header_bytes = static_cast<size_t>(s.max_header_bytes);
    o.head.max_header_count = static_cast<size_t>(s.max_header_count);
    o.request_timeout_ms = s.request_timeout_ms;
    o.keep_alive_timeout_ms = s.keep_alive_timeout_ms;
    o.write_timeout_ms = s.write_timeout_ms;
    o.max_keep_alive_requests = s.max_keep_alive_requests;
    return o;
}

// The metrics listener: the same edge, small, one request per connection.
edge::Options metrics_options(const config::ServerConfig& s) {
    edge::Options o = edge_options(s);
    o.max_threads = 2;
    o.max_queued = 16;
    o.max_connections = 64;
    o.keep_alive = false;
    return o;
}

// The admin listener: operators and the status page, not client traffic.
edge::Options admin_options(const config::ServerConfig& s) {
    edge::Options o = edge_options(s);
    o.max_threads = 4;
    o.max_queued = 64;
    o.max_connections = 64;
    return o;
}

// Stops accepting, waits until in-flight requests finish or the drain timeout passes, then
// closes every connection (requests that overran the timeout are cut).
void drain(Gateway& g, EdgeServer& server, int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    server.begin_drain();
    while ((g.inflight() > 0 || server.busy() > 0) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (g.inflight() > 0 || server.busy() > 0)
        log::warn("serve", "drain timeout: aborting " + std::to_string(std::max(g.inflight(), server.busy())) +
                               " in-flight request(s)");
    server.stop();
}

// Reloads when a watched file (config, policies, their cases) changes: polls modification
// times once a second, so an editor's save or a ConfigMap update takes effect without SIGHUP.
class FileWatcher {
public:
    // The first stamp is taken here, before the server starts answering: an edit made as soon as
    // the gateway is ready is a change, not the baseline.
    explicit FileWatcher(Gateway& g)
        : g_(g), files_(g.watched_files()), last_(stamp(files_)), thread_([this] { run(); }) {}
    ~FileWatcher() {
        {
            std::lock_guard lock(mu_);
            stop_ = true;
        }
        cv_.notify_all();
        thread_.join();
    }

private:
    static std::string stamp(const std::vector<std::string>& files) {
        std::string out;
        for (const auto& f : files) {
            std::error_code ec;
            auto t = std::filesystem::last_write_time(f, ec);
            auto size = std::filesystem::file_size(f, ec);
            out += f + ":" + std::to_string(ec ? -1 : t.time_since_epoch().count()) + ":" + std::to_string(size) + ";";
        }
        return out;
    }
    void run() {
        std::vector<std::string>& files = files_;
        std::string& last = last_;
        std::unique_lock lock(mu_);
        while (!cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_; })) {
            std::string now = stamp(files);
            if (now == last) continue;
            last = now;  // taken before the reload: an edit made while it runs is seen next time
            log::info("reload", "a watched file changed; reloading");
            std::string why;
            g_.reload(why);
            if (std::vector<std::string> after = g_.watched_files(); after != files) {
                files = std::move(after);  // policies or case files were added or dropped
                last = stamp(files);
            }
        }
    }

    Gateway& g_;
    std::vector<std::string> files_;  // the watcher thread's own after construction
    std::string last_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace

// Raises the descriptor limit to the hard one and says what it is; warns when
// server.max_connections cannot have its sockets (a client and an upstream socket each).
static void raise_and_check_fd_limit(const config::ServerConfig& sc) {
    const FdLimit fds = raise_fd_limit();
    if (fds.now == 0) return;
    std::string line = "descriptor limit " + std::to_string(fds.now);
    if (fds.now != fds.before) line += " (raised from " + std::to_string(fds.before) + ")";
    const uint64_t needed = 2 * static_cast<uint64_t>(sc.max_connections) + 64;
    if (needed <= fds.now) return log::info("serve", line);
    log::warn("serve", line + ", hard limit " + std::to_string(fds.hard) + ": server.max_connections (" +
                           std::to_string(sc.max_connections) + ") needs up to " + std::to_string(needed) +
                           " (a client and an upstream socket per connection); past the limit new connections "
                           "get 503 and upstream connects fail. Raise LimitNOFILE (ulimit -n)");
}

int serve(const ServeOptions& options) {
    // Signals go to the main thread's sigwait only: block them before any thread starts.
    sigset_t signals = handled_signals();
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    ::signal(SIGPIPE, SIG_IGN);

    Gateway gateway(options.config_path);
    std::string error;
    if (!gateway.load(error)) {
        log::error("serve", "cannot start: " + error);
        return 1;
    }
    const config::ServerConfig& sc = gateway.runtime()->config().server;
    raise_and_check_fd_limit(sc);
    std::string host = sc.host;
    uint16_t port = sc.port;
    if (!options.listen_override.empty()) {
        std::string why;
        auto ep = upstream::parse_base_url("http://" + options.listen_override, why);
        if (!ep || ep->port == 0 || !ep->base_path.empty()) {
            log::error("serve", "--listen must be HOST:PORT, got '" + options.listen_override + "'");
            return 2;
        }
        host = ep->host;
        port = ep->port;
    }
    try {
        Poco::Net::ServerSocket socket;
        if (!listen_on(socket, host, port, 1024, "server.listen")) return 1;
        ConnectionRegistry connections, metrics_connections;
        EdgeServer server(socket, new HandlerFactory(gateway), edge_options(sc), connections);
        const std::string listening = socket.address().toString();
        socket.close();  // the server holds its own descriptor and closes it when draining starts
        // An optional second listener for scrapers only (telemetry.metrics.listen).
        std::unique_ptr<EdgeServer> metrics_server;
        if (const config::TelemetryConfig& tc = gateway.runtime()->config().telemetry; !tc.metrics_host.empty()) {
            Poco::Net::ServerSocket metrics_socket;
            if (!listen_on(metrics_socket, tc.metrics_host, tc.metrics_port, 64, "telemetry.metrics.listen")) return 1;
            metrics_server = std::make_unique<EdgeServer>(metrics_socket, new MetricsHandlerFactory(gateway),
                                                          metrics_options(sc), metrics_connections);
            metrics_server->start();
            log::info("serve", "metrics on " + metrics_socket.address().toString());
        }
        bool admin_wanted = false;  // server.admin_listen
        ConnectionRegistry admin_connections;
        std::unique_ptr<EdgeServer> admin_server =
            start_admin_listener(gateway, admin_options(sc), admin_connections, admin_wanted);
        if (admin_wanted && !admin_server) return 1;
        FileWatcher watcher(gateway);
        server.start();  // after the other listeners and the watcher: ready means all are up
        log::info("serve", "listening on " + listening + " with config " + options.config_path +
                               (options.allocator.empty() ? "" : "; memory allocator: " + options.allocator));
        for (;;) {
            int sig = 0;
            sigwait(&signals, &sig);
            if (sig == SIGHUP) {
                std::string why;
                gateway.reload(why);
                continue;
            }
            log::info("serve", std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") + ", draining " +
                                   std::to_string(gateway.inflight()) + " in-flight request(s)");
            break;
        }
        gateway.set_draining();
        if (metrics_server) metrics_server->stop();
        if (admin_server) admin_server->stop();
        drain(gateway, server, sc.drain_timeout_ms);
    } catch (const Poco::Exception& e) {
        log::error("serve", "server failed: " + e.displayText());
        return 1;
    }
    log::info("serve", "stopped");
    return 0;
}

}  // namespace sy::server
