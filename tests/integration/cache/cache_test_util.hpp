// What the cache integration tests share: two gateway instances on one redis-server, and a burst
// of concurrent requests.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/http_client.hpp"
#include "support/servers.hpp"

namespace sy::test {

// Two gateways with the same config plus a state section on this redis-server.
struct TwoInstances {
    RedisServer redis;
    std::unique_ptr<GatewayProcess> one, two;

    // False with the reason when redis or either gateway did not start.
    bool start(const std::string& yaml, std::string& why, const std::string& redis_options = "") {
        if (!redis.ok()) return why = "redis-server did not start", false;
        const std::string with_state = yaml + "state: {backend: redis, redis: {address: \"" + redis.address() + "\"" +
                                       redis_options + "}}\n";
        one = std::make_unique<GatewayProcess>(with_state);
        two = std::make_unique<GatewayProcess>(with_state);
        if (!one->ok()) return why = one->log(), false;
        if (!two->ok()) return why = two->log(), false;
        return true;
    }
};

struct Burst {
    int ok = 0;    // 200 answers
    int hits = 0;  // of them, from a cache
};

// Sends n requests at once, one thread each; send(i) makes request i.
inline Burst at_once(int n, const std::function<HttpResponse(int)>& send) {
    std::atomic<int> ok{0}, hits{0};
    std::vector<std::thread> clients;
    for (int i = 0; i < n; ++i)
        clients.emplace_back([&, i] {
            HttpResponse r = send(i);
            ok += r.status == 200;
            hits += r.header("x-switchyard-cache") == "hit";
        });
    for (auto& t : clients) t.join();
    return {ok.load(), hits.load()};
}

}  // namespace sy::test
