// Child processes for tests: started with fork/exec, stopped by PID, never left behind.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace sy::test {

class Process {
public:
    // Starts argv[0] with args; stdout and stderr go to log_path.
    Process(const std::vector<std::string>& argv, const std::string& log_path);
    ~Process();  // SIGKILL if still running
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    pid_t pid() const { return pid_; }
    bool running();
    // Sends a signal; returns false when the process is already gone.
    bool signal(int sig);
    // Waits up to timeout_ms for exit; returns the exit code, or -1 on timeout, 128+N on signal N.
    int wait(int timeout_ms);
    // SIGTERM, wait, then SIGKILL.
    int stop(int timeout_ms = 5000);
    std::string log() const;

private:
    pid_t pid_ = -1;
    int status_ = -1;
    bool reaped_ = false;
    std::string log_path_;
};

// Runs a shell command and returns what it printed (stdout and stderr).
std::string capture(const std::string& shell_command);

// A TCP port that was free a moment ago on 127.0.0.1.
int free_port();
// Waits until something accepts connections on 127.0.0.1:port.
bool wait_for_port(int port, int timeout_ms);
// A fresh temporary directory, removed by the caller with remove_tree.
std::string make_temp_dir();
void remove_tree(const std::string& dir);
void write_file(const std::string& path, const std::string& content);
std::string read_file(const std::string& path);
// The complete, non-empty lines of a file that a process appends to (an access log), once at
// least `at_least` of them contain `containing` (all lines when empty); gives up after
// timeout_ms and returns what there is.
std::vector<std::string> await_file_lines(const std::string& path, size_t at_least, const std::string& containing = "",
                                          int timeout_ms = 10000);
// Environment variables set by sy_test: build and source trees.
std::string build_dir();
std::string source_dir();

}  // namespace sy::test
