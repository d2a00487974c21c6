// Shares outlier detection through the state store, so that every instance learns of an outage
// that one of them saw: a background thread publishes this instance's ejections (and
// recoveries) to one hash, <key_prefix>:health, field "<provider>\n<upstream model>", value the
// wall-clock ms the ejection ends; and applies the others' ejections here. A recovery deletes the
// field, which lifts the ejection on instances that only had it from the hash.
#pragma once

#include <memory>
#include <string>

#include <switchyard/state_store.hpp>

#include "core/periodic.hpp"

namespace sy::routing {

class HealthSync {
public:
    HealthSync(std::shared_ptr<state::Store> store, std::string key_prefix, int interval_ms, int64_t ttl_ms);

    // One round: publish, then read and apply. The thread calls it every interval_ms.
    void sync_once();

private:
    void publish();
    void apply();

    std::shared_ptr<state::Store> store_;
    std::string key_;
    int interval_ms_;
    int64_t ttl_ms_;
    Periodic thread_;  // last: stops first
};

}  // namespace sy::routing
