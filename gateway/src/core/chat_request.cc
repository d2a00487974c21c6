#include <switchyard/chat_request.hpp>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <cstdint>
#include <cstring>

#include "core/json_depth.hpp"
#include "core/json_checks.hpp"

namespace sy {
namespace {

using Value = rapidjson::Value;

constexpr int64_t kTokensPerMessage = 4;  // role and framing overhead per message

std::string_view view_of(const Value& v) { return {v.GetString(), v.GetStringLength()}; }

bool is_known_role(std::string_view role) {
    return role == "system" || role == "user" || role == "assistant" || role == "tool" ||
           role == "developer" || role == "function";
}

// Appends the text of a message's content (string or array of parts) to out.
// Returns false when the content has a shape the API does not accept.
bool append_content_text(const Value& content, std::string& out, int64_t& image_parts) {
    if (content.IsString()) {
        out.append(content.GetString(), content.GetStringLength());
        return true;
    }
    if (content.IsNull()) return true;
    if (!content.IsArray()) return false;
    for (const auto& part : content.GetArray()) {
        if (!part.IsObject()) return false;
        auto type = part.FindMember("type");
        if (type == part.MemberEnd() || !type->value.IsString()) return false;
        std::string_view t = view_of(type->value);
        if (t == "text") {
            auto text = part.FindMember("text");
            if (text == part.MemberEnd() || !text->value.IsString()) return false;
            if (!out.empty()) out.push_back('\n');
            out.append(text->value.GetString(), text->value.GetStringLength());
        } else if (t == "image_url" || t == "input_audio" || t == "file") {
            ++image_parts;
        }
    }
    return true;
}

std::optional<ApiError> parse_messages(const Value& messages, ChatRequest& out, bool details) {
    if (!messages.IsArray() || messages.Empty())
        return ApiError::bad_request("'messages' must be a non-empty array", "messages");
    int64_t text_tokens = 0;
    int64_t image_parts = 0;
    int64_t images_before = 0;
    std::string text;
    rapidjson::SizeType index = 0;
    for (const auto& msg : messages.GetArray()) {
        std::string param = "messages[" + std::to_string(index++) + "]";
        if (!msg.IsObject()) return ApiError::bad_request(param + " must be an object", param);
        auto role = msg.FindMember("role");
        if (role == msg.MemberEnd() || !role->value.IsString() || !is_known_role(view_of(role->value)))
            return ApiError::bad_request(
                param + ".role must be one of system, developer, user, assistant, tool",
                param + ".role");
        std::string_view r = view_of(role->value);
        text.clear();
        auto content = msg.FindMember("content");
        if (content != msg.MemberEnd() && !append_content_text(content->value, text, image_parts))
            return ApiError::bad_request(
                param + ".content must be a string or an array of content parts", param + ".content");
        text_tokens += estimate_tokens(text);
        if (details) out.messages.push_back({std::string(r), text, image_parts > images_before});
        images_before = image_parts;
        if (r == "user") out.last_user_text = text;
        else if (r == "system" || r == "developer") {
            if (!out.system_text.empty()) out.system_text.push_back('\n');
            out.system_text += text;
        }
        if (auto tc = msg.FindMember("tool_calls"); tc != msg.MemberEnd() && tc->value.IsArray()) {
            for (const auto& call : tc->value.GetArray()) {
                if (!call.IsObject()) continue;
                auto fn = call.FindMember("function");
                if (fn == call.MemberEnd() || !fn->value.IsObject()) continue;
                auto args = fn->value.FindMember("arguments");
                if (args != fn->value.MemberEnd() && args->value.IsString())
                    text_tokens += estimate_tokens(view_of(args->value));
            }
        }
    }
    out.message_count = static_cast<int32_t>(messages.Size());
    // An image costs roughly 765 tokens at OpenAI's default detail; a conservative estimate.
    out.prompt_tokens = text_tokens + kTokensPerMessage * out.message_count + 765 * image_parts;
    return std::nullopt;
}

std::optional<ApiError> parse_limits(const Value& doc, ChatRequest& out) {
    for (const char* key : {"max_completion_tokens", "max_tokens"}) {
        auto it = doc.FindMember(key);
        if (it == doc.MemberEnd() || it->value.IsNull()) continue;
        if (!it->value.IsInt64() || it->value.GetInt64() < 1)
            return ApiError::bad_request(std::string("'") + key + "' must be a positive integer", key);
        out.max_tokens = it->value.GetInt64();
        break;
    }
    return std::nullopt;
}

std::optional<ApiError> parse_stream(const Value& doc, ChatRequest& out) {
    if (auto it = doc.FindMember("stream"); it != doc.MemberEnd() && !it->value.IsNull()) {
        if (!it->value.IsBool()) return ApiError::bad_request("'stream' must be a boolean", "stream");
        out.stream = it->value.GetBool();
    }
    if (auto it = doc.FindMember("stream_options"); it != doc.MemberEnd() && !it->value.IsNull()) {
        if (!it->value.IsObject())
            return ApiError::bad_request("'stream_options' must be an object", "stream_options");
        auto iu = it->value.FindMember("include_usage");
        if (iu != it->value.MemberEnd()) {
            if (!iu->value.IsBool())
                return ApiError::bad_request("'stream_options.include_usage' must be a boolean",
                                             "stream_options.include_usage");
            out.include_usage = iu->value.GetBool();
        }
    }
    return std::nullopt;
}

}  // namespace

namespace {

// What estimate_tokens makes of each byte: one table look-up per byte instead of a chain of
// range tests (the estimate runs over every prompt).
enum ByteClass : uint8_t { kControl, kLetter, kDigit, kSpace, kBreak, kHigh, kPunct };

constexpr std::array<uint8_t, 256> kByteClasses = [] {
    std::array<uint8_t, 256> t{};
    for (int c = 0; c < 256; ++c) {
        uint8_t k = kControl;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') k = kLetter;
        else if (c >= '0' && c <= '9') k = kDigit;
        else if (c == ' ') k = kSpace;
        else if (c == '\n' || c == '\r' || c == '\t') k = kBreak;
        else if (c >= 0x80) k = kHigh;
        else if (c > ' ') k = kPunct;  // DEL included
        t[static_cast<size_t>(c)] = k;
    }
    return t;
}();

inline uint8_t class_of(char c) { return kByteClasses[static_cast<unsigned char>(c)]; }

// The end of the run of bytes of class k (or of k2) that starts at i.
inline size_t run_end(std::string_view text, size_t i, uint8_t k, uint8_t k2) {
    while (i < text.size() && (class_of(text[i]) == k || class_of(text[i]) == k2)) ++i;
    return i;
}

}  // namespace

// A tokenizer-free approximation of BPE counts (cl100k/o200k), by segments: a word of up to 8
// letters is about one token (longer words split every ~4 letters), digits go in groups of 3,
// runs of punctuation cost a token per three characters, runs of spaces
// and of newlines are one token each, and non-ASCII text costs about a token per 2 bytes.
// Measured against real counts in tests/bench/tokens (docs/performance.md).
int64_t estimate_tokens(std::string_view text) {
    int64_t tokens = 0;
    size_t i = 0;
    while (i < text.size()) {
        const size_t start = i;
        const uint8_t k = class_of(text[i]);
        switch (k) {
            case kLetter: {
                i = run_end(text, i, kLetter, kLetter);
                const size_t len = i - start;
                tokens += len <= 8 ? 1 : 1 + static_cast<int64_t>((len - 8 + 3) / 4);
                break;
            }
            case kDigit:
                i = run_end(text, i, kDigit, kDigit);
                tokens += static_cast<int64_t>((i - start + 2) / 3);
                break;
            case kSpace:
                i = run_end(text, i, kSpace, kSpace);
                if (i - start > 1) ++tokens;  // one space joins the next word; indentation is a token
                break;
            case kBreak:  // line breaks and the indentation after them
                i = run_end(text, i, kBreak, kSpace);
                ++tokens;
                break;
            case kHigh:
                i = run_end(text, i, kHigh, kHigh);
                tokens += static_cast<int64_t>((i - start + 1) / 2);
                break;
            case kPunct:  // common pairs ("()", "->", "::", ");") merge into one token
                i = run_end(text, i, kPunct, kPunct);
                tokens += static_cast<int64_t>((i - start + 2) / 3);
                break;
            default:  // a control character counts alone (found by fuzzing: it once stalled the loop)
                ++i;
                ++tokens;
        }
    }
    return tokens;
}

static void collect_details(const Value& doc, ChatRequest& out) {
    if (auto tools = doc.FindMember("tools"); tools != doc.MemberEnd() && tools->value.IsArray()) {
        for (const auto& t : tools->value.GetArray()) {
            if (!t.IsObject()) continue;
            auto fn = t.FindMember("function");
            if (fn == t.MemberEnd() || !fn->value.IsObject()) continue;
            auto name = fn->value.FindMember("name");
            if (name != fn->value.MemberEnd() && name->value.IsString()) out.tool_names.emplace_back(view_of(name->value));
        }
    }
    if (auto md = doc.FindMember("metadata"); md != doc.MemberEnd() && md->value.IsObject()) {
        for (const auto& m : md->value.GetObject())
            if (m.value.IsString()) out.metadata.emplace_back(std::string(view_of(m.name)), std::string(view_of(m.value)));
    }
}

std::optional<ApiError> parse_chat_request(std::string body, ChatRequest& out, bool details) {
    out.body = std::move(body);
    if (json_too_deep(out.body)) return json_too_deep_error();
    // A raw control byte cannot be in valid JSON. Refusing it here lets the parse run on the
    // NUL-terminated text, where rapidjson's SIMD string scanning applies (and misses 0x1A-0x1F).
    if (size_t at = switchyard::json_forbidden_byte(out.body); at != std::string_view::npos) {
        const auto c = static_cast<unsigned char>(out.body[at]);
        const char hex[] = {"0123456789ABCDEF"[c >> 4], "0123456789ABCDEF"[c & 15], '\0'};
        std::string what = c == 0 ? "a NUL byte" : std::string("the control byte 0x") + hex + " unescaped";
        return ApiError::bad_request("Request body is not valid JSON: " + what + " at offset " + std::to_string(at), {},
                                     "invalid_json");
    }
    // The document's first 8 KiB come from this frame, not from a 64 KiB heap chunk per request.
    char pool_buffer[8192];
    rapidjson::MemoryPoolAllocator<> pool(pool_buffer, sizeof pool_buffer);
    rapidjson::Document doc(&pool);
    // Parsed in place on a copy in the pool (the body itself is relayed as it came): strings are
    // scanned 16 bytes at a time and never copied; the fields read below are copied out of it.
    // The whole body: with bytes after the document the providers, which parse it again, would
    // refuse what was routed and reserved for (found by fuzzing).
    auto* text = static_cast<char*>(pool.Malloc(out.body.size() + 1));
    std::memcpy(text, out.body.c_str(), out.body.size() + 1);
    doc.ParseInsitu(text);
    if (doc.HasParseError()) {
        std::string msg = "Request body is not valid JSON: ";
        msg += rapidjson::GetParseError_En(doc.GetParseError());
        msg += " at offset " + std::to_string(doc.GetErrorOffset());
        return ApiError::bad_request(std::move(msg), {}, "invalid_json");
    }
    if (!doc.IsObject()) return ApiError::bad_request("Request body must be a JSON object", {}, "invalid_json");
    if (auto err = client_json_error(doc)) return err;

    auto model = doc.FindMember("model");
    if (model == doc.MemberEnd() || !model->value.IsString() || model->value.GetStringLength() == 0)
        return ApiError::bad_request("'model' is required and must be a non-empty string", "model");
    out.model.assign(view_of(model->value));

    auto messages = doc.FindMember("messages");
    if (messages == doc.MemberEnd())
        return ApiError::bad_request("'messages' is required", "messages");
    if (auto err = parse_messages(messages->value, out, details)) return err;
    if (auto err = parse_limits(doc, out)) return err;
    if (auto err = parse_stream(doc, out)) return err;
    if (auto tools = doc.FindMember("tools"); tools != doc.MemberEnd() && !tools->value.IsNull()) {
        if (!tools->value.IsArray())
            return ApiError::bad_request("'tools' must be an array", "tools");
        out.has_tools = tools->value.Size() > 0;
    }
    if (auto user = doc.FindMember("user"); user != doc.MemberEnd() && !user->value.IsNull()) {
        if (!user->value.IsString()) return ApiError::bad_request("'user' must be a string", "user");
        out.user.assign(view_of(user->value));
    }
    if (details) collect_details(doc, out);
    return std::nullopt;
}

void clamp_max_tokens(ChatRequest& req, int64_t cap) {
    rapidjson::Document doc;
    doc.Parse(req.body.data(), req.body.size());
    if (doc.HasParseError() || !doc.IsObject()) return;  // parse_chat_request accepted it: cannot happen
    for (const char* key : {"max_completion_tokens", "max_tokens"}) {
        auto it = doc.FindMember(key);
        if (it != doc.MemberEnd() && it->value.IsInt64() && it->value.GetInt64() > cap) it->value.SetInt64(cap);
    }
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    doc.Accept(w);
    req.body.assign(sb.GetString(), sb.GetSize());
    req.max_tokens = cap;
}

}  // namespace sy
