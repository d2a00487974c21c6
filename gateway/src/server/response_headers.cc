#include "server/response_headers.hpp"

#include <algorithm>

#include "server/edge_exchange.hpp"

namespace sy::server {

void set_own_header(Poco::Net::HTTPServerResponse& resp, std::string_view name, std::string value) {
    auto* edge = dynamic_cast<EdgeResponse*>(&resp);
    if (!edge) return resp.set(std::string(name), value);
    auto& list = edge->own_headers();
    for (auto& [n, v] : list)
        if (n == name) {
            v = std::move(value);
            return;
        }
    list.emplace_back(name, std::move(value));
}

void before_head(Poco::Net::HTTPServerResponse& resp, std::function<void()> hook) {
    if (auto* edge = dynamic_cast<EdgeResponse*>(&resp)) edge->before_head(std::move(hook));
    else hook();
}

void erase_own_header(Poco::Net::HTTPServerResponse& resp, std::string_view name) {
    auto* edge = dynamic_cast<EdgeResponse*>(&resp);
    if (!edge) return resp.erase(std::string(name));
    auto& list = edge->own_headers();
    list.erase(std::remove_if(list.begin(), list.end(), [&](const auto& h) { return h.first == name; }), list.end());
}

}  // namespace sy::server
