// What the HTTP edge tells operators: switchyard_http_rejected_total{reason}, the open client
// connections gauge, and one warning per rejection reason at most every 10 s (with how many
// were not logged since), so a flood of bad requests cannot flood the log.
#pragma once

#include <string>
#include <string_view>

#include "server/http_head.hpp"

namespace sy::server::edge {

// Every reason label, created at start so each series shows from the first scrape.
inline constexpr std::string_view kReasons[] = {"bad_framing",    "uri_too_long",    "headers_too_large",
                                                "body_too_large", "request_timeout", "write_timeout",
                                                "overloaded"};

void init_metrics();
// Counts a refusal under `reason` and logs it (rate-limited); detail says what was refused.
void note_rejection(std::string_view reason, std::string_view detail);
// Open client connections, across listeners: +1 at accept, -1 at close.
void count_connection(int delta);
// Worker threads, across listeners: +1 when one starts, -1 when it returns.
void count_worker_threads(int delta);
// Parked requests (fibers waiting for an event), across listeners.
void count_parked(int delta);

// A complete response to a refused request: the OpenAI error body, Connection: close.
std::string rejection_response(const http::Rejection& why);

// The 408, 503 and 413 answers the edge gives on its own.
const http::Rejection& request_timeout_rejection();
const http::Rejection& overloaded_rejection();
const http::Rejection& body_too_large_rejection();

}  // namespace sy::server::edge
