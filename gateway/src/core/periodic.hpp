// A background thread that runs a task over and over, waiting between runs as long as the task
// asks (in ms); destroying it wakes the thread and joins it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

namespace sy {

class Periodic {
public:
    explicit Periodic(std::function<int64_t()> task) : task_(std::move(task)), thread_([this] { run(); }) {}
    ~Periodic() {
        {
            std::lock_guard lock(mu_);
            stop_ = true;
        }
        wake_.notify_all();
        thread_.join();
    }
    Periodic(const Periodic&) = delete;
    Periodic& operator=(const Periodic&) = delete;

private:
    void run() {
        std::unique_lock lock(mu_);
        while (!stop_) {
            lock.unlock();
            int64_t wait_ms = task_();
            lock.lock();
            wake_.wait_for(lock, std::chrono::milliseconds(wait_ms), [this] { return stop_; });
        }
    }

    std::function<int64_t()> task_;
    std::mutex mu_;
    std::condition_variable wake_;
    bool stop_ = false;
    std::thread thread_;  // last: starts once the rest is ready
};

}  // namespace sy
