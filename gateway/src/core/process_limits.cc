#include "core/process_limits.hpp"

#include <sched.h>
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

namespace sy {
namespace {

std::string read_small_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) return {};
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// "max 100000" (none) or "150000 100000": CPUs, 0 for none.
double v2_quota(const std::string& dir) {
    std::istringstream in(read_small_file(dir + "/cpu.max"));
    std::string quota;
    double period = 0;
    if (!(in >> quota >> period) || quota == "max" || period <= 0) return 0;
    double q = std::atof(quota.c_str());
    return q > 0 ? q / period : 0;
}

double v1_quota(const std::string& dir) {
    double quota = std::atof(read_small_file(dir + "/cpu.cfs_quota_us").c_str());  // -1: none
    double period = std::atof(read_small_file(dir + "/cpu.cfs_period_us").c_str());
    return quota > 0 && period > 0 ? quota / period : 0;
}

// Narrows least (0: no quota yet) to q when q is a quota and a smaller one.
void keep_smallest(double& least, double q) {
    if (q > 0 && (least == 0 || q < least)) least = q;
}

// The smallest quota in dir and the directories above it, down to base.
double smallest_quota(const std::string& base, std::string path, double (*quota_of)(const std::string&)) {
    double least = 0;
    for (;;) {
        keep_smallest(least, quota_of(base + path));
        if (path.empty() || path == "/") return least;
        size_t slash = path.find_last_of('/');
        path = slash == std::string::npos || slash == 0 ? "" : path.substr(0, slash);
    }
}

bool lists_cpu_controller(std::string_view controllers) {
    while (!controllers.empty()) {
        size_t comma = controllers.find(',');
        if (controllers.substr(0, comma) == "cpu") return true;
        if (comma == std::string_view::npos) break;
        controllers.remove_prefix(comma + 1);
    }
    return false;
}

}  // namespace

FdLimit raise_fd_limit() {
    FdLimit out;
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return out;
    out.before = out.now = rl.rlim_cur;
    out.hard = rl.rlim_max;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &rl) == 0) out.now = rl.rlim_max;
    }
    return out;
}

double cgroup_cpu_quota(std::string_view proc_self_cgroup, const std::string& root) {
    double least = 0;
    std::istringstream lines{std::string(proc_self_cgroup)};
    for (std::string line; std::getline(lines, line);) {
        // hierarchy-id:controllers:path
        size_t a = line.find(':'), b = a == std::string::npos ? a : line.find(':', a + 1);
        if (b == std::string::npos) continue;
        std::string_view controllers = std::string_view(line).substr(a + 1, b - a - 1);
        std::string path = line.substr(b + 1);
        if (path == "/") path.clear();
        if (line.compare(0, a, "0") == 0 && controllers.empty()) {  // v2: the unified tree
            keep_smallest(least, smallest_quota(root, path, v2_quota));
            keep_smallest(least, smallest_quota(root + "/unified", path, v2_quota));  // hybrid hosts
        } else if (lists_cpu_controller(controllers)) {
            keep_smallest(least, smallest_quota(root + "/cpu", path, v1_quota));
            keep_smallest(least, smallest_quota(root + "/" + std::string(controllers), path, v1_quota));  // cpu,cpuacct
        }
    }
    return least;
}

int usable_cpus() {
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    int usable = ::sched_getaffinity(0, sizeof cpus, &cpus) == 0 ? CPU_COUNT(&cpus) : 1;
    const double quota = cgroup_cpu_quota(read_small_file("/proc/self/cgroup"), "/sys/fs/cgroup");
    if (quota > 0) usable = std::min(usable, static_cast<int>(std::ceil(quota)));
    return std::max(1, usable);
}

}  // namespace sy
