// A queue of work items for the edge's workers: the complete requests read while every worker
// was busy, and the fibers ready to run again. Looking at an empty queue takes no lock.
#pragma once

#include <atomic>
#include <cstddef>
#include <deque>
#include <mutex>

namespace sy::server::edge {

template <class T>
class WorkQueue {
public:
    explicit WorkQueue(size_t capacity) : capacity_(capacity) {}
    // False when full.
    bool push(T item) {
        std::lock_guard lock(mu_);
        if (items_.size() >= capacity_) return false;
        items_.push_back(item);
        size_.store(items_.size(), std::memory_order_relaxed);
        return true;
    }
    // The oldest item, or T{} when none waits.
    T try_pop() {
        if (size() == 0) return T{};  // the common case: no lock
        std::lock_guard lock(mu_);
        if (items_.empty()) return T{};
        T item = items_.front();
        items_.pop_front();
        size_.store(items_.size(), std::memory_order_relaxed);
        return item;
    }
    size_t size() const { return size_.load(std::memory_order_relaxed); }

private:
    size_t capacity_;
    std::mutex mu_;
    std::deque<T> items_;
    std::atomic<size_t> size_{0};
};

}  // namespace sy::server::edge
