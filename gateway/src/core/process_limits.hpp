// What the process may use of the machine: descriptors and CPUs. Read (and the descriptor limit
// raised) once at start; the edge sizes its worker floor from the CPUs, and an instance meant to
// hold many streams needs two descriptors for each.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sy {

struct FdLimit {
    uint64_t before = 0;  // the soft limit the process started with
    uint64_t now = 0;     // the soft limit after raising it
    uint64_t hard = 0;
};

// Raises the soft descriptor limit to the hard one, as servers commonly do at start (systemd's
// default soft limit of 1,024 stays for programs that use select(); we use epoll).
FdLimit raise_fd_limit();

// CPUs this process may run on: its affinity mask, narrowed by a cgroup CPU quota (a container
// limited to 1.5 CPUs on a 64-CPU host counts 2). At least 1.
int usable_cpus();

// The CPU quota of the cgroup that /proc/self/cgroup's text names, looked up under root
// (normally /sys/fs/cgroup): cgroup v2's cpu.max or v1's cpu.cfs_quota_us over
// cpu.cfs_period_us, in that cgroup or any above it, the smallest. 0 when there is none.
double cgroup_cpu_quota(std::string_view proc_self_cgroup, const std::string& root);

}  // namespace sy
