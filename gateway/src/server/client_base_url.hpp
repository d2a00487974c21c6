// x-switchyard-base-url: a request sent to a host the client names instead of its deployment's
// base_url. Refused unless security.client_base_urls allows it; then the routed deployment's
// provider (one listed there) formats the request, its paths are appended to the client's URL, and
// its configured key goes with it. Every refusal happens before anything is sent anywhere.
#pragma once

#include <memory>
#include <optional>

#include <Poco/Net/HTTPServerRequest.h>

#include <switchyard/api_error.hpp>

#include "routing/runtime.hpp"
#include "upstream/connection_pool.hpp"

namespace sy::server {

// Without the header: no error and a null pool. Otherwise the client's error, or a pool for this
// request only, connecting to the checked addresses alone. `dep` may move to another deployment of
// `model` when its own provider does not take client base URLs. `local_only`: a privacy route,
// which a client-chosen host may not leave.
std::optional<ApiError> client_upstream(const Poco::Net::HTTPServerRequest& req, const routing::Runtime& rt,
                                        const routing::Model& model, bool local_only, const routing::Deployment*& dep,
                                        std::unique_ptr<upstream::ConnectionPool>& pool);

}  // namespace sy::server
