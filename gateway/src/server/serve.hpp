// `switchyard serve`: runs the HTTP server until SIGTERM/SIGINT, reloading on SIGHUP.
#pragma once

#include <string>

namespace sy::server {

struct ServeOptions {
    std::string config_path;
    std::string listen_override;  // HOST:PORT from --listen, empty = from config
    std::string allocator;        // the malloc the binary runs on, for the start-up log line
};

// Returns the process exit code.
int serve(const ServeOptions& options);

}  // namespace sy::server
