// A strict, incremental HTTP/1.1 request-head parser: a pure function over bytes (no sockets,
// no Poco), so it can be unit-tested and fuzzed. It refuses everything that lets two parsers
// disagree about where a request ends (request smuggling): bare CR or LF, obsolete line
// folding, whitespace before a colon, Transfer-Encoding with Content-Length, any
// Transfer-Encoding but exactly `chunked`, a duplicate or malformed Content-Length.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace sy::server::http {

// Why a request was refused: the answer (status, OpenAI error type and code, message) and the
// label of switchyard_http_rejected_total.
struct Rejection {
    int status = 0;
    std::string_view type;
    std::string_view code;
    std::string_view message;
    std::string_view reason;  // bad_framing, uri_too_long, headers_too_large, body_too_large, ...
};

struct HeadLimits {
    size_t max_uri_bytes = 8192;      // request target; above: 414
    size_t max_header_bytes = 16384;  // the header field section (all field lines); above: 431
    size_t max_header_count = 100;    // header fields; above: 431
};

enum class Framing { none, content_length, chunked };

// A byte range of the buffer the head was parsed from (offsets stay valid while it grows).
struct Span {
    uint32_t off = 0, len = 0;
    std::string_view in(std::string_view buf) const { return buf.substr(off, len); }
};

struct Field {
    Span name, value;  // value without surrounding whitespace
};

struct RequestHead {
    Span method, target;
    int minor_version = 1;  // HTTP/1.<minor>: 0 or 1
    std::vector<Field> fields;
    Framing framing = Framing::none;
    uint64_t content_length = 0;
    bool keep_alive = true;
    bool expect_continue = false;
    size_t size = 0;  // bytes of the head, through its empty line (the body starts here)
    void clear();
};

enum class Parse { incomplete, complete, rejected };

// Feed it the bytes received so far, again after each read: it resumes where it stopped.
class HeadParser {
public:
    explicit HeadParser(const HeadLimits& limits) : limits_(limits) {}
    void reset();
    // buf: every byte received for this request (the previous buf plus what arrived since).
    Parse feed(std::string_view buf, RequestHead& head, Rejection& why);

private:
    Parse partial_line(std::string_view buf, Rejection& why) const;
    Parse line(std::string_view buf, size_t end, RequestHead& head, Rejection& why);
    Parse request_line(std::string_view buf, size_t end, RequestHead& head, Rejection& why);
    Parse field_line(std::string_view buf, size_t end, RequestHead& head, Rejection& why);
    Parse finish(RequestHead& head, Rejection& why) const;

    HeadLimits limits_;
    size_t line_start_ = 0;    // first byte of the line being read
    size_t scan_ = 0;          // where the search for its end resumes
    size_t fields_start_ = 0;  // first byte of the field section, 0 before the request line
    int empty_lines_ = 0;      // CRLFs skipped before the request line
    int hosts_ = 0, lengths_ = 0, encodings_ = 0;
};

// The whole head at once (tests, fuzzing).
Parse parse_head(std::string_view buf, const HeadLimits& limits, RequestHead& head, Rejection& why);

// RFC 9110 token characters (method, header names).
bool is_tchar(unsigned char c);

}  // namespace sy::server::http
