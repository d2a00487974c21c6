// The access log: one JSON line per request, written by a background thread so that a slow disk
// never slows a request (lines are dropped, and counted in switchyard_access_log_dropped_total,
// when 65,536 are waiting). "-" writes to stdout. reopen() (on SIGHUP) lets logrotate move the
// file away.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace sy {

class AccessLog {
public:
    AccessLog() = default;
    ~AccessLog();
    AccessLog(const AccessLog&) = delete;
    AccessLog& operator=(const AccessLog&) = delete;

    // Sets the destination ("" turns the log off); false with `error` when the file cannot be
    // opened (the previous destination stays).
    bool configure(const std::string& path, std::string& error);
    void reopen();
    bool enabled() const { return enabled_.load(std::memory_order_relaxed); }
    // Queues one line (without its newline).
    void write(std::string line);

private:
    void run();
    bool open_locked(std::string& error);

    std::mutex mu_;       // queue and destination
    std::mutex file_mu_;  // the file while a batch is written or the file swapped
    std::condition_variable wake_;
    std::deque<std::string> queue_;
    std::string path_;
    FILE* file_ = nullptr;
    bool stop_ = false;
    std::atomic<bool> enabled_{false};
    std::thread writer_;
};

}  // namespace sy
