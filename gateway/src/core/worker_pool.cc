#include "core/worker_pool.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace sy {

struct WorkerPool::Shared {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::function<void()>> jobs;
    size_t max_queued = 0;
    bool stop = false;
};

namespace {

void work(const std::shared_ptr<WorkerPool::Shared>& shared) {
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock lock(shared->mu);
            shared->cv.wait(lock, [&] { return shared->stop || !shared->jobs.empty(); });
            if (shared->stop) return;
            job = std::move(shared->jobs.front());
            shared->jobs.pop_front();
        }
        job();  // jobs do not throw: they run plugin calls through the C boundary
    }
}

}  // namespace

WorkerPool::WorkerPool(size_t threads, size_t max_queued) : shared_(std::make_shared<Shared>()), threads_(threads) {
    shared_->max_queued = max_queued;
    for (size_t i = 0; i < threads; ++i) std::thread([s = shared_] { work(s); }).detach();
}

WorkerPool::~WorkerPool() {
    std::deque<std::function<void()>> dropped;  // released outside the lock: they may own plugin instances
    {
        std::lock_guard lock(shared_->mu);
        shared_->stop = true;
        dropped.swap(shared_->jobs);
    }
    shared_->cv.notify_all();
}

bool WorkerPool::submit(std::function<void()> job) {
    {
        std::lock_guard lock(shared_->mu);
        if (shared_->stop || shared_->jobs.size() >= shared_->max_queued) return false;
        shared_->jobs.push_back(std::move(job));
    }
    shared_->cv.notify_one();
    return true;
}

}  // namespace sy
