// core/fiber: a context runs on its own stack and switches back and forth with the thread's;
// poll() parks only on a fiber inside a ParkingScope and is plain poll(2) elsewhere.
#include "core/fiber.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace sy::fiber {
namespace {

struct PingPong {
    Context main, side;
    Stack stack{256 * 1024};
    std::string trace;
    const void* main_bottom = nullptr;
    size_t main_size = 0;

    void to_side() {
        void* fake = nullptr;
        start_switch(&fake, stack.bottom(), stack.size());
        switch_context(main, side);
        finish_switch(fake, nullptr, nullptr);
    }
    void to_main(bool last) {
        void* fake = nullptr;
        start_switch(last ? nullptr : &fake, main_bottom, main_size);
        switch_context(side, main);
        finish_switch(fake, &main_bottom, &main_size);
    }
};

// Deep enough to use the stack, and with floating point and callee-saved values live across
// the switches, which must survive them.
double side_work(PingPong& p, int depth) {
    char frame[512];
    std::memset(frame, depth, sizeof frame);
    double x = depth * 1.5;
    if (depth > 0) x += side_work(p, depth - 1);
    if (depth == 3) {
        p.trace += "side-deep ";
        p.to_main(false);
        p.trace += "side-again ";
    }
    return x + frame[depth % sizeof frame];
}

void side_entry(void* arg) {
    auto& p = *static_cast<PingPong*>(arg);
    finish_switch(nullptr, &p.main_bottom, &p.main_size);
    p.trace += "side-start ";
    double r = side_work(p, 8);
    p.trace += "side-end=" + std::to_string(static_cast<int>(r)) + " ";
    p.to_main(true);
}

TEST(FiberTest, AContextSwitchesToItsOwnStackAndBackKeepingEachSidesState) {
    PingPong p;
    ASSERT_TRUE(p.stack.ok());
    prepare(p.side, p.stack, &side_entry, &p);
    double live = 2.25;  // kept across the switches in a register or this frame
    p.trace += "main ";
    p.to_side();
    p.trace += "main-between ";
    live *= 2;
    p.to_side();
    p.trace += "main-end";
    // side_work(8) sums depth*1.5 for 0..8 (54) plus each frame's fill byte (8+7+...+0 = 36)
    EXPECT_EQ(p.trace, "main side-start side-deep main-between side-again side-end=90 main-end");
    EXPECT_EQ(live, 4.5);
}

TEST(FiberTest, AStackIsMappedWithRoomAndCanGiveItsPagesBack) {
    Stack s(100 * 1024);
    ASSERT_TRUE(s.ok());
    EXPECT_GE(s.size(), 100u * 1024);
    auto* bytes = static_cast<char*>(s.bottom());
    bytes[0] = 7;
    bytes[s.size() - 1] = 9;
    s.release_pages();
    EXPECT_EQ(bytes[0], 0) << "released pages read back as zeros";
    EXPECT_EQ(bytes[s.size() - 1], 0);
}

TEST(FiberTest, PollOutsideAFiberIsPlainPoll) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pollfd p{fds[0], POLLIN, 0};
    {
        ParkingScope parking;  // no fiber runs here: nothing to park
        EXPECT_EQ(parker(), nullptr);
        EXPECT_EQ(fiber::poll(&p, 1, 10), 0) << "times out like poll";
    }
    ASSERT_EQ(::write(fds[1], "x", 1), 1);
    EXPECT_EQ(fiber::poll(&p, 1, 1000), 1);
    EXPECT_TRUE(p.revents & POLLIN);
    ::close(fds[0]);
    ::close(fds[1]);
}

// A parker that records what it was asked and answers as if fd 0 became readable.
class RecordingParker final : public Parker {
public:
    int park(void* fiber, pollfd* fds, nfds_t n, int64_t deadline_ms) override {
        ++calls;
        last_fiber = fiber;
        last_deadline = deadline_ms;
        fds[0].revents = POLLIN;
        for (nfds_t i = 1; i < n; ++i) fds[i].revents = 0;
        return 1;
    }
    int calls = 0;
    void* last_fiber = nullptr;
    int64_t last_deadline = 0;
};

TEST(FiberTest, PollParksOnlyInsideAParkingScope) {
    RecordingParker parker_;
    bool allowed = false;
    int self = 0;
    set_running({&parker_, &self, &allowed});
    pollfd p{-1, POLLIN, 0};
    EXPECT_EQ(fiber::poll(&p, 1, 0), 0) << "a zero timeout never parks";
    {
        ParkingScope parking;
        EXPECT_EQ(fiber::poll(&p, 1, 5000), 1);
        EXPECT_EQ(parker_.calls, 1);
        EXPECT_EQ(parker_.last_fiber, &self);
        EXPECT_GT(parker_.last_deadline, 0);
        {
            ParkingScope forbidden(false);  // code not audited for parking, called from inside
            EXPECT_EQ(parker(), nullptr);
        }
        EXPECT_EQ(parker(), &parker_) << "the outer scope allows again";
        EXPECT_EQ(fiber::poll(&p, 1, -1), 1);
        EXPECT_EQ(parker_.last_deadline, -1) << "no timeout: no deadline";
    }
    EXPECT_FALSE(allowed);
    EXPECT_EQ(parker(), nullptr);
    set_running({});
}

TEST(FiberTest, LastErrnoReadsTheCurrentValue) {
    errno = EAGAIN;
    EXPECT_EQ(last_errno(), EAGAIN);
    errno = 0;
    EXPECT_EQ(last_errno(), 0);
}

}  // namespace
}  // namespace sy::fiber
