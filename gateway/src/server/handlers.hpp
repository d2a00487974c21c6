// HTTP request handlers and the factory that dispatches to them by method and path.
#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include "server/gateway.hpp"

namespace sy::server {

class HandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit HandlerFactory(Gateway& gateway) : gateway_(gateway) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest& request) override;

private:
    Gateway& gateway_;
};

// The metrics listener (telemetry.metrics.listen): GET /metrics and /healthz only.
class MetricsHandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit MetricsHandlerFactory(Gateway& gateway) : gateway_(gateway) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest& request) override;

private:
    Gateway& gateway_;
};

// The admin listener (server.admin_listen): /admin/..., the status page (/, /ui, /ui/...), the
// /metrics it polls, and /healthz.
class AdminHandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit AdminHandlerFactory(Gateway& gateway) : gateway_(gateway) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest& request) override;

private:
    Gateway& gateway_;
};

}  // namespace sy::server
