// server.core_dumps: whether this process may leave a core dump. A core dump holds the heap, and
// the heap holds key material (the parsed config, plugin copies of provider keys, each request's
// header strings); the registered secrets alone are kept out of dumps (core/secrets.hpp).
#pragma once

#include <string>

namespace sy {

// allow = false: prctl(PR_SET_DUMPABLE, 0) and a core size limit of 0. allow = true: dumpable
// again, and the core size limit the process started with. Returns the log line that says which.
std::string apply_core_dump_setting(bool allow);

// prctl(PR_GET_DUMPABLE) != 0.
bool process_dumpable();

}  // namespace sy
