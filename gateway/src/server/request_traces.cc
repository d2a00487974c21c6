#include "server/request_traces.hpp"

#include "core/secrets.hpp"

namespace sy::server {

void RequestTraces::add(const std::string& id, std::string trace) {
    if (ring_.empty()) return;
    std::lock_guard lock(mu_);
    Entry& e = ring_[next_];
    e.id = id;
    e.trace = std::move(trace);
    next_ = (next_ + 1) % ring_.size();
    if (size_ < ring_.size()) ++size_;
}

std::string RequestTraces::find(const std::string& id) const {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < size_; ++i) {  // newest first: a reused client id finds its last request
        const Entry& e = ring_[(next_ + ring_.size() - 1 - i) % ring_.size()];
        if (e.id == id) return secrets::scrubbed(e.trace);
    }
    return {};
}

std::vector<std::string> RequestTraces::recent(size_t n) const {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (size_t i = 0; i < size_ && out.size() < n; ++i)
        out.push_back(ring_[(next_ + ring_.size() - 1 - i) % ring_.size()].id);
    return out;
}

}  // namespace sy::server
