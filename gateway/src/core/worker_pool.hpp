// A small fixed pool of threads for work a caller may stop waiting for (guardrail checks run
// plugin code that cannot be interrupted). Jobs queue up to a bound; the caller waits on its own
// result with its own deadline. The threads are detached: destroying the pool drops queued jobs
// and lets the threads finish the job in hand, so a hung job never blocks whoever retires the
// pool. A job must therefore own (share) everything it touches.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

namespace sy {

class WorkerPool {
public:
    WorkerPool(size_t threads, size_t max_queued);
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    // Queues a job; false when the queue is full (the caller treats it as a failed job).
    bool submit(std::function<void()> job);
    size_t threads() const { return threads_; }

    struct Shared;  // the queue, owned jointly by the pool and its threads

private:
    std::shared_ptr<Shared> shared_;
    size_t threads_;
};

}  // namespace sy
