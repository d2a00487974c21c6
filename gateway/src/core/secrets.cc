#include "core/secrets.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <shared_mutex>

#include "core/sha256.hpp"

namespace sy::secrets {
namespace {

constexpr size_t kChunkBytes = 64 * 1024;
constexpr size_t kMaxSecrets = 4096;  // bounds what a process that reloads forever keeps

// Bump allocator over anonymous mappings that core dumps leave out. Never freed: the secrets
// stay known until the process exits.
class Arena {
public:
    const char* copy(std::string_view value) {
        if (value.size() > kChunkBytes) return nullptr;
        if (!chunk_ || used_ + value.size() > kChunkBytes) {
            void* p = ::mmap(nullptr, kChunkBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p == MAP_FAILED) return nullptr;
            dontdump_ = ::madvise(p, kChunkBytes, MADV_DONTDUMP) == 0 && (dontdump_ || !chunk_);
            locked_ = ::mlock(p, kChunkBytes) == 0 && (locked_ || !chunk_);  // best effort: RLIMIT_MEMLOCK
            chunk_ = static_cast<char*>(p);
            used_ = 0;
        }
        char* out = chunk_ + used_;
        std::memcpy(out, value.data(), value.size());
        used_ += value.size();
        return out;
    }
    bool dontdump() const { return chunk_ && dontdump_; }
    const void* address() const { return chunk_; }
    bool locked() const { return chunk_ && locked_; }

private:
    char* chunk_ = nullptr;
    size_t used_ = 0;
    bool dontdump_ = false;
    bool locked_ = false;
};

struct Entry {
    std::string_view value;  // in the arena
    std::string fp;
};

struct Registry {
    std::shared_mutex mu;
    Arena arena;
    std::vector<Entry> entries;  // longest first, so a secret inside another is not replaced first
};

Registry& registry() {
    static Registry* r = new Registry;  // never destroyed: log lines may be written during exit
    return *r;
}

void replace_all(std::string& text, const Entry& e) {
    for (size_t pos = text.find(e.value); pos != std::string::npos; pos = text.find(e.value, pos + e.fp.size()))
        text.replace(pos, e.value.size(), e.fp);
}

}  // namespace

std::string fingerprint_of_hash(std::string_view sha256_hex) { return "fp:" + std::string(sha256_hex.substr(0, 8)); }

std::string fingerprint(std::string_view secret) { return fingerprint_of_hash(sha256_hex(secret)); }

void add(const std::vector<std::string>& values) {
    Registry& r = registry();
    std::unique_lock lock(r.mu);
    for (const std::string& v : values) {
        if (v.size() < kMinLength) continue;
        if (std::any_of(r.entries.begin(), r.entries.end(), [&](const Entry& e) { return e.value == v; })) continue;
        if (r.entries.size() >= kMaxSecrets) r.entries.pop_back();  // the shortest goes first
        const char* stored = r.arena.copy(v);
        if (!stored) continue;
        Entry e{std::string_view(stored, v.size()), fingerprint(v)};
        auto at = std::find_if(r.entries.begin(), r.entries.end(),
                               [&](const Entry& other) { return other.value.size() < e.value.size(); });
        r.entries.insert(at, std::move(e));
    }
}

void scrub(std::string& text) {
    Registry& r = registry();
    std::shared_lock lock(r.mu);
    for (const Entry& e : r.entries)
        if (e.value.size() <= text.size()) replace_all(text, e);
}

std::string scrubbed(std::string_view text) {
    std::string out(text);
    scrub(out);
    return out;
}

void scrub_truncated(std::string& text) {
    scrub(text);
    Registry& r = registry();
    std::shared_lock lock(r.mu);
    for (const Entry& e : r.entries) {
        for (size_t n = std::min(e.value.size() - 1, text.size()); n >= kMinLength; --n) {
            if (text.compare(text.size() - n, n, e.value.substr(0, n)) != 0) continue;
            text.replace(text.size() - n, n, e.fp);
            return;
        }
    }
}

namespace {

// Runs `read` on the registry under its shared lock.
template <typename Read>
auto read_registry(Read read) {
    Registry& r = registry();
    std::shared_lock lock(r.mu);
    return read(r);
}

}  // namespace

size_t count() { return read_registry([](Registry& r) { return r.entries.size(); }); }
bool excluded_from_core_dumps() { return read_registry([](Registry& r) { return r.arena.dontdump(); }); }
bool locked_in_memory() { return read_registry([](Registry& r) { return r.arena.locked(); }); }
const void* storage_address() { return read_registry([](Registry& r) { return r.arena.address(); }); }

}  // namespace sy::secrets
