#include "routing/remote_embedder.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>

#include "core/json_depth.hpp"
#include "upstream/http_exchange.hpp"

namespace sy::routing {
namespace {

constexpr size_t kMaxAnswer = 16u << 20;

std::string request_body(const config::EmbedderConfig& cfg, std::string_view text) {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    w.StartObject();
    w.Key("model");
    w.String(cfg.model.c_str());
    w.Key("input");
    w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
    w.EndObject();
    return std::string(sb.GetString(), sb.GetSize());
}

// data[0].embedding (OpenAI) or embeddings[0] (Ollama).
const rapidjson::Value* vector_in(const rapidjson::Document& d, bool ollama) {
    if (!d.IsObject()) return nullptr;
    if (ollama) {
        auto e = d.FindMember("embeddings");
        return e != d.MemberEnd() && e->value.IsArray() && !e->value.Empty() ? &e->value[0] : nullptr;
    }
    auto data = d.FindMember("data");
    if (data == d.MemberEnd() || !data->value.IsArray() || data->value.Empty() || !data->value[0].IsObject()) return nullptr;
    auto e = data->value[0].FindMember("embedding");
    return e != data->value[0].MemberEnd() ? &e->value : nullptr;
}

}  // namespace

std::unique_ptr<RemoteEmbedder> RemoteEmbedder::create(const config::EmbedderConfig& cfg, std::string& error) {
    auto ep = upstream::parse_base_url(cfg.base_url, error);
    if (!ep) {
        error = "base_url: " + error;
        return nullptr;
    }
    auto tls = upstream::tls_for(*ep, {cfg.tls_verify, cfg.tls_ca_file}, error);
    if (ep->tls && !tls) return nullptr;
    return std::unique_ptr<RemoteEmbedder>(new RemoteEmbedder(cfg, *ep, std::move(tls)));
}

RemoteEmbedder::RemoteEmbedder(config::EmbedderConfig cfg, upstream::Endpoint endpoint,
                               std::shared_ptr<const upstream::TlsContext> tls)
    : cfg_(std::move(cfg)),
      id_(cfg_.api + ":" + cfg_.model + "/" + std::to_string(cfg_.dim)),
      pool_(std::move(endpoint), 16, std::move(tls)) {
    timeouts_.connect_ms = cfg_.timeout_ms;
    timeouts_.first_byte_ms = cfg_.timeout_ms;
    timeouts_.idle_ms = cfg_.timeout_ms;
    timeouts_.total_ms = cfg_.timeout_ms;
}

bool RemoteEmbedder::cached(std::string_view text, float* out) const {
    std::lock_guard lock(mu_);
    auto it = index_.find(text);
    if (it == index_.end()) return false;
    lru_.splice(lru_.begin(), lru_, it->second);
    std::copy(it->second->second.begin(), it->second->second.end(), out);
    return true;
}

void RemoteEmbedder::remember(std::string_view text, const std::vector<float>& v) const {
    if (cfg_.cache_size <= 0) return;
    std::lock_guard lock(mu_);
    if (index_.count(text)) return;
    lru_.emplace_front(std::string(text), v);
    index_.emplace(lru_.front().first, lru_.begin());
    if (lru_.size() > static_cast<size_t>(cfg_.cache_size)) {
        index_.erase(lru_.back().first);
        lru_.pop_back();
    }
}

bool RemoteEmbedder::fetch(std::string_view text, std::vector<float>& out, std::string& error) const {
    const bool ollama = cfg_.api == "ollama";
    sy_http_builder req;
    req.method = "POST";
    req.path = ollama ? "/api/embed" : "/embeddings";
    req.headers.emplace_back("Content-Type", "application/json");
    if (!cfg_.api_key.empty()) req.headers.emplace_back("Authorization", "Bearer " + cfg_.api_key);
    req.body = request_body(cfg_, text);
    upstream::HttpExchange ex(pool_, timeouts_, -1);
    upstream::ExchangeError xe;
    std::string body;
    if (!ex.start(req, xe) || !ex.read_all(body, kMaxAnswer, xe)) {
        error = "embedder " + cfg_.name + ": " + xe.message;
        return false;
    }
    if (ex.head().status != 200) {
        error = "embedder " + cfg_.name + ": HTTP " + std::to_string(ex.head().status) + " from " + cfg_.base_url;
        return false;
    }
    rapidjson::Document d;
    const bool parsed = !json_too_deep(body) && !d.Parse(body.data(), body.size()).HasParseError();
    const rapidjson::Value* v = parsed ? vector_in(d, ollama) : nullptr;
    if (!v || !v->IsArray()) {
        error = "embedder " + cfg_.name + ": the answer holds no embedding";
        return false;
    }
    if (v->Size() != static_cast<rapidjson::SizeType>(cfg_.dim)) {
        error = "embedder " + cfg_.name + ": got " + std::to_string(v->Size()) + " dimensions, dim is " +
                std::to_string(cfg_.dim);
        return false;
    }
    out.resize(v->Size());
    double norm = 0;
    for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
        if (!(*v)[i].IsNumber()) {
            error = "embedder " + cfg_.name + ": a vector element is not a number";
            return false;
        }
        out[i] = static_cast<float>((*v)[i].GetDouble());
        norm += static_cast<double>(out[i]) * out[i];
    }
    if (norm > 0)
        for (auto& x : out) x = static_cast<float>(x / std::sqrt(norm));
    return true;
}

bool RemoteEmbedder::embed(std::string_view text, float* out, std::string& error) const noexcept {
    try {
        if (cached(text, out)) return true;
        std::vector<float> v;
        if (!fetch(text, v, error)) return false;
        remember(text, v);
        std::copy(v.begin(), v.end(), out);
        return true;
    } catch (const std::exception& e) {  // allocation failures, Poco exceptions
        error = "embedder " + cfg_.name + ": " + e.what();
        return false;
    }
}

}  // namespace sy::routing
