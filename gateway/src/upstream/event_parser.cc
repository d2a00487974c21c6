#include "upstream/event_parser.hpp"

namespace sy::upstream {

void EventParser::compact() {
    if (offset_ == 0) return;
    if (offset_ >= pending_.size()) {
        pending_.clear();
    } else {
        pending_.erase(0, offset_);
    }
    offset_ = 0;
}

bool EventParser::next(std::string_view& event, std::string_view& data) {
    if (framing_ == SY_FRAMING_NDJSON) {
        event = {};
        return next_ndjson(data, false);
    }
    return next_sse(event, data, false);
}

bool EventParser::finish(std::string_view& event, std::string_view& data) {
    if (framing_ == SY_FRAMING_NDJSON) {
        event = {};
        return next_ndjson(data, true);
    }
    return next_sse(event, data, true);
}

bool EventParser::next_ndjson(std::string_view& data, bool at_end) {
    for (;;) {
        size_t eol = pending_.find('\n', offset_);
        if (eol == std::string::npos) {
            if (!at_end || offset_ >= pending_.size()) {
                compact();
                return false;
            }
            eol = pending_.size();
        }
        std::string_view line(pending_.data() + offset_, eol - offset_);
        offset_ = std::min(eol + 1, pending_.size());
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) continue;
        data_.assign(line);
        data = data_;
        return true;
    }
}

bool EventParser::next_sse(std::string_view& event, std::string_view& data, bool at_end) {
    for (;;) {
        size_t eol = pending_.find('\n', offset_);
        if (eol == std::string::npos) {
            if (at_end && offset_ < pending_.size()) {  // last line without a newline
                add_sse_field(std::string_view(pending_).substr(offset_));
                offset_ = pending_.size();
            }
            if (at_end && has_data_) return dispatch(event, data);
            compact();
            return false;
        }
        std::string_view line(pending_.data() + offset_, eol - offset_);
        offset_ = eol + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (!line.empty()) {
            add_sse_field(line);
            continue;
        }
        if (has_data_) return dispatch(event, data);
        event_.clear();  // an event without data is not dispatched
    }
}

void EventParser::add_sse_field(std::string_view line) {
    if (line.starts_with(':')) return;  // comment / keep-alive
    size_t colon = line.find(':');
    std::string_view field = line.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
    if (value.starts_with(' ')) value.remove_prefix(1);
    if (field == "data") {
        if (has_data_) data_.push_back('\n');
        data_.append(value);
        has_data_ = true;
    } else if (field == "event") {
        event_.assign(value);
    }
}

bool EventParser::dispatch(std::string_view& event, std::string_view& data) {
    event_out_.swap(event_);
    data_out_.swap(data_);
    event_.clear();
    data_.clear();
    has_data_ = false;
    event = event_out_;
    data = data_out_;
    return true;
}

}  // namespace sy::upstream
