#include "server/restoring_translator.hpp"

#include <cstdlib>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace sy::server {
namespace {

using Value = rapidjson::Value;

std::string to_json(const Value& v) {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    v.Accept(w);
    return std::string(sb.GetString(), sb.GetSize());
}

}  // namespace

std::string RestoringTranslator::json(std::string_view openai_body) {
    std::string restored = placeholders_.restore(openai_body, true);
    return inner_ ? inner_->json(restored) : restored;
}

bool RestoringTranslator::restore_chunk(std::string_view json, std::string& out) {
    rapidjson::Document doc;
    doc.Parse(json.data(), json.size());
    if (doc.HasParseError() || !doc.IsObject()) return false;
    auto choices = doc.FindMember("choices");
    if (choices == doc.MemberEnd() || !choices->value.IsArray()) return false;
    auto& alloc = doc.GetAllocator();
    bool changed = false;
    // Restores one string field of the chunk, keeping back what may start a placeholder.
    auto restore_field = [&](Value& field, const std::string& channel, bool last) {
        std::string& held = held_[channel];
        if (!field.IsString() || (held.empty() && !last && std::string_view(field.GetString()).find('[') == std::string_view::npos))
            return;
        std::string text = held + std::string(field.GetString(), field.GetStringLength());
        size_t keep = last ? 0 : placeholders_.incomplete_suffix(text);
        held = text.substr(text.size() - keep);
        std::string restored = placeholders_.restore(std::string_view(text).substr(0, text.size() - keep), false);
        field.SetString(restored.data(), static_cast<rapidjson::SizeType>(restored.size()), alloc);
        changed = true;
    };
    for (Value& choice : choices->value.GetArray()) {
        if (!choice.IsObject()) continue;
        auto index = choice.FindMember("index");
        std::string prefix = std::to_string(index != choice.MemberEnd() && index->value.IsInt() ? index->value.GetInt() : 0);
        auto finish = choice.FindMember("finish_reason");
        const bool last = finish != choice.MemberEnd() && finish->value.IsString();
        auto delta = choice.FindMember("delta");
        if (delta == choice.MemberEnd() || !delta->value.IsObject()) continue;
        auto content = delta->value.FindMember("content");
        if (content != delta->value.MemberEnd()) restore_field(content->value, prefix, last);
        else if (last && !held_[prefix].empty()) {  // the finish chunk carries what was held back
            delta->value.AddMember("content", Value(held_[prefix].c_str(), alloc), alloc);
            held_[prefix].clear();
            changed = true;
        }
        auto calls = delta->value.FindMember("tool_calls");
        if (calls == delta->value.MemberEnd() || !calls->value.IsArray()) continue;
        for (Value& call : calls->value.GetArray()) {
            auto fn = call.IsObject() ? call.FindMember("function") : call.MemberEnd();
            if (fn == call.MemberEnd() || !fn->value.IsObject()) continue;
            auto args = fn->value.FindMember("arguments");
            auto ci = call.FindMember("index");
            std::string channel = prefix + "/" + std::to_string(ci != call.MemberEnd() && ci->value.IsInt() ? ci->value.GetInt() : 0);
            if (args != fn->value.MemberEnd()) restore_field(args->value, channel, last);
        }
    }
    if (changed) out = to_json(doc);
    return changed;
}

void RestoringTranslator::frames(std::string& sse) {
    bool holding = false;
    for (const auto& [channel, text] : held_) holding |= !text.empty();
    if (holding || sse.find('[') != std::string::npos) {
        std::string out;
        out.reserve(sse.size());
        size_t pos = 0;
        while (pos < sse.size()) {
            size_t end = sse.find("\n\n", pos);
            end = end == std::string::npos ? sse.size() : end + 2;
            std::string_view event(sse.data() + pos, end - pos);
            std::string rewritten;
            if (event.starts_with("data: {")) {
                size_t json_end = event.find_last_of('}');
                if (json_end != std::string_view::npos && restore_chunk(event.substr(6, json_end - 5), rewritten)) {
                    out.append("data: ").append(rewritten).append(event.substr(json_end + 1));
                    pos = end;
                    continue;
                }
            }
            out.append(event);
            pos = end;
        }
        sse.swap(out);
    }
    if (inner_) inner_->frames(sse);
}

std::string RestoringTranslator::flush() {
    std::string out;
    for (auto& [channel, text] : held_) {
        if (text.empty() || channel.find('/') != std::string::npos) continue;  // tool arguments end with their call
        rapidjson::Document chunk(rapidjson::kObjectType);
        auto& alloc = chunk.GetAllocator();
        Value choice(rapidjson::kObjectType);
        choice.AddMember("index", static_cast<int>(std::strtol(channel.c_str(), nullptr, 10)), alloc);
        Value delta(rapidjson::kObjectType);
        delta.AddMember("content", Value(text.c_str(), alloc), alloc);
        choice.AddMember("delta", delta, alloc);
        Value choices(rapidjson::kArrayType);
        choices.PushBack(choice, alloc);
        chunk.AddMember("object", "chat.completion.chunk", alloc);
        chunk.AddMember("choices", choices, alloc);
        out.append("data: ").append(to_json(chunk)).append("\n\n");
        text.clear();
    }
    if (inner_ && !out.empty()) inner_->frames(out);
    return out;
}

std::string RestoringTranslator::done() {
    std::string out = flush();
    return out + (inner_ ? inner_->done() : std::string("data: [DONE]\n\n"));
}

std::string RestoringTranslator::error_event(const ApiError& e) {
    return inner_ ? inner_->error_event(e) : "data: " + e.to_json() + "\n\n";
}

std::string RestoringTranslator::error_body(const ApiError& e) { return inner_ ? inner_->error_body(e) : e.to_json(); }

}  // namespace sy::server
