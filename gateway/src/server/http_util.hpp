// Small helpers for writing responses through Poco; the only place that knows response shapes.
#pragma once

#include <string>
#include <string_view>

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <switchyard/api_error.hpp>

namespace sy::server {

// The request id: the client's x-request-id when it is sane, else a new one.
std::string request_id_for(const Poco::Net::HTTPServerRequest& req);

void send_json(Poco::Net::HTTPServerResponse& resp, int status, std::string_view body);
void send_error(Poco::Net::HTTPServerResponse& resp, const ApiError& err);

// Closes the connection after this response when the request carried a body that the
// handler did not read: the unread bytes would otherwise be parsed as the next request.
void close_if_body_unread(const Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp);

// The client's socket descriptor, used to notice a disconnect while waiting on an upstream.
int client_fd(Poco::Net::HTTPServerRequest& req);

}  // namespace sy::server
