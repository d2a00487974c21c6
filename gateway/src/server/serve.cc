#include "server/serve.hpp"

#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>

#include <switchyard/log.hpp>

#include "server/admin_listener.hpp"
#include "server/connection.hpp"
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

Poco::Net::HTTPServerParams::Ptr server_params(const config::ServerConfig& s) {
    Poco::Net::HTTPServerParams::Ptr p = new Poco::Net::HTTPServerParams;
    p->setMaxThreads(s.max_threads);
    p->setMaxQueued(s.max_queued);
    p->setKeepAlive(true);
    p->setKeepAliveTimeout(Poco::Timespan(static_cast<long>(s.keep_alive_timeout_ms) * 1000));
    p->setTimeout(Poco::Timespan(static_cast<long>(s.keep_alive_timeout_ms) * 1000));
    p->setServerName("switchyard");
    // A connection thread that finishes its last request after stop() waits this long for work
    // before it sees the stop (Poco's default, 10 s, could hold a drained shutdown that long).
    p->setThreadIdleTime(Poco::Timespan(0, 250000));
    return p;
}

// Stops accepting, waits until in-flight requests finish or the drain timeout passes, then
// closes every connection (idle keep-alive ones, and requests that overran the timeout).
void drain(Gateway& g, Poco::Net::TCPServer& server, ConnectionRegistry& connections, int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    server.stop();
    while (g.inflight() > 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (g.inflight() > 0)
        log::warn("serve", "drain timeout: aborting " + std::to_string(g.inflight()) + " in-flight request(s)");
    connections.close_all();
}

// Reloads when a watched file (config, policies, their cases) changes: polls modification
// times once a second, so an editor's save or a ConfigMap update takes effect without SIGHUP.
class FileWatcher {
public:
    explicit FileWatcher(Gateway& g) : g_(g), thread_([this] { run(); }) {}
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
        std::vector<std::string> files = g_.watched_files();
        std::string last = stamp(files);
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
    std::mutex mu_;
    std::condition_variable cv_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace

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
        Poco::Net::ServerSocket socket(Poco::Net::SocketAddress(host, port), 1024);
        Poco::ThreadPool pool(2, sc.max_threads, 60, 256 * 1024);
        ConnectionRegistry connections;
        Poco::Net::HTTPServerParams::Ptr params = server_params(sc);
        Poco::Net::TCPServer server(new ConnectionFactory(params, new HandlerFactory(gateway), connections,
                                                          sc.max_keep_alive_requests), pool,
                                    socket, params);
        server.start();
        // An optional second listener for scrapers only (telemetry.metrics.listen).
        std::unique_ptr<Poco::Net::HTTPServer> metrics_server;
        if (const config::TelemetryConfig& tc = gateway.runtime()->config().telemetry; !tc.metrics_host.empty()) {
            Poco::Net::ServerSocket metrics_socket;
            try {
                metrics_socket.bind(Poco::Net::SocketAddress(tc.metrics_host, tc.metrics_port), true);
                metrics_socket.listen(64);
            } catch (const Poco::Exception& e) {
                log::error("serve", "telemetry.metrics.listen: cannot listen on " + tc.metrics_host + ":" +
                                        std::to_string(tc.metrics_port) + ": " + e.displayText());
                return 1;
            }
            Poco::Net::HTTPServerParams::Ptr mp = new Poco::Net::HTTPServerParams;
            mp->setMaxThreads(4);
            mp->setKeepAlive(false);  // a scrape is one request; idle connections would hold the threads
            metrics_server = std::make_unique<Poco::Net::HTTPServer>(new MetricsHandlerFactory(gateway), metrics_socket, mp);
            metrics_server->start();
            log::info("serve", "metrics on " + metrics_socket.address().toString());
        }
        bool admin_wanted = false;  // server.admin_listen
        std::unique_ptr<Poco::Net::HTTPServer> admin_server = start_admin_listener(gateway, admin_wanted);
        if (admin_wanted && !admin_server) return 1;
        FileWatcher watcher(gateway);
        log::info("serve", "listening on " + socket.address().toString() + " with config " + options.config_path);
        for (;;) {
            int sig = 0;
            sigwait(&signals, &sig);
            if (sig == SIGHUP) {
                std::string why;
                gateway.reload(why);
                continue;
            }
            log::info("serve", std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") +
                                   ", draining " + std::to_string(gateway.inflight()) + " in-flight request(s)");
            break;
        }
        gateway.set_draining();
        if (metrics_server) metrics_server->stopAll(true);
        if (admin_server) admin_server->stopAll(true);
        drain(gateway, server, connections, sc.drain_timeout_ms);
        pool.joinAll();
    } catch (const Poco::Exception& e) {
        log::error("serve", "server failed: " + e.displayText());
        return 1;
    }
    log::info("serve", "stopped");
    return 0;
}

}  // namespace sy::server
