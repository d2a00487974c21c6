#include <switchyard/log.hpp>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <string>

#include "core/secrets.hpp"

namespace sy::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::info)};

const char* level_name(Level l) {
    switch (l) {
        case Level::debug: return "debug";
        case Level::info: return "info";
        case Level::warn: return "warn";
        case Level::error: return "error";
    }
    return "?";
}

}  // namespace

void set_level(Level l) { g_level.store(static_cast<int>(l), std::memory_order_relaxed); }
Level level() { return static_cast<Level>(g_level.load(std::memory_order_relaxed)); }

void write(Level l, std::string_view component, std::string_view message) {
    if (static_cast<int>(l) < g_level.load(std::memory_order_relaxed)) return;
    auto now = std::chrono::system_clock::now();
    std::time_t secs = std::chrono::system_clock::to_time_t(now);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char stamp[64];
    std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    std::string line;
    line.reserve(64 + component.size() + message.size());
    line.append(stamp).append(" ").append(level_name(l)).append(" [").append(component).append("] ");
    size_t at = line.size();
    line.append(message);
    if (secrets::count() > 0) {  // a message may quote an upstream's or a plugin's text
        std::string text = line.substr(at);
        secrets::scrub(text);
        line.replace(at, std::string::npos, text);
    }
    line.push_back('\n');
    ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
    (void)ignored;
}

}  // namespace sy::log
