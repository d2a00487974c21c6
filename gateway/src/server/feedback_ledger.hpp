// Where routed requests await POST /v1/feedback. Keeping a request is on the request path of
// every routed request, so it never waits for I/O: with Redis the records are written by a
// background thread in pipelined batches (a bounded queue; a full one drops and counts); with
// the in-process store they live in a bounded table of their own (the oldest go first), not in
// the store's keyspace, where a day of traffic would pile up.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <switchyard/state_store.hpp>

namespace sy::server {

struct LedgerTake {
    enum class Status { found, missing, failed } status = Status::missing;
    std::string record;
};

class FeedbackLedger {
public:
    virtual ~FeedbackLedger() = default;
    // Keeps `record` for `request_id` for ttl_ms; returns at once, with a ticket for await()
    // (0: nothing to wait for).
    virtual uint64_t keep(const std::string& request_id, std::string record, int64_t ttl_ms) = 0;
    // Returns once the record of `ticket` is where every instance can take it (or its write
    // failed; at most 1 s). Called before an answer's first byte, so that feedback sent right after
    // the answer, to any instance, finds its request; the write has run beside the upstream call.
    virtual void await(uint64_t ticket) { (void)ticket; }
    // Removes and returns the record: each request's feedback counts once, across instances.
    virtual LedgerTake take(const std::string& request_id) = 0;
};

// The in-process table: at most max_records (the oldest are dropped first, and counted).
std::unique_ptr<FeedbackLedger> memory_ledger(size_t max_records);
// Records in the shared store under <key_prefix>:fb:<request id>, written in the background;
// at most max_queued wait to be written.
std::unique_ptr<FeedbackLedger> store_ledger(std::shared_ptr<state::Store> store, std::string key_prefix,
                                             size_t max_queued);

}  // namespace sy::server
