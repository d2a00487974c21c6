// Keys, budgets and rate limits on the request path: who is calling (authentication), which
// levels limit them (key, team, end user), what a request may cost at most (the reservation),
// what it did cost (settlement), and the 429/503 answers and x-ratelimit-* headers.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <switchyard/api_error.hpp>
#include <switchyard/chat_request.hpp>
#include <switchyard/config.hpp>

#include "state/key_store.hpp"
#include "state/limiter.hpp"

namespace sy::routing {
class Runtime;
}

namespace sy::server {

class Gateway;
struct CallOutcome;

// The key presented on a request (Authorization: Bearer, or x-api-key). Sets `key` to its record,
// or to null for anonymous access (auth.required false and no known key presented).
std::optional<ApiError> authenticate(Gateway& g, const routing::Runtime& rt, const Poco::Net::HTTPServerRequest& req,
                                     state::KeyPtr& key);

// 403 when the key may not request `model` (auth.keys[].models).
std::optional<ApiError> check_model_allowed(const config::ApiKeyConfig& key, const std::string& model);

// The levels limiting this key (and end user); false when none has a limit.
bool build_principal(const config::Config& cfg, const config::ApiKeyConfig& key, const ChatRequest& req,
                     const std::string& model, state::Principal& out);

// A request's key principal, built on first use and kept: a policy reading req.budget and the
// admission after routing then hash the end user and assemble the level names once.
class KeyPrincipal {
public:
    KeyPrincipal(const config::Config& cfg, const config::ApiKeyConfig* key, const ChatRequest& chat)
        : cfg_(cfg), key_(key), chat_(chat) {}
    const config::ApiKeyConfig* key() const { return key_; }
    // The principal without a model in its ledger field, and whether a level has a limit; null
    // without a key.
    state::Principal* get(bool& limited);

private:
    const config::Config& cfg_;
    const config::ApiKeyConfig* key_;
    const ChatRequest& chat_;
    std::optional<state::Principal> who_;
    bool limited_ = false;
};

// The model's own limits, over all its traffic, in a group of their own (not in spend reports:
// the key's ledger has the spend); false when it has none.
bool model_principal(const config::ModelConfig& model, state::Principal& out);

// Cost in nano-USD of tokens at a deployment's prices (cached input at the cached price).
int64_t cost_nano_usd(const config::Prices& prices, int64_t input, int64_t cached, int64_t output);
// The most any deployment of the model would charge for these tokens (what reservations hold).
int64_t max_cost_nano_usd(const config::ModelConfig& model, int64_t input, int64_t output);

// Output tokens a request may produce: its max_tokens within the model's cap.
int64_t output_cap(const config::ModelConfig& model, const ChatRequest& req);

// What an answered request used: reported usage where the upstream sent it, else estimates
// (prompt estimate; output from the events or bytes relayed). `estimated` tells which.
struct Usage {
    int64_t input = 0, cached = 0, output = 0;
    bool estimated = false;
};
Usage usage_of(const ChatRequest& req, const CallOutcome& out);

// What a request owes the state store once it is answered: an admitted reservation to settle,
// or (a key without limits) spend to record in the ledger. Settled by settle(), or with nothing
// when it goes out of scope first (an exception, an early return), so no reservation leaks.
class Reservation {
public:
    Reservation() = default;
    Reservation(state::Limiter* limiter, state::Principal who, std::optional<state::Admission> admitted)
        : limiter_(limiter), who_(std::move(who)), admitted_(std::move(admitted)) {}
    ~Reservation() { settle(0, 0); }
    Reservation(const Reservation&) = delete;
    Reservation& operator=(const Reservation&) = delete;
    // A moved-from reservation owes nothing (the defaults would copy the limiter pointer, so the
    // source's destructor settled an empty reservation); assigning over one settles it first.
    Reservation(Reservation&& other) noexcept
        : limiter_(std::exchange(other.limiter_, nullptr)), who_(std::move(other.who_)),
          admitted_(std::move(other.admitted_)) {}
    Reservation& operator=(Reservation&& other) noexcept {
        if (this == &other) return *this;
        settle(0, 0);
        limiter_ = std::exchange(other.limiter_, nullptr);
        who_ = std::move(other.who_);
        admitted_ = std::move(other.admitted_);
        return *this;
    }

    void settle(int64_t cost_nano, int64_t tokens) {
        if (!limiter_) return;
        if (admitted_) limiter_->settle_later(who_, *admitted_, cost_nano, tokens);
        else limiter_->charge(who_, cost_nano, tokens);
        limiter_ = nullptr;
    }

private:
    state::Limiter* limiter_ = nullptr;
    state::Principal who_;
    std::optional<state::Admission> admitted_;
};

// Checks and reserves everything that limits this request: the key's levels (key, team, end
// user) and the model's own limits, each in one store call; on a refusal nothing stays
// reserved. Clamps max_tokens to the model's cap when a budget or token limit applies, and sets
// the x-ratelimit-* headers. Fills the reservations the caller settles after the answer.
std::optional<ApiError> admit_request(state::Limiter& limiter, KeyPrincipal& principal, ChatRequest& chat,
                                      const config::ModelConfig& model, Poco::Net::HTTPServerResponse& resp,
                                      Reservation& for_key, Reservation& for_model);

// 429 (limit or budget, with Retry-After) or 503 (store unavailable in closed mode).
ApiError admission_error(const state::Admission& a, const state::Principal& who);

// x-ratelimit-limit/remaining/reset-requests and -tokens, as OpenAI sends them.
void set_ratelimit_headers(Poco::Net::HTTPServerResponse& resp, const state::Admission& a);

}  // namespace sy::server
