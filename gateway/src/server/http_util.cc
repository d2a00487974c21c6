#include "server/http_util.hpp"


#include <atomic>
#include <istream>
#include <random>

#include "server/edge_exchange.hpp"


namespace sy::server {
namespace {

bool sane_request_id(const std::string& id) {
    if (id.empty() || id.size() > 128) return false;
    for (char c : id)
        if (c < 0x21 || c > 0x7e) return false;
    return true;
}

void append_hex(std::string& out, size_t n) {
    char buf[20];
    int len = std::snprintf(buf, sizeof buf, "%zx", n);
    out.append(buf, static_cast<size_t>(len));
}

}  // namespace

std::string request_id_for(const Poco::Net::HTTPServerRequest& req) {
    const std::string& given = req.get("x-request-id", Poco::Net::HTTPMessage::EMPTY);
    if (sane_request_id(given)) return given;
    // 48 random bits per process plus a counter: unique without a syscall per request.
    static const uint64_t prefix = std::random_device{}() * 0x9E3779B97F4A7C15ull ^ std::random_device{}();
    static std::atomic<uint64_t> counter{0};
    uint64_t n = counter.fetch_add(1, std::memory_order_relaxed);
    char buf[4 + 12 + 8] = {'r', 'e', 'q', '_'};  // then the prefix's low 48 bits, the counter's low 32, in hex
    auto hex = [](char* at, uint64_t v, int digits) {
        for (int k = digits - 1; k >= 0; --k, v >>= 4) at[k] = "0123456789abcdef"[v & 15];
    };
    hex(buf + 4, prefix, 12);
    hex(buf + 16, n, 8);
    return std::string(buf, sizeof buf);
}

void append_head(const Poco::Net::HTTPServerResponse& resp, std::string& out) {
    out.append("HTTP/1.1 ");
    out.append(std::to_string(static_cast<int>(resp.getStatus())));
    out.push_back(' ');
    out.append(Poco::Net::HTTPResponse::getReasonForStatus(resp.getStatus()));
    out.append("\r\n");
    const auto* edge = dynamic_cast<const EdgeResponse*>(&resp);
    if (edge) edge->run_before_head();
    for (const auto& [name, value] : resp) out.append(name).append(": ").append(value).append("\r\n");
    if (edge)
        for (const auto& [name, value] : edge->own_headers()) out.append(name).append(": ").append(value).append("\r\n");
    out.append("\r\n");
}

bool write_client(Poco::Net::HTTPServerRequest& req, std::string_view data) {
    auto* edge = dynamic_cast<EdgeRequest*>(&req);
    return edge && edge->channel().write(data);
}

void send_json(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp, int status,
               std::string_view body) {
    resp.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    resp.setContentType("application/json");
    resp.setContentLength64(static_cast<Poco::Int64>(body.size()));
    std::string out;
    out.reserve(256 + body.size());
    append_head(resp, out);
    out.append(body);
    if (!write_client(req, out)) resp.setKeepAlive(false);
}

void send_error(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp, const ApiError& err) {
    if (!err.retry_after.empty()) resp.set("Retry-After", err.retry_after);
    if (err.status == 413) resp.setKeepAlive(false);
    AnswerTranslator* t = current_translator();
    send_json(req, resp, err.status, t ? t->error_body(err) : err.to_json());
}

void send_answer(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp, std::string_view body) {
    AnswerTranslator* t = current_translator();
    if (!t) return send_json(req, resp, 200, body);
    send_json(req, resp, 200, t->json(body));
}

namespace {
thread_local AnswerTranslator* t_translator = nullptr;
}  // namespace

AnswerTranslator* current_translator() { return t_translator; }
void swap_current_translator(AnswerTranslator*& other) { std::swap(t_translator, other); }

TranslatorScope::TranslatorScope(AnswerTranslator* t) : previous_(t_translator) { t_translator = t; }
TranslatorScope::~TranslatorScope() { t_translator = previous_; }

void close_if_body_unread(const Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) {
    if ((req.hasContentLength() && req.getContentLength64() > 0) || req.getChunkedTransferEncoding())
        resp.setKeepAlive(false);
}

int client_fd(Poco::Net::HTTPServerRequest& req) {
    auto* edge = dynamic_cast<EdgeRequest*>(&req);
    return edge ? edge->channel().fd() : -1;
}

std::optional<ApiError> read_body(Poco::Net::HTTPServerRequest& req, int64_t limit, std::string& body) {
    if (req.hasContentLength()) {
        int64_t len = req.getContentLength64();
        if (len > limit) return ApiError::payload_too_large(limit);
        body.resize(static_cast<size_t>(len));
        req.stream().read(body.data(), len);
        if (req.stream().gcount() != len) return ApiError::bad_request("Request body ended early", {}, "incomplete_body");
        return std::nullopt;
    }
    char buf[16 * 1024];
    std::istream& in = req.stream();
    while (in) {
        in.read(buf, sizeof buf);
        body.append(buf, static_cast<size_t>(in.gcount()));
        if (static_cast<int64_t>(body.size()) > limit) return ApiError::payload_too_large(limit);
    }
    return std::nullopt;
}

void SseSink::start() {
    resp_.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
    resp_.setContentType("text/event-stream");
    resp_.set("Cache-Control", "no-cache");
    resp_.set("X-Accel-Buffering", "no");
    resp_.setChunkedTransferEncoding(true);
    started_ = true;
}

bool SseSink::send_chunk(std::string_view frames, bool last) {
    out_.clear();
    if (!head_sent_) {
        append_head(resp_, out_);
        head_sent_ = true;
    }
    if (!frames.empty()) {
        append_hex(out_, frames.size());
        out_.append("\r\n").append(frames).append("\r\n");
    }
    if (last) out_.append("0\r\n\r\n");
    if (out_.empty()) return true;
    if (write_client(req_, out_)) return true;
    resp_.setKeepAlive(false);
    return false;
}

void SseSink::count(std::string_view frames) {
    for (size_t at = frames.find("data:"); at != std::string_view::npos; at = frames.find("data:", at + 5)) ++events_;
}

bool SseSink::write(std::string& frames) {
    count(frames);
    if (AnswerTranslator* t = current_translator()) t->frames(frames);
    bool ok = send_chunk(frames, false);
    frames.clear();
    return ok;
}

void SseSink::error_event(std::string& frames, const ApiError& e) {
    count(frames);
    if (AnswerTranslator* t = current_translator()) {
        t->frames(frames);
        frames.append(t->error_event(e));
        send_chunk(frames, true);
        frames.clear();
        return;
    }
    frames.append("data: ").append(e.to_json()).append("\n\n");
    send_chunk(frames, true);
    frames.clear();
}

void SseSink::done(std::string& frames) {
    count(frames);
    if (AnswerTranslator* t = current_translator()) {
        t->frames(frames);
        frames.append(t->done());
    } else {
        frames.append("data: [DONE]\n\n");
    }
    send_chunk(frames, true);
    frames.clear();
}

}  // namespace sy::server
