// The last N requests' traces (the access-log record plus the routing details: router scores,
// policy labels and fallbacks), kept in memory for GET /admin/requests/{id}.
#pragma once

#include <mutex>
#include <string>
#include <vector>

namespace sy::server {

class RequestTraces {
public:
    explicit RequestTraces(size_t capacity = 1000) : ring_(capacity) {}
    bool enabled() const { return !ring_.empty(); }
    void add(const std::string& id, std::string trace);
    // The trace of `id`, or empty when it is not (or no longer) kept.
    std::string find(const std::string& id) const;
    // Ids of the most recent traces, newest first (at most `n`).
    std::vector<std::string> recent(size_t n) const;

private:
    struct Entry {
        std::string id, trace;
    };
    mutable std::mutex mu_;
    std::vector<Entry> ring_;
    size_t next_ = 0;
    size_t size_ = 0;
};

}  // namespace sy::server
