#include "server/edge_exchange.hpp"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Timestamp.h>

#include <ctime>
#include <fstream>
#include <iterator>

#include "server/http_util.hpp"

namespace sy::server {

void BodyStream::reset(std::string_view bytes) {
    buf_.point(bytes);
    clear();
}

bool EdgeResponse::flush() {
    if (!body_) return !channel_.failed();
    std::string body = body_->str();
    body_.reset();
    return channel_.write(body);
}

void EdgeResponse::sendContinue() {
    channel_.write("HTTP/1.1 100 Continue\r\n\r\n");
}

std::ostream& EdgeResponse::send() {
    // Without a length or chunking the body ends where the connection does.
    if (!hasContentLength() && !getChunkedTransferEncoding()) setKeepAlive(false);
    send_called_ = true;
    std::string head;
    append_head(*this, head);
    body_ = std::make_unique<std::ostringstream>();
    *body_ << head;
    return *body_;
}

void EdgeResponse::sendBuffer(const void* buffer, std::size_t length) {
    setContentLength(static_cast<std::streamsize>(length));
    send_called_ = true;
    std::string out;
    append_head(*this, out);
    out.append(static_cast<const char*>(buffer), length);
    if (!channel_.write(out)) setKeepAlive(false);
}

void EdgeResponse::sendFile(const std::string& path, const std::string& mediaType) {
    std::ifstream in(path, std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    setContentType(mediaType);
    sendBuffer(data.data(), data.size());
}

void EdgeResponse::redirect(const std::string& uri, HTTPStatus status) {
    setStatusAndReason(status);
    set("Location", uri);
    sendBuffer(nullptr, 0);
}

void EdgeResponse::requireAuthentication(const std::string& realm) {
    setStatusAndReason(HTTP_UNAUTHORIZED);
    set("WWW-Authenticate", "Basic realm=\"" + realm + "\"");
    sendBuffer(nullptr, 0);
}

const std::string& http_date_now() {
    thread_local std::time_t at = 0;
    thread_local std::string text;
    std::time_t now = std::time(nullptr);
    if (now != at) {
        at = now;
        text = Poco::DateTimeFormatter::format(Poco::Timestamp::fromEpochTime(now), Poco::DateTimeFormat::HTTP_FORMAT);
    }
    return text;
}

}  // namespace sy::server
