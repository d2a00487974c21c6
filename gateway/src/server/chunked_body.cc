#include "server/chunked_body.hpp"

#include <algorithm>

namespace sy::server::http {
namespace {

constexpr Rejection kChunk{400, "invalid_request_error", "malformed_chunked_body",
                           "Chunked body must be hex-size[;ext] CRLF data CRLF ... 0 CRLF trailers CRLF",
                           "bad_framing"};
constexpr Rejection kTooLarge{413, "invalid_request_error", "request_too_large",
                              "Request body exceeds server.max_body_bytes", "body_too_large"};
constexpr Rejection kTrailers{431, "invalid_request_error", "request_header_fields_too_large",
                              "Chunked body trailers exceed server.max_header_bytes", "headers_too_large"};
constexpr size_t kMaxSizeLine = 4096;  // chunk size plus extensions

int hex_value(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

Parse reject(Rejection& why, const Rejection& r) {
    why = r;
    return Parse::rejected;
}

}  // namespace

void ChunkedDecoder::reset() {
    state_ = State::size;
    size_ = left_ = total_ = 0;
    digits_ = 0;
    line_bytes_ = trailer_bytes_ = 0;
}

Parse ChunkedDecoder::feed(std::string_view in, std::string& out, size_t& consumed, Rejection& why) {
    size_t i = 0;
    while (i < in.size() && state_ != State::done) {
        if (state_ == State::data) {
            size_t n = static_cast<size_t>(std::min<uint64_t>(left_, in.size() - i));
            out.append(in.data() + i, n);
            i += n;
            left_ -= n;
            if (left_ == 0) state_ = State::data_cr;
            continue;
        }
        Parse p = byte(static_cast<unsigned char>(in[i++]), why);
        if (p == Parse::rejected) {
            consumed = i;
            return p;
        }
    }
    consumed = i;
    return state_ == State::done ? Parse::complete : Parse::incomplete;
}

Parse ChunkedDecoder::end_of_size_line(Rejection& why) {
    if (digits_ == 0) return reject(why, kChunk);
    state_ = State::size_lf;
    return Parse::incomplete;
}

// One byte outside chunk data: a size line, a CRLF after data, or the trailer section.
Parse ChunkedDecoder::byte(unsigned char c, Rejection& why) {
    switch (state_) {
        case State::size: {
            if (++line_bytes_ > kMaxSizeLine) return reject(why, kChunk);
            int v = hex_value(c);
            if (v >= 0) {
                if (++digits_ > 15) return reject(why, kChunk);  // 15 hex digits: no overflow
                size_ = size_ * 16 + static_cast<uint64_t>(v);
                return Parse::incomplete;
            }
            if (c == ';') {
                if (digits_ == 0) return reject(why, kChunk);
                state_ = State::ext;
                return Parse::incomplete;
            }
            if (c == '\r') return end_of_size_line(why);
            return reject(why, kChunk);
        }
        case State::ext:
            if (++line_bytes_ > kMaxSizeLine) return reject(why, kChunk);
            if (c == '\r') return end_of_size_line(why);
            if (c != '\t' && (c < 0x20 || c == 0x7f)) return reject(why, kChunk);
            return Parse::incomplete;
        case State::size_lf:
            if (c != '\n') return reject(why, kChunk);
            if (size_ > max_body_ - total_) return reject(why, kTooLarge);
            total_ += size_;
            left_ = size_;
            state_ = size_ == 0 ? State::trailer_start : State::data;
            size_ = 0;
            digits_ = 0;
            line_bytes_ = 0;
            return Parse::incomplete;
        case State::data_cr:
            if (c != '\r') return reject(why, kChunk);
            state_ = State::data_lf;
            return Parse::incomplete;
        case State::data_lf:
            if (c != '\n') return reject(why, kChunk);
            state_ = State::size;
            return Parse::incomplete;
        case State::trailer_start:
            if (c == '\r') {
                state_ = State::end_lf;
                return Parse::incomplete;
            }
            if (c == ' ' || c == '\t' || !is_tchar(c)) return reject(why, kChunk);  // obs-fold or a bad name
            state_ = State::trailer;
            [[fallthrough]];
        case State::trailer:
            if (++trailer_bytes_ > max_trailer_) return reject(why, kTrailers);
            if (c == '\r')
                state_ = State::trailer_lf;
            else if (c != '\t' && (c < 0x20 || c == 0x7f))
                return reject(why, kChunk);
            return Parse::incomplete;
        case State::trailer_lf:
            if (c != '\n') return reject(why, kChunk);
            state_ = State::trailer_start;
            return Parse::incomplete;
        case State::end_lf:
            if (c != '\n') return reject(why, kChunk);
            state_ = State::done;
            return Parse::complete;
        case State::data:
        case State::done:
            break;
    }
    return Parse::incomplete;
}

}  // namespace sy::server::http
