// Splits one fuzz input into the parts a target needs: leading control bytes, then text.
// Plain code instead of clang's FuzzedDataProvider, so that the corpus replay builds with GCC.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sy::fuzz {

class Input {
public:
    Input(const uint8_t* data, size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}

    // The next byte, 0 when the input is used up.
    uint8_t byte() {
        if (rest_.empty()) return 0;
        auto b = static_cast<uint8_t>(rest_.front());
        rest_.remove_prefix(1);
        return b;
    }
    // The next four bytes, little-endian (missing bytes read as 0).
    uint32_t u32() {
        uint32_t v = 0;
        for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(byte()) << (8 * i);
        return v;
    }
    // Everything up to the next occurrence of `sep` (which is consumed), or the rest.
    std::string_view until(std::string_view sep) {
        size_t at = rest_.find(sep);
        std::string_view part = rest_.substr(0, at);
        rest_.remove_prefix(at == std::string_view::npos ? rest_.size() : at + sep.size());
        return part;
    }
    std::string_view rest() {
        std::string_view r = rest_;
        rest_ = {};
        return r;
    }

private:
    std::string_view rest_;
};

// "name: value" lines (CRLF or LF) into lower-cased name / value pairs, as the server hands
// headers to policies; lines without a colon are skipped.
template <typename Out>
void read_header_lines(std::string_view block, Out& out) {
    while (!block.empty()) {
        size_t eol = block.find('\n');
        std::string_view line = block.substr(0, eol);
        block.remove_prefix(eol == std::string_view::npos ? block.size() : eol + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        std::string name(line.substr(0, colon));
        for (char& c : name)
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        out.emplace_back(std::move(name), std::string(value));
    }
}

}  // namespace sy::fuzz
