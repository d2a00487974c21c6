#include "server/http_head.hpp"

#include <cstring>

#include "core/ascii.hpp"

namespace sy::server::http {
namespace {

constexpr Rejection kBareLf{400, "invalid_request_error", "malformed_header",
                            "Line ends with a bare LF (CRLF required)", "bad_framing"};
constexpr Rejection kBareCr{400, "invalid_request_error", "malformed_header", "Bare CR in the request head",
                            "bad_framing"};
constexpr Rejection kBadLine{400, "invalid_request_error", "malformed_request_line",
                             "Request line must be METHOD SP request-target SP HTTP/1.x", "bad_framing"};
constexpr Rejection kVersion{505, "invalid_request_error", "http_version_not_supported",
                             "Only HTTP/1.0 and HTTP/1.1 are served", "bad_framing"};
constexpr Rejection kFold{400, "invalid_request_error", "obsolete_line_folding",
                          "Header line folding (obs-fold) is not accepted", "bad_framing"};
constexpr Rejection kName{400, "invalid_request_error", "malformed_header",
                          "Header name must be a token followed directly by ':' (no whitespace before the colon)",
                          "bad_framing"};
constexpr Rejection kValue{400, "invalid_request_error", "malformed_header", "Control character in a header value",
                           "bad_framing"};
constexpr Rejection kBothFramings{400, "invalid_request_error", "ambiguous_framing",
                                  "Transfer-Encoding and Content-Length must not both be sent", "bad_framing"};
constexpr Rejection kEncoding{400, "invalid_request_error", "unsupported_transfer_encoding",
                              "Transfer-Encoding must be exactly one 'chunked' (HTTP/1.1 only)", "bad_framing"};
constexpr Rejection kLength{400, "invalid_request_error", "invalid_content_length",
                            "Content-Length must be sent once, as decimal digits", "bad_framing"};
constexpr Rejection kHost{400, "invalid_request_error", "invalid_host",
                          "HTTP/1.1 requests need exactly one Host header", "bad_framing"};
constexpr Rejection kUri{414, "invalid_request_error", "uri_too_long", "Request target exceeds server.max_uri_bytes",
                         "uri_too_long"};
constexpr Rejection kHeaders{431, "invalid_request_error", "request_header_fields_too_large",
                             "Request headers exceed server.max_header_count or server.max_header_bytes",
                             "headers_too_large"};

constexpr int kMaxEmptyLines = 8;         // CRLFs tolerated before a request line (RFC 9112 2.2)
constexpr size_t kRequestLineSlack = 64;  // method, spaces and version around the target

bool value_byte_ok(unsigned char c) {
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

Parse reject(Rejection& why, const Rejection& r) {
    why = r;
    return Parse::rejected;
}

bool parse_decimal(std::string_view v, uint64_t& out) {
    if (v.empty() || v.size() > 19) return false;  // 19 digits always fit in 63 bits
    uint64_t n = 0;
    for (char c : v) {
        if (c < '0' || c > '9') return false;
        n = n * 10 + static_cast<uint64_t>(c - '0');
    }
    out = n;
    return true;
}

// Connection: a comma-separated token list; only close and keep-alive matter.
void apply_connection(std::string_view v, RequestHead& head) {
    while (!v.empty()) {
        size_t comma = v.find(',');
        std::string_view t = v.substr(0, comma);
        while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
        while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
        if (ascii_iequals(t, "close")) head.keep_alive = false;
        if (ascii_iequals(t, "keep-alive") && head.minor_version == 0) head.keep_alive = true;
        if (comma == std::string_view::npos) break;
        v.remove_prefix(comma + 1);
    }
}

}  // namespace

bool is_tchar(unsigned char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return c != 0 && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

void RequestHead::clear() {
    method = target = {};
    minor_version = 1;
    fields.clear();
    framing = Framing::none;
    content_length = 0;
    keep_alive = true;
    expect_continue = false;
    size = 0;
}

void HeadParser::reset() {
    line_start_ = scan_ = fields_start_ = 0;
    empty_lines_ = hosts_ = lengths_ = encodings_ = 0;
}

Parse HeadParser::feed(std::string_view buf, RequestHead& head, Rejection& why) {
    if (line_start_ == 0 && scan_ == 0) head.clear();
    for (;;) {
        const char* base = buf.data();
        const void* lf = scan_ < buf.size() ? std::memchr(base + scan_, '\n', buf.size() - scan_) : nullptr;
        if (!lf) {
            // A CR may only be the last byte received (its LF still to come).
            size_t stop = buf.size() > scan_ && buf.back() == '\r' ? buf.size() - 1 : buf.size();
            if (stop > scan_ && std::memchr(base + scan_, '\r', stop - scan_)) return reject(why, kBareCr);
            scan_ = stop;
            return partial_line(buf, why);
        }
        size_t nl = static_cast<size_t>(static_cast<const char*>(lf) - base);
        if (nl == line_start_ || base[nl - 1] != '\r') return reject(why, kBareLf);
        if (nl - 1 > scan_ && std::memchr(base + scan_, '\r', nl - 1 - scan_)) return reject(why, kBareCr);
        size_t end = nl - 1;  // the line is [line_start_, end)
        scan_ = nl + 1;
        Parse p = line(buf, end, head, why);
        line_start_ = nl + 1;
        if (p != Parse::incomplete) {
            if (p == Parse::complete) head.size = line_start_;
            return p;
        }
    }
}

// Limits on a line whose end has not arrived yet.
Parse HeadParser::partial_line(std::string_view buf, Rejection& why) const {
    size_t have = buf.size() - line_start_;
    if (fields_start_ == 0) {
        if (have <= limits_.max_uri_bytes + kRequestLineSlack) return Parse::incomplete;
        // The method ended (a space came) and the target keeps growing: 414; else malformed.
        return reject(why, std::memchr(buf.data() + line_start_, ' ', have) ? kUri : kBadLine);
    }
    if (buf.size() - fields_start_ > limits_.max_header_bytes) return reject(why, kHeaders);
    return Parse::incomplete;
}

Parse HeadParser::line(std::string_view buf, size_t end, RequestHead& head, Rejection& why) {
    if (fields_start_ == 0) {
        if (end == line_start_) {  // an empty line before the request line: tolerated, a few times
            return ++empty_lines_ > kMaxEmptyLines ? reject(why, kBadLine) : Parse::incomplete;
        }
        Parse p = request_line(buf, end, head, why);
        fields_start_ = end + 2;
        return p;
    }
    if (end + 2 - fields_start_ > limits_.max_header_bytes) return reject(why, kHeaders);
    if (end == line_start_) return finish(head, why);
    return field_line(buf, end, head, why);
}

Parse HeadParser::request_line(std::string_view buf, size_t end, RequestHead& head, Rejection& why) {
    std::string_view line = buf.substr(line_start_, end - line_start_);
    size_t sp1 = line.find(' ');
    if (sp1 == 0 || sp1 == std::string_view::npos) return reject(why, kBadLine);
    for (size_t i = 0; i < sp1; ++i)
        if (!is_tchar(static_cast<unsigned char>(line[i]))) return reject(why, kBadLine);
    size_t sp2 = line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || sp2 == sp1 + 1) return reject(why, kBadLine);
    for (size_t i = sp1 + 1; i < sp2; ++i) {
        auto c = static_cast<unsigned char>(line[i]);
        if (c <= 0x20 || c >= 0x7f) return reject(why, kBadLine);
    }
    if (sp2 - sp1 - 1 > limits_.max_uri_bytes) return reject(why, kUri);
    std::string_view version = line.substr(sp2 + 1);
    if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' || version[5] < '0' ||
        version[5] > '9' || version[7] < '0' || version[7] > '9')
        return reject(why, kBadLine);
    if (version[5] != '1' || version[7] > '1') return reject(why, kVersion);
    head.minor_version = version[7] - '0';
    head.keep_alive = head.minor_version == 1;
    auto at = static_cast<uint32_t>(line_start_);
    head.method = {at, static_cast<uint32_t>(sp1)};
    head.target = {static_cast<uint32_t>(at + sp1 + 1), static_cast<uint32_t>(sp2 - sp1 - 1)};
    return Parse::incomplete;
}

Parse HeadParser::field_line(std::string_view buf, size_t end, RequestHead& head, Rejection& why) {
    const char* p = buf.data();
    if (p[line_start_] == ' ' || p[line_start_] == '\t') return reject(why, kFold);
    if (head.fields.size() >= limits_.max_header_count) return reject(why, kHeaders);
    size_t colon = line_start_;
    while (colon < end && is_tchar(static_cast<unsigned char>(p[colon]))) ++colon;
    if (colon == line_start_ || colon == end || p[colon] != ':') return reject(why, kName);
    size_t v = colon + 1, e = end;
    while (v < e && (p[v] == ' ' || p[v] == '\t')) ++v;
    while (e > v && (p[e - 1] == ' ' || p[e - 1] == '\t')) --e;
    for (size_t i = v; i < e; ++i)
        if (!value_byte_ok(static_cast<unsigned char>(p[i]))) return reject(why, kValue);
    Field f{{static_cast<uint32_t>(line_start_), static_cast<uint32_t>(colon - line_start_)},
            {static_cast<uint32_t>(v), static_cast<uint32_t>(e - v)}};
    head.fields.push_back(f);
    std::string_view name = f.name.in(buf), value = f.value.in(buf);
    switch (name.size()) {
        case 4:
            if (ascii_iequals(name, "host")) ++hosts_;
            break;
        case 6:
            if (ascii_iequals(name, "expect") && ascii_iequals(value, "100-continue")) head.expect_continue = true;
            break;
        case 10:
            if (ascii_iequals(name, "connection")) apply_connection(value, head);
            break;
        case 14:
            if (ascii_iequals(name, "content-length")) {
                if (++lengths_ > 1 || !parse_decimal(value, head.content_length)) return reject(why, kLength);
            }
            break;
        case 17:
            if (ascii_iequals(name, "transfer-encoding")) {
                if (++encodings_ > 1 || !ascii_iequals(value, "chunked")) return reject(why, kEncoding);
            }
            break;
        default:
            break;
    }
    return Parse::incomplete;
}

Parse HeadParser::finish(RequestHead& head, Rejection& why) const {
    if (encodings_ > 0 && lengths_ > 0) return reject(why, kBothFramings);
    if (encodings_ > 0 && head.minor_version == 0) return reject(why, kEncoding);
    if (hosts_ > 1 || (hosts_ == 0 && head.minor_version == 1)) return reject(why, kHost);
    if (encodings_ > 0)
        head.framing = Framing::chunked;
    else if (lengths_ > 0)
        head.framing = Framing::content_length;
    if (head.minor_version == 0) head.expect_continue = false;
    return Parse::complete;
}

Parse parse_head(std::string_view buf, const HeadLimits& limits, RequestHead& head, Rejection& why) {
    HeadParser parser(limits);
    return parser.feed(buf, head, why);
}

}  // namespace sy::server::http
