// The edge's write path and Poco request/response objects over a socket pair: a client that
// does not read is cut after the write deadline, send() collects head and body, the body
// stream reads the received bytes.
#include "server/edge_exchange.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

namespace sy::server {
namespace {

struct Pair {
    int server = -1, client = -1;
    Pair() {
        int fds[2];
        EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
        server = fds[0];
        client = fds[1];
        ::fcntl(server, F_SETFL, ::fcntl(server, F_GETFL) | O_NONBLOCK);  // as the edge keeps them
    }
    ~Pair() {
        ::close(server);
        ::close(client);
    }
    std::string read_all() {
        std::string out;
        char buf[4096];
        for (ssize_t n; (n = ::recv(client, buf, sizeof buf, MSG_DONTWAIT)) > 0;)
            out.append(buf, static_cast<size_t>(n));
        return out;
    }
};

TEST(ClientChannelTest, CutsAClientThatDoesNotRead) {
    Pair p;
    ClientChannel channel(p.server, 50);
    const std::string big(8 << 20, 'x');  // far more than the socket buffers hold
    EXPECT_FALSE(channel.write(big));
    EXPECT_TRUE(channel.timed_out());
    EXPECT_TRUE(channel.failed());
    EXPECT_LT(channel.written(), big.size());
    EXPECT_FALSE(channel.write("more")) << "a cut client stays cut";
}

TEST(ClientChannelTest, WritesEverythingToAClientThatReads) {
    Pair p;
    const std::string big(4 << 20, 'y');
    size_t got = 0;
    std::thread reader([&] {
        char buf[65536];
        for (ssize_t n; got < big.size() && (n = ::recv(p.client, buf, sizeof buf, 0)) > 0;)
            got += static_cast<size_t>(n);
    });
    ClientChannel channel(p.server, 10000);
    EXPECT_TRUE(channel.write(big));
    reader.join();
    EXPECT_EQ(got, big.size());
    EXPECT_EQ(channel.written(), big.size());
    EXPECT_FALSE(channel.timed_out());
}

TEST(ClientChannelTest, FailsAtOnceWhenTheClientIsGone) {
    Pair p;
    ::close(p.client);
    p.client = ::socket(AF_UNIX, SOCK_STREAM, 0);  // keeps the destructor's close harmless
    ClientChannel channel(p.server, 10000);
    EXPECT_FALSE(channel.write("hello"));
    EXPECT_FALSE(channel.timed_out());
}

TEST(EdgeResponseTest, SendCollectsTheHeadAndBodyUntilFlush) {
    Pair p;
    ClientChannel channel(p.server, 1000);
    EdgeResponse resp(channel);
    resp.setKeepAlive(true);
    resp.setContentType("text/plain");
    resp.setContentLength(5);
    resp.send() << "hello";
    EXPECT_TRUE(resp.sent());
    EXPECT_EQ(p.read_all(), "") << "nothing goes out before the handler returns";
    EXPECT_TRUE(resp.flush());
    std::string out = p.read_all();
    EXPECT_EQ(out.substr(0, 17), "HTTP/1.1 200 OK\r\n");
    EXPECT_NE(out.find("Content-Length: 5\r\n"), std::string::npos) << out;
    EXPECT_EQ(out.substr(out.size() - 9), "\r\n\r\nhello");
    EXPECT_TRUE(resp.getKeepAlive());
}

TEST(EdgeResponseTest, SendWithoutALengthClosesTheConnection) {
    Pair p;
    ClientChannel channel(p.server, 1000);
    EdgeResponse resp(channel);
    resp.setKeepAlive(true);
    resp.send() << "until close";
    EXPECT_FALSE(resp.getKeepAlive());
    EXPECT_TRUE(resp.flush());
    EXPECT_NE(p.read_all().find("Connection: Close"), std::string::npos);  // Poco's spelling
}

TEST(EdgeResponseTest, SendBufferWritesAtOnceWithItsLength) {
    Pair p;
    ClientChannel channel(p.server, 1000);
    EdgeResponse resp(channel);
    resp.sendBuffer("abc", 3);
    std::string out = p.read_all();
    EXPECT_NE(out.find("Content-Length: 3\r\n"), std::string::npos) << out;
    EXPECT_EQ(out.substr(out.size() - 3), "abc");
}

TEST(BodyStreamTest, ReadsTheGivenBytesThenEnds) {
    BodyStream s;
    const std::string first = "first body", second = "2nd";
    s.reset(first);
    std::string got((std::istreambuf_iterator<char>(s)), std::istreambuf_iterator<char>());
    EXPECT_EQ(got, first);
    s.reset(second);
    char buf[16];
    s.read(buf, sizeof buf);
    EXPECT_EQ(std::string(buf, static_cast<size_t>(s.gcount())), second);
    EXPECT_TRUE(s.eof());
}

}  // namespace
}  // namespace sy::server
