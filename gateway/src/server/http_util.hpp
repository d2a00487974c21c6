// Small helpers for writing responses; the only place that knows response shapes.
//
// Responses are written straight to the client socket as one buffer (head and body together)
// rather than through Poco's response streams, which issue a send() for the head, another for
// the body and three per chunk. Poco's connection loop only needs the response object's
// keep-alive flag, which these helpers keep in step.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <switchyard/api_error.hpp>

#include "server/answer_translator.hpp"

namespace sy::server {

// The request id: the client's x-request-id when it is sane, else a new one.
std::string request_id_for(const Poco::Net::HTTPServerRequest& req);

void send_json(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp, int status,
               std::string_view body);
void send_error(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp, const ApiError& err);
// A model's whole answer (an OpenAI chat.completion), through the thread's translator if any.
void send_answer(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp, std::string_view body);

// Closes the connection after this response when the request carried a body that the
// handler did not read: the unread bytes would otherwise be parsed as the next request.
void close_if_body_unread(const Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp);

// Reads the request body, refusing more than `limit` bytes (413) without buffering the excess.
std::optional<ApiError> read_body(Poco::Net::HTTPServerRequest& req, int64_t limit, std::string& body);

// The client's socket descriptor, used to notice a disconnect while waiting on an upstream.
int client_fd(Poco::Net::HTTPServerRequest& req);

// Status line and header fields of resp, ending with the blank line, appended to out.
void append_head(const Poco::Net::HTTPServerResponse& resp, std::string& out);
// Writes all bytes to the client; false when the client is gone.
bool write_client(Poco::Net::HTTPServerRequest& req, std::string_view data);

// A chunked text/event-stream response: every write() is one chunk in one send().
class SseSink {
public:
    SseSink(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) : req_(req), resp_(resp) {}

    bool started() const { return started_; }
    // Prepares the head; it goes out with the first write.
    void start();
    // Sends pending frames (clearing them) as one chunk; false when the client is gone.
    bool write(std::string& frames);
    // Ends the stream with the pending frames plus an error event or [DONE], and the last
    // chunk, in one send.
    void error_event(std::string& frames, const ApiError& e);
    void done(std::string& frames);
    // Data events relayed so far (not counting [DONE] or an error event): the output-token
    // estimate of a stream whose usage never arrived.
    int64_t events() const { return events_; }

private:
    void count(std::string_view frames);
    bool send_chunk(std::string_view frames, bool last);

    Poco::Net::HTTPServerRequest& req_;
    Poco::Net::HTTPServerResponse& resp_;
    std::string out_;
    bool started_ = false;
    bool head_sent_ = false;
    int64_t events_ = 0;
};

}  // namespace sy::server
