// The upstream HTTP client against a scripted TCP server on loopback.
#include "upstream/http_exchange.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

namespace sy::upstream {
namespace {

// Accepts connections; for each request calls the script, which writes raw response bytes.
class ScriptedServer {
public:
    using Script = std::function<void(int fd, int request_no)>;
    explicit ScriptedServer(Script script) : script_(std::move(script)) {
        listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        ::listen(listen_fd_, 16);
        socklen_t len = sizeof addr;
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] { run(); });
    }
    ~ScriptedServer() {
        stop_ = true;
        ::shutdown(listen_fd_, SHUT_RDWR);
        ::close(listen_fd_);
        thread_.join();
    }
    int port() const { return port_; }
    int connections() const { return connections_; }

private:
    void run() {
        int request_no = 0;
        while (!stop_) {
            int fd = ::accept(listen_fd_, nullptr, nullptr);
            if (fd < 0) return;
            ++connections_;
            std::string buf;
            char tmp[4096];
            for (;;) {
                size_t end = buf.find("\r\n\r\n");
                if (end != std::string::npos) {
                    size_t cl = buf.find("Content-Length: ");
                    size_t body_len = cl == std::string::npos ? 0 : std::stoul(buf.substr(cl + 16));
                    if (buf.size() >= end + 4 + body_len) {
                        buf.erase(0, end + 4 + body_len);
                        script_(fd, request_no++);
                        continue;
                    }
                }
                ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
                if (n <= 0) break;
                buf.append(tmp, static_cast<size_t>(n));
            }
            ::close(fd);
        }
    }

    Script script_;
    int listen_fd_;
    int port_ = 0;
    std::atomic<int> connections_{0};
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

void send_all(int fd, const std::string& s) { ::send(fd, s.data(), s.size(), MSG_NOSIGNAL); }

Endpoint local(int port) {
    std::string err;
    return *parse_base_url("http://127.0.0.1:" + std::to_string(port) + "/v1", err);
}

sy_http_builder post(const std::string& body) {
    sy_http_builder b;
    b.path = "/chat/completions";
    b.body = body;
    return b;
}

config::TimeoutConfig fast_timeouts() {
    config::TimeoutConfig t;
    t.connect_ms = 1000;
    t.first_byte_ms = 300;
    t.idle_ms = 300;
    t.total_ms = 5000;
    return t;
}

TEST(HttpExchangeTest, ReadsContentLengthBodyAndReusesConnection) {
    ScriptedServer server([](int fd, int) { send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"); });
    ConnectionPool pool(local(server.port()), 4, nullptr);
    auto t = fast_timeouts();
    for (int i = 0; i < 3; ++i) {
        HttpExchange ex(pool, t, -1);
        ExchangeError err;
        ASSERT_TRUE(ex.start(post("{}"), err)) << err.message;
        EXPECT_EQ(ex.head().status, 200);
        std::string body;
        ASSERT_TRUE(ex.read_all(body, 1024, err)) << err.message;
        EXPECT_EQ(body, "hello");
    }
    EXPECT_EQ(server.connections(), 1);
    EXPECT_EQ(pool.idle_count(), 1u);
}

TEST(HttpExchangeTest, DecodesChunkedBodyArrivingInPieces) {
    ScriptedServer server([](int fd, int) {
        send_all(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/event-stream\r\n\r\n5\r\nda");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        send_all(fd, "ta:\r\n3;ext=1\r\n x\n\r\n0\r\n\r\n");
    });
    ConnectionPool pool(local(server.port()), 4, nullptr);
    auto t = fast_timeouts();
    HttpExchange ex(pool, t, -1);
    ExchangeError err;
    ASSERT_TRUE(ex.start(post("{}"), err));
    EXPECT_EQ(ex.head().content_type, "text/event-stream");
    std::string body;
    bool done = false;
    int reads = 0;
    while (!done) {
        ASSERT_TRUE(ex.read_some(body, &done, err)) << err.message;
        ++reads;
    }
    EXPECT_EQ(body, "data: x\n");
    EXPECT_GE(reads, 2);
    EXPECT_EQ(pool.idle_count(), 1u);
}

TEST(HttpExchangeTest, ReadsBodyDelimitedByClose) {
    ScriptedServer server([](int fd, int) {
        send_all(fd, "HTTP/1.1 200 OK\r\n\r\nuntil close");
        ::shutdown(fd, SHUT_WR);
    });
    ConnectionPool pool(local(server.port()), 4, nullptr);
    auto t = fast_timeouts();
    HttpExchange ex(pool, t, -1);
    ExchangeError err;
    ASSERT_TRUE(ex.start(post("{}"), err));
    std::string body;
    ASSERT_TRUE(ex.read_all(body, 1024, err)) << err.message;
    EXPECT_EQ(body, "until close");
    EXPECT_EQ(pool.idle_count(), 0u);
}

TEST(HttpExchangeTest, RetriesOnceWhenAPooledConnectionWasClosed) {
    ScriptedServer server([](int fd, int) {
        send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        ::shutdown(fd, SHUT_RDWR);  // closes after each answer without saying so
    });
    ConnectionPool pool(local(server.port()), 4, nullptr);
    auto t = fast_timeouts();
    for (int i = 0; i < 2; ++i) {
        HttpExchange ex(pool, t, -1);
        ExchangeError err;
        ASSERT_TRUE(ex.start(post("{}"), err)) << "request " << i << ": " << err.message;
        std::string body;
        ASSERT_TRUE(ex.read_all(body, 1024, err));
        EXPECT_EQ(body, "ok");
    }
    EXPECT_EQ(server.connections(), 2);
}

TEST(HttpExchangeTest, TimesOutWaitingForFirstByte) {
    ScriptedServer server([](int, int) { std::this_thread::sleep_for(std::chrono::milliseconds(600)); });
    ConnectionPool pool(local(server.port()), 4, nullptr);
    auto t = fast_timeouts();
    HttpExchange ex(pool, t, -1);
    ExchangeError err;
    EXPECT_FALSE(ex.start(post("{}"), err));
    EXPECT_EQ(err.status, IoStatus::timeout);
}

TEST(HttpExchangeTest, StopsWhenTheClientSocketCloses) {
    ScriptedServer server([](int, int) { std::this_thread::sleep_for(std::chrono::milliseconds(600)); });
    int pair[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
    std::thread closer([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        ::close(pair[1]);
    });
    ConnectionPool pool(local(server.port()), 4, nullptr);
    auto t = fast_timeouts();
    t.first_byte_ms = 5000;
    HttpExchange ex(pool, t, pair[0]);
    ExchangeError err;
    auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(ex.start(post("{}"), err));
    EXPECT_EQ(err.status, IoStatus::cancelled);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
    closer.join();
    ::close(pair[0]);
}

TEST(HttpExchangeTest, RejectsMalformedStatusLine) {
    ScriptedServer server([](int fd, int) { send_all(fd, "HTTX/1.1 abc\r\n\r\n"); });
    ConnectionPool pool(local(server.port()), 4, nullptr);
    auto t = fast_timeouts();
    HttpExchange ex(pool, t, -1);
    ExchangeError err;
    EXPECT_FALSE(ex.start(post("{}"), err));
    EXPECT_NE(err.message.find("malformed"), std::string::npos);
}

TEST(HttpExchangeTest, ReportsConnectFailure) {
    ConnectionPool pool(local(1), 4, nullptr);  // nothing listens on port 1
    auto t = fast_timeouts();
    HttpExchange ex(pool, t, -1);
    ExchangeError err;
    EXPECT_FALSE(ex.start(post("{}"), err));
    EXPECT_NE(err.message.find("cannot connect"), std::string::npos) << err.message;
}

TEST(HttpExchangeTest, RefusesARedirectWithoutFollowingIt) {
    ScriptedServer server([](int fd, int) {
        send_all(fd, "HTTP/1.1 302 Found\r\nLocation: http://u:p@169.254.169.254:80/latest?token=x\r\n"
                     "Content-Length: 0\r\n\r\n");
    });
    ConnectionPool pool(local(server.port()), 4, nullptr);
    auto t = fast_timeouts();
    HttpExchange ex(pool, t, -1);
    ExchangeError err;
    EXPECT_FALSE(ex.start(post("{}"), err));
    EXPECT_EQ(err.kind, ExchangeFailure::redirect);
    EXPECT_EQ(err.message, "upstream answered 302 redirecting to host '169.254.169.254:80'; redirects are not followed");
    EXPECT_EQ(ex.head().location, "http://u:p@169.254.169.254:80/latest?token=x");
}

TEST(HttpExchangeTest, NamesOnlyTheHostARedirectPointsTo) {
    EXPECT_EQ(redirect_target("https://evil.example/x?key=secret"), "redirecting to host 'evil.example'");
    EXPECT_EQ(redirect_target("/v2/chat/completions"), "redirecting to a path on the same host");
    EXPECT_EQ(redirect_target("/next?u=http://x"), "redirecting to a path on the same host");
    EXPECT_EQ(redirect_target(""), "without a Location");
}

TEST(HttpExchangeTest, SerializesRequestWithBasePathAndLength) {
    std::string err;
    auto ep = parse_base_url("http://h:81/v1", err);
    sy_http_builder b = post("{\"a\":1}");
    b.headers.emplace_back("Authorization", "Bearer k");
    b.headers.emplace_back("Content-Length", "999");  // the host sets the real one
    std::string wire = serialize_request(*ep, b);
    EXPECT_EQ(wire,
              "POST /v1/chat/completions HTTP/1.1\r\nHost: h:81\r\nAuthorization: Bearer k\r\n"
              "Content-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}");
}

}  // namespace
}  // namespace sy::upstream
