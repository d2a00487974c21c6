// A strict, incremental decoder of a chunked request body (RFC 9112 7.1): hex chunk sizes with
// optional extensions, CRLF after every line and every chunk's data, trailer fields (checked,
// then dropped). The decoded size counts against the body limit as soon as a chunk size is
// read, so an oversized body is refused before its data arrives.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "server/http_head.hpp"

namespace sy::server::http {

class ChunkedDecoder {
public:
    ChunkedDecoder(uint64_t max_body, size_t max_trailer_bytes)
        : max_body_(max_body), max_trailer_(max_trailer_bytes) {}
    void reset();
    // Decodes what `in` holds, appending data to `out`; `consumed` is set to the bytes of `in`
    // used (the caller drops them). complete after the last chunk and the trailer section.
    Parse feed(std::string_view in, std::string& out, size_t& consumed, Rejection& why);
    uint64_t decoded() const { return total_; }

private:
    enum class State { size, ext, size_lf, data, data_cr, data_lf, trailer_start, trailer, trailer_lf, end_lf, done };
    Parse byte(unsigned char c, Rejection& why);
    Parse end_of_size_line(Rejection& why);

    uint64_t max_body_;
    size_t max_trailer_;
    State state_ = State::size;
    uint64_t size_ = 0;   // of the current chunk
    uint64_t left_ = 0;   // data bytes of the current chunk still to come
    uint64_t total_ = 0;  // decoded so far, including announced chunks
    int digits_ = 0;
    size_t line_bytes_ = 0;  // of the current size line
    size_t trailer_bytes_ = 0;
};

}  // namespace sy::server::http
