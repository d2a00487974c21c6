#include <switchyard/access_log.hpp>

#include <cerrno>
#include <cstring>

#include <switchyard/log.hpp>
#include <switchyard/metrics.hpp>

#include "core/secrets.hpp"

namespace sy {
namespace {

constexpr size_t kMaxQueued = 65536;

metrics::Series& dropped() {
    static metrics::Series& s =
        metrics::Registry::instance()
            .counter("switchyard_access_log_dropped_total", "Access log lines dropped because the writer fell behind")
            .with({});
    return s;
}

}  // namespace

AccessLog::~AccessLog() {
    {
        std::lock_guard lock(mu_);
        stop_ = true;
    }
    wake_.notify_all();
    if (writer_.joinable()) writer_.join();
    if (file_ && file_ != stdout) std::fclose(file_);
}

bool AccessLog::open_locked(std::string& error) {
    FILE* f = path_ == "-" ? stdout : std::fopen(path_.c_str(), "a");
    if (!f) {
        error = "cannot open access log '" + path_ + "': " + std::strerror(errno);
        return false;
    }
    std::lock_guard file_lock(file_mu_);
    if (file_ && file_ != stdout) std::fclose(file_);
    file_ = f;
    return true;
}

bool AccessLog::configure(const std::string& path, std::string& error) {
    std::lock_guard lock(mu_);
    if (path == path_ && (file_ || path.empty())) return true;
    std::string previous = path_;
    path_ = path;
    if (path.empty()) {
        std::lock_guard file_lock(file_mu_);
        if (file_ && file_ != stdout) std::fclose(file_);
        file_ = nullptr;
        enabled_ = false;
        return true;
    }
    if (!open_locked(error)) {
        path_ = previous;
        return false;
    }
    enabled_ = true;
    if (!writer_.joinable()) writer_ = std::thread([this] { run(); });
    return true;
}

void AccessLog::reopen() {
    std::lock_guard lock(mu_);
    if (path_.empty() || path_ == "-") return;
    std::string error;
    if (!open_locked(error)) log::error("access_log", error);
}

void AccessLog::write(std::string line) {
    {
        std::lock_guard lock(mu_);
        if (queue_.size() >= kMaxQueued) {
            dropped().inc();
            return;
        }
        queue_.push_back(std::move(line));
        if (queue_.size() > 1) return;  // the writer is already awake for the first one
    }
    wake_.notify_one();
}

void AccessLog::run() {
    std::unique_lock lock(mu_);
    std::string batch;
    while (true) {
        wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
        if (queue_.empty() && stop_) break;
        batch.clear();
        while (!queue_.empty()) {
            batch += queue_.front();
            batch += '\n';
            queue_.pop_front();
        }
        lock.unlock();
        secrets::scrub(batch);  // prompts and answers may quote a key; off the request path
        {
            std::lock_guard file_lock(file_mu_);
            if (file_) {
                std::fwrite(batch.data(), 1, batch.size(), file_);
                std::fflush(file_);
            }
        }
        lock.lock();
    }
}

}  // namespace sy
