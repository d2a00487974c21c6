// process_* metrics from /proc/self, read at scrape time (nothing is sampled in between).
#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <switchyard/metrics.hpp>

namespace sy::metrics {
namespace {

void gauge(std::string& out, const char* name, const char* type, const char* help, double value) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", value);
    out.append("# HELP ").append(name).append(" ").append(help).append("\n# TYPE ").append(name).append(" ");
    out.append(type).append("\n").append(name).append(" ").append(buf).append("\n");
}

int open_fds() {
    int n = 0;
    if (DIR* d = opendir("/proc/self/fd")) {
        while (readdir(d)) ++n;
        closedir(d);
    }
    return n > 2 ? n - 3 : 0;  // ".", ".." and the descriptor of the listing itself
}

}  // namespace

void render_process_metrics(std::string& out) {
    std::ifstream stat_file("/proc/self/stat");
    std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
    size_t paren = stat.rfind(')');
    if (paren == std::string::npos) return;
    std::istringstream fields(stat.substr(paren + 2));
    // Fields after the command name, from 3 (state) on: utime is 14, stime 15, num_threads 20,
    // starttime 22, rss 24 (pages).
    std::string f[22];
    for (auto& x : f) fields >> x;
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
    double cpu = (std::stod(f[11]) + std::stod(f[12])) / ticks;
    double threads = std::stod(f[17]);
    double start_ticks = std::stod(f[19]);
    double rss = std::stod(f[21]) * page;
    double boot = 0;
    std::ifstream proc_stat("/proc/stat");
    for (std::string line; std::getline(proc_stat, line);)
        if (line.starts_with("btime ")) boot = std::stod(line.substr(6));
    gauge(out, "process_cpu_seconds_total", "counter", "User and system CPU time spent in seconds", cpu);
    gauge(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes", rss);
    gauge(out, "process_threads", "gauge", "Number of OS threads", threads);
    gauge(out, "process_open_fds", "gauge", "Number of open file descriptors", open_fds());
    gauge(out, "process_start_time_seconds", "gauge", "Start time of the process since the epoch in seconds",
          boot + start_ticks / ticks);
}

}  // namespace sy::metrics
