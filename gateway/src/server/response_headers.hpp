// The gateway's own response headers (x-request-id, x-switchyard-*, x-ratelimit-*), set on
// every request. Poco's header collection finds a name by a case-insensitive scan of every header
// already set, which came to 8% of a routed request's instructions; on the edge's response these
// are kept in a list of their own (names are our lowercase literals, compared exactly) and
// written after Poco's. Any other response (tests) gets them through Poco.
#pragma once

#include <Poco/Net/HTTPServerResponse.h>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace sy::server {

void set_own_header(Poco::Net::HTTPServerResponse& resp, std::string_view name, std::string value);
void erase_own_header(Poco::Net::HTTPServerResponse& resp, std::string_view name);

// Only string literals as names: the list keeps the view.
template <size_t N>
void set_header(Poco::Net::HTTPServerResponse& resp, const char (&name)[N], std::string value) {
    set_own_header(resp, std::string_view(name, N - 1), std::move(value));
}
// Runs `hook` just before the response's head is written, whichever path writes it (a whole
// answer, a stream's first chunk, an error); once. Any other response (tests) runs it at once.
void before_head(Poco::Net::HTTPServerResponse& resp, std::function<void()> hook);

template <size_t N>
void erase_header(Poco::Net::HTTPServerResponse& resp, const char (&name)[N]) {
    erase_own_header(resp, std::string_view(name, N - 1));
}

}  // namespace sy::server
