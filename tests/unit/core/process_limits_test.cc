// core/process_limits: the descriptor limit raised to the hard one, and the CPUs a process may
// use, its affinity narrowed by a cgroup CPU quota (v2 cpu.max, v1 cfs quota over period, in its
// cgroup or any above it), read from a made-up cgroup tree.
#include "core/process_limits.hpp"

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace sy {
namespace {

namespace fs = std::filesystem;

class CgroupTree : public ::testing::Test {
protected:
    void SetUp() override {
        root_ = fs::temp_directory_path() / ("sy-cgroup-" + std::to_string(::getpid()) + "-" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(root_);
    }
    void TearDown() override { fs::remove_all(root_); }
    void write(const std::string& relative, const std::string& text) {
        fs::path p = root_ / relative;
        fs::create_directories(p.parent_path());
        std::ofstream(p) << text;
    }
    double quota(const std::string& proc_self_cgroup) { return cgroup_cpu_quota(proc_self_cgroup, root_.string()); }

    fs::path root_;
};

TEST_F(CgroupTree, AV2QuotaIsQuotaOverPeriod) {
    write("cpu.max", "max 100000\n");
    write("kubepods/pod1/cpu.max", "150000 100000\n");
    EXPECT_DOUBLE_EQ(quota("0::/kubepods/pod1\n"), 1.5);
}

TEST_F(CgroupTree, ANarrowerQuotaAboveTheProcesssCgroupCounts) {
    write("a/cpu.max", "50000 100000\n");
    write("a/b/cpu.max", "max 100000\n");
    EXPECT_DOUBLE_EQ(quota("0::/a/b\n"), 0.5);
}

TEST_F(CgroupTree, AV1QuotaIsReadFromTheCpuHierarchy) {
    write("cpu/docker/x/cpu.cfs_quota_us", "200000\n");
    write("cpu/docker/x/cpu.cfs_period_us", "100000\n");
    write("cpu/cpu.cfs_quota_us", "-1\n");
    write("cpu/cpu.cfs_period_us", "100000\n");
    EXPECT_DOUBLE_EQ(quota("12:memory:/docker/x\n4:cpu,cpuacct:/docker/x\n0::/\n"), 2.0);
}

TEST_F(CgroupTree, NoQuotaIsZero) {
    write("cpu.max", "max 100000\n");
    write("cpu/cpu.cfs_quota_us", "-1\n");
    write("cpu/cpu.cfs_period_us", "100000\n");
    EXPECT_EQ(quota("1:cpu:/\n0::/\n"), 0);
    EXPECT_EQ(quota(""), 0);
    EXPECT_EQ(quota("garbage without colons\n"), 0);
}

TEST(ProcessLimitsTest, UsableCpusAreAtMostTheAffinityMaskAndAtLeastOne) {
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    ASSERT_EQ(::sched_getaffinity(0, sizeof cpus, &cpus), 0);
    EXPECT_GE(usable_cpus(), 1);
    EXPECT_LE(usable_cpus(), CPU_COUNT(&cpus));
}

TEST(ProcessLimitsTest, TheSoftDescriptorLimitIsRaisedToTheHardOne) {
    rlimit rl{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &rl), 0);
    ASSERT_GT(rl.rlim_max, 64u);
    rlimit lowered = rl;
    lowered.rlim_cur = 64;
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);
    FdLimit got = raise_fd_limit();
    EXPECT_EQ(got.before, 64u);
    EXPECT_EQ(got.now, rl.rlim_max);
    EXPECT_EQ(got.hard, rl.rlim_max);
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &rl), 0);
    EXPECT_EQ(rl.rlim_cur, rl.rlim_max);
}

}  // namespace
}  // namespace sy
