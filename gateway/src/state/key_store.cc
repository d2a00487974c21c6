#include "state/key_store.hpp"

#include <sys/random.h>

#include "config/key_record.hpp"
#include "core/sha256.hpp"

namespace sy::state {
namespace {

constexpr size_t kMaxCached = 100000;

// Creates the id -> hash link, the record and the id index together, or nothing when the id exists.
const Script& create_script() {
    static const Script s("create_key.lua", R"(
if not redis.call('SET', KEYS[1] .. 'id:' .. ARGV[1], ARGV[2], 'NX') then return 0 end
redis.call('SET', KEYS[1] .. 'k:' .. ARGV[2], ARGV[3])
redis.call('SADD', KEYS[1] .. 'ids', ARGV[1])
return 1
)");
    return s;
}

std::string unavailable(const Reply& r) { return "the state store is unavailable: " + r.str; }

}  // namespace

std::string key_hash(std::string_view secret) { return sha256_hex(secret); }

std::string new_key_secret() {
    static const char kAlphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    std::string out = "sk-sy-";
    while (out.size() < 46) {
        unsigned char buf[64];
        if (getrandom(buf, sizeof buf, 0) != static_cast<ssize_t>(sizeof buf)) continue;
        for (unsigned char c : buf)
            if (c < 248 && out.size() < 46) out += kAlphabet[c % 62];  // 248 = 4 * 62: no modulo bias
    }
    return out;
}

KeyStore::KeyStore(std::shared_ptr<Store> store, std::string key_prefix)
    : store_(std::move(store)), prefix_(std::move(key_prefix) + ":{keys}:") {}

Reply KeyStore::run(std::vector<std::string> argv) { return store_->command(argv); }

void KeyStore::remember(const std::string& hash, KeyPtr record) {
    std::lock_guard lock(mu_);
    if (cache_.size() >= kMaxCached) cache_.clear();
    cache_[hash] = {std::move(record), std::chrono::steady_clock::now()};
}

KeyStore::Found KeyStore::lookup(const std::string& hash, int cache_ttl_ms, KeyPtr& out) {
    std::optional<Cached> stale;
    {
        std::lock_guard lock(mu_);
        auto it = cache_.find(hash);
        if (it != cache_.end()) {
            if (std::chrono::steady_clock::now() - it->second.fetched < std::chrono::milliseconds(cache_ttl_ms)) {
                out = it->second.record;
                return out ? Found::yes : Found::no;
            }
            stale = it->second;
        }
    }
    Reply r = run({"GET", at("k:") + hash});
    if (r.type == Reply::Type::failure) {
        if (!stale) return Found::unavailable;
        out = stale->record;  // the store is down: trust the last copy
        return out ? Found::yes : Found::no;
    }
    KeyPtr record;
    if (r.type == Reply::Type::string) {
        auto parsed = std::make_shared<config::ApiKeyConfig>();
        std::string error;
        if (config::parse_key_record(r.str, nullptr, true, *parsed, error)) record = std::move(parsed);
    }
    remember(hash, record);
    out = record;
    return out ? Found::yes : Found::no;
}

bool KeyStore::create(const config::ApiKeyConfig& record, std::string& secret, int& status, std::string& error) {
    secret = new_key_secret();
    std::string hash = key_hash(secret);
    std::vector<std::string> keys{prefix_}, args{record.id, hash, config::key_record_json(record)};
    Reply r = store_->eval(create_script(), keys, args);
    if (!r.ok()) {
        status = 503;
        error = unavailable(r);
        return false;
    }
    if (r.integer != 1) {
        status = 409;
        error = "a key with id '" + record.id + "' already exists";
        return false;
    }
    remember(hash, std::make_shared<config::ApiKeyConfig>(record));
    return true;
}

bool KeyStore::update(const config::ApiKeyConfig& record, int& status, std::string& error) {
    Reply h = run({"GET", at("id:") + record.id});
    if (h.type != Reply::Type::string) {
        status = h.ok() ? 404 : 503;
        error = h.ok() ? "no key with id '" + record.id + "'" : unavailable(h);
        return false;
    }
    Reply r = run({"SET", at("k:") + h.str, config::key_record_json(record), "XX"});
    if (!r.ok()) {
        status = 503;
        error = unavailable(r);
        return false;
    }
    remember(h.str, std::make_shared<config::ApiKeyConfig>(record));
    return true;
}

KeyPtr KeyStore::get(const std::string& id, int& status, std::string& error, std::string* hash) {
    Reply h = run({"GET", at("id:") + id});
    Reply r = h.type == Reply::Type::string ? run({"GET", at("k:") + h.str}) : h;
    if (r.type != Reply::Type::string) {
        status = r.ok() ? 404 : 503;
        error = r.ok() ? "no key with id '" + id + "'" : unavailable(r);
        return nullptr;
    }
    auto rec = std::make_shared<config::ApiKeyConfig>();
    if (!config::parse_key_record(r.str, nullptr, true, *rec, error)) {
        status = 500;
        error = "stored key record of '" + id + "' is unreadable: " + error;
        return nullptr;
    }
    if (hash) *hash = h.str;
    return rec;
}

std::vector<KeyPtr> KeyStore::list(int& status, std::string& error, std::vector<std::string>* hashes) {
    std::vector<KeyPtr> out;
    Reply ids = run({"SMEMBERS", at("ids")});
    if (!ids.ok()) {
        status = 503;
        error = unavailable(ids);
        return out;
    }
    for (const Reply& id : ids.elements) {
        std::string hash;
        if (KeyPtr k = get(id.str, status, error, &hash)) {
            out.push_back(std::move(k));
            if (hashes) hashes->push_back(std::move(hash));
        } else if (status == 503) {
            if (hashes) hashes->clear();
            return {};
        }
    }
    return out;
}

}  // namespace sy::state
