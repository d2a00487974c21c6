// The SSE / NDJSON splitter (upstream/event_parser.cc) on any byte stream an upstream can send.
// Input: one control byte (bit 0: NDJSON instead of SSE; the rest: size of the reads, 0 = one
// read), then the stream. Checks beyond "no crash": the events do not depend on how the bytes
// were split into reads, and no event is larger than the stream.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "fuzz_input.hpp"
#include "upstream/event_parser.hpp"

namespace {

using Events = std::vector<std::pair<std::string, std::string>>;

Events split(sy_stream_framing framing, std::string_view stream, size_t read_size) {
    sy::upstream::EventParser parser(framing, 1024);
    Events out;
    std::string_view event, data;
    auto take = [&](bool ok) {
        if (!ok) return false;
        if (data.size() > stream.size() || event.size() > stream.size()) std::abort();
        out.emplace_back(event, data);
        return true;
    };
    for (size_t at = 0; at < stream.size(); at += read_size) {
        parser.feed(stream.substr(at, read_size));
        while (take(parser.next(event, data))) {
        }
        (void)parser.overflowed();
    }
    while (take(parser.finish(event, data))) {
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    sy::fuzz::Input in(data, size);
    uint8_t control = in.byte();
    sy_stream_framing framing = (control & 1) ? SY_FRAMING_NDJSON : SY_FRAMING_SSE;
    std::string_view stream = in.rest();
    size_t read_size = control >> 1;
    Events whole = split(framing, stream, stream.size() + 1);
    if (read_size > 0 && split(framing, stream, read_size) != whole) std::abort();
    return 0;
}
