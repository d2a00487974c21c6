#include "server/models_handler.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "server/admission.hpp"
#include "server/http_util.hpp"

namespace sy::server {
namespace {

void write_model(rapidjson::Writer<rapidjson::StringBuffer>& w, const std::string& id, const char* kind) {
    w.StartObject();
    w.Key("id");
    w.String(id.c_str(), static_cast<rapidjson::SizeType>(id.size()));
    w.Key("object");
    w.String("model");
    w.Key("created");
    w.Int64(0);
    w.Key("owned_by");
    w.String("switchyard");
    w.Key("switchyard_kind");
    w.String(kind);
    w.EndObject();
}

}  // namespace

void models(Gateway& g, Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) {
    auto rt = g.runtime();
    state::KeyPtr key;  // like the API it mirrors, listing models needs a key when auth.required
    if (auto err = authenticate(g, *rt, req, key)) return send_error(req, resp, *err);
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    w.StartObject();
    w.Key("object");
    w.String("list");
    w.Key("data");
    w.StartArray();
    for (const auto& m : rt->models()) {
        write_model(w, m->config->name, "model");
        for (const auto& alias : m->config->aliases) write_model(w, alias, "alias");
    }
    for (const auto& [name, router] : rt->routers()) write_model(w, "router-" + name, "router");
    const auto& routing = rt->config().routing;
    if (!routing.default_router.empty() || !routing.default_model.empty() || rt->models().size() == 1)
        write_model(w, "auto", "auto");
    w.EndArray();
    w.EndObject();
    send_json(req, resp, 200, std::string_view(sb.GetString(), sb.GetSize()));
}

}  // namespace sy::server
