// Splits an upstream stream body into events: Server-Sent Events (event/data fields, blank-line
// terminated, data lines joined by '\n') or NDJSON (one document per line). Incremental: feed
// bytes as they arrive, then take complete events.
#pragma once

#include <string>
#include <string_view>

#include <switchyard/plugin.h>

namespace sy::upstream {

class EventParser {
public:
    explicit EventParser(sy_stream_framing framing, size_t max_event_bytes = 8 * 1024 * 1024)
        : framing_(framing), max_event_bytes_(max_event_bytes) {}

    void feed(std::string_view bytes) { pending_.append(bytes); }
    // Takes the next complete event; false when more bytes are needed. Views stay valid until
    // the next call to next() or feed().
    bool next(std::string_view& event, std::string_view& data);
    // True when buffered bytes exceed the event size limit (a hostile or broken upstream).
    bool overflowed() const { return pending_.size() - offset_ > max_event_bytes_; }
    // Flushes a final unterminated event at end of stream (SSE allows a missing blank line).
    bool finish(std::string_view& event, std::string_view& data);

private:
    bool next_sse(std::string_view& event, std::string_view& data, bool at_end);
    bool next_ndjson(std::string_view& data, bool at_end);
    void add_sse_field(std::string_view line);
    bool dispatch(std::string_view& event, std::string_view& data);
    void compact();

    sy_stream_framing framing_;
    size_t max_event_bytes_;
    std::string pending_;
    size_t offset_ = 0;
    std::string event_;      // fields of the event being assembled
    std::string data_;
    bool has_data_ = false;
    std::string event_out_;  // the event handed out by the last next()
    std::string data_out_;
};

}  // namespace sy::upstream
