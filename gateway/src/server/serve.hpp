// `switchyard serve`: runs the HTTP server until SIGTERM/SIGINT, reloading on SIGHUP.
#pragma once

#include <string>

namespace sy::server {

struct ServeOptions {
    std::string config_path;
    std::string listen_override;  // HOST:PORT from --listen, empty = from config
};

// Returns the process exit code.
int serve(const ServeOptions& options);

}  // namespace sy::server
