// JSON written straight into a string, for lines the gateway writes on every request (the access
// log, request traces): the writer keeps its own end inside the string's storage, so keys and
// clean runs of text are copied whole, and only the bytes JSON must escape are looked at one by
// one. Bytes from 0x80 pass through as they are (as rapidjson's Writer does without validation);
// numbers are formatted as rapidjson formats them.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace sy {

class JsonOut {
public:
    // Appends to out, which holds exactly the JSON written so far once finish() or the destructor
    // has run (in between, its size is the writer's business: read text()).
    explicit JsonOut(std::string& out) : out_(out), size_(out.size()) {}
    ~JsonOut() { finish(); }
    JsonOut(const JsonOut&) = delete;
    JsonOut& operator=(const JsonOut&) = delete;

    void finish() { out_.resize(size_); }
    std::string_view text() const { return {out_.data(), size_}; }

    void begin_object() { open('{'); }
    void end_object() { close('}'); }
    void begin_array() { open('['); }
    void end_array() { close(']'); }

    void key(std::string_view name);
    void string(std::string_view value);
    void integer(int64_t value);
    void number(double value);
    void boolean(bool value);
    void null();

    // A member: key and value at once.
    void field(std::string_view name, std::string_view value) {
        key(name);
        string(value);
    }

private:
    char* room(size_t n) {  // where the next n bytes go
        if (out_.size() - size_ < n) grow(n);
        return out_.data() + size_;
    }
    void grow(size_t n);
    void put(char c) {
        *room(1) = c;
        ++size_;
    }
    void put(const char* p, size_t n) {
        std::memcpy(room(n), p, n);
        size_ += n;
    }
    void comma() {
        if (need_comma_) put(',');
    }
    void open(char c) {
        comma();
        put(c);
        need_comma_ = false;
    }
    void close(char c) {
        put(c);
        need_comma_ = true;
    }
    void quoted(std::string_view text);

    std::string& out_;
    size_t size_;              // the end of what is written; out_ may be longer (room to write)
    bool need_comma_ = false;  // a value or member came before, in the same container
};

// `text` as the content of a JSON string (no quotes), escaped as JsonOut escapes it, appended
// to out.
void append_json_escaped(std::string& out, std::string_view text);

}  // namespace sy
