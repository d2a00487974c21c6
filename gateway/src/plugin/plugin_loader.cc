#include "plugin/plugin_loader.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "core/sha256.hpp"

namespace sy::plugin {
namespace {

// Smallest sizes a v1.0 plugin may report; later minors only append.
constexpr size_t kMinDescriptorSize = offsetof(sy_plugin_descriptor, vtable_size) + sizeof(uint32_t);
constexpr size_t kMinRouterVtableSize = offsetof(sy_router_vtable, route) + sizeof(void*);
constexpr size_t kMinProviderVtableSize =
    offsetof(sy_provider_vtable, local_stream_close) + sizeof(void*);
constexpr size_t kMinGuardrailVtableSize = offsetof(sy_guardrail_vtable, check_response) + sizeof(void*);

std::string check_router(const sy_plugin_descriptor& d) {
    if (d.vtable_size < kMinRouterVtableSize)
        return "router table is " + std::to_string(d.vtable_size) + " bytes, at least " +
               std::to_string(kMinRouterVtableSize) + " expected";
    auto* vt = static_cast<const sy_router_vtable*>(d.vtable);
    if (!vt->create || !vt->destroy || !vt->route) return "router table lacks create, destroy or route";
    return {};
}

std::string check_provider(const sy_plugin_descriptor& d) {
    if (d.vtable_size < kMinProviderVtableSize)
        return "provider table is " + std::to_string(d.vtable_size) + " bytes, at least " +
               std::to_string(kMinProviderVtableSize) + " expected";
    auto* vt = static_cast<const sy_provider_vtable*>(d.vtable);
    if (!vt->create || !vt->destroy) return "provider table lacks create or destroy";
    if (vt->flags & SY_PROVIDER_LOCAL) {
        if (!vt->local_complete || !vt->local_stream_open || !vt->local_stream_next ||
            !vt->local_stream_close)
            return "local provider lacks one of local_complete, local_stream_open/next/close";
    } else if (!vt->build_request || !vt->parse_response || !vt->stream_open ||
               !vt->stream_event || !vt->stream_close) {
        return "remote provider lacks one of build_request, parse_response, stream_open/event/close";
    }
    return {};
}

// Guardrails arrived in 1.2; a guardrail that checks nothing is a mistake worth refusing.
std::string check_guardrail(const sy_plugin_descriptor& d) {
    if (d.abi_minor < 2) return "guardrail plugins need ABI 1.2, the plugin says 1." + std::to_string(d.abi_minor);
    if (d.vtable_size < kMinGuardrailVtableSize)
        return "guardrail table is " + std::to_string(d.vtable_size) + " bytes, at least " +
               std::to_string(kMinGuardrailVtableSize) + " expected";
    auto* vt = static_cast<const sy_guardrail_vtable*>(d.vtable);
    if (!vt->create || !vt->destroy) return "guardrail table lacks create or destroy";
    if (!vt->check_request && !vt->check_response) return "guardrail table has neither check_request nor check_response";
    return {};
}

// Returns an empty string when the descriptor is acceptable.
std::string check_descriptor(const sy_plugin_descriptor* d) {
    if (!d) return "entry symbol returned no descriptor";
    if (d->magic != SY_PLUGIN_MAGIC) return "bad magic (not a Switchyard plugin descriptor)";
    if (d->abi_major != SY_ABI_MAJOR)
        return "plugin ABI major " + std::to_string(d->abi_major) + " differs from the host's ABI major " +
               std::to_string(SY_ABI_MAJOR) + " (host ABI " + std::to_string(SY_ABI_MAJOR) + "." +
               std::to_string(SY_ABI_MINOR) + ")";
    if (d->abi_minor > SY_ABI_MINOR)
        return "plugin needs ABI " + std::to_string(d->abi_major) + "." + std::to_string(d->abi_minor) +
               " but the host provides " + std::to_string(SY_ABI_MAJOR) + "." +
               std::to_string(SY_ABI_MINOR) + "; upgrade the gateway";
    if (d->struct_size < kMinDescriptorSize)
        return "descriptor is " + std::to_string(d->struct_size) + " bytes, at least " +
               std::to_string(kMinDescriptorSize) + " expected";
    if (!d->name || !*d->name) return "descriptor has no name";
    if (!d->version) return "descriptor has no version";
    if (!d->vtable) return "descriptor has no function table";
    switch (d->kind) {
        case SY_KIND_ROUTER: return check_router(*d);
        case SY_KIND_PROVIDER: return check_provider(*d);
        case SY_KIND_GUARDRAIL: return check_guardrail(*d);
        default: return "unknown plugin kind " + std::to_string(d->kind);
    }
}

// Opens the file and checks its digest against the allow-list; returns the path to dlopen (the
// descriptor's /proc/self/fd link, so a file swapped after hashing is not what loads), or ""
// with `error` set. `fd` is closed by the caller once the library is mapped.
std::string allowed_path(const std::string& path, const std::vector<std::string>& allowed, int& fd,
                         std::string& error) {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        error = path + ": cannot load: " + std::strerror(errno);
        return {};
    }
    std::string digest;
    if (!sha256_fd_hex(fd, digest, error)) {
        error = path + ": cannot load: reading it failed: " + error;
        return {};
    }
    if (std::find(allowed.begin(), allowed.end(), digest) == allowed.end()) {
        error = path + ": refused by plugins.allowed_sha256: its SHA-256 is " + digest + ", which is not listed";
        return {};
    }
    return "/proc/self/fd/" + std::to_string(fd);
}

void* open_library(const std::string& path, const std::vector<std::string>& allowed, std::string& error) {
    int fd = -1;
    std::string target = allowed.empty() ? path : allowed_path(path, allowed, fd, error);
    void* handle = target.empty() ? nullptr : dlopen(target.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle && error.empty()) {
        const char* why = dlerror();
        error = path + ": cannot load: " + (why ? why : "unknown dlopen error");
    }
    if (fd >= 0) ::close(fd);
    return handle;
}

}  // namespace

LoadedPlugin::LoadedPlugin(std::string path, void* handle, const sy_plugin_descriptor* descriptor)
    : path_(std::move(path)), handle_(handle), descriptor_(descriptor), name_(descriptor->name),
      version_(descriptor->version) {}

LoadedPlugin::~LoadedPlugin() {
    if (handle_) dlclose(handle_);
}

const sy_router_vtable* LoadedPlugin::router() const {
    return kind() == SY_KIND_ROUTER ? static_cast<const sy_router_vtable*>(descriptor_->vtable) : nullptr;
}

const sy_provider_vtable* LoadedPlugin::provider() const {
    return kind() == SY_KIND_PROVIDER ? static_cast<const sy_provider_vtable*>(descriptor_->vtable)
                                      : nullptr;
}

const sy_guardrail_vtable* LoadedPlugin::guardrail() const {
    return kind() == SY_KIND_GUARDRAIL ? static_cast<const sy_guardrail_vtable*>(descriptor_->vtable) : nullptr;
}

LoadOutcome load_plugin(const std::string& path, const std::vector<std::string>& allowed_sha256) {
    LoadOutcome out;
    void* handle = open_library(path, allowed_sha256, out.error);
    if (!handle) return out;
    dlerror();
    void* sym = dlsym(handle, SY_PLUGIN_ENTRY_SYMBOL);
    if (!sym) {
        out.error = path + ": missing entry symbol " SY_PLUGIN_ENTRY_SYMBOL " (not a Switchyard plugin)";
        dlclose(handle);
        return out;
    }
    auto entry = reinterpret_cast<sy_plugin_entry_fn>(sym);
    const sy_plugin_descriptor* d = entry();
    if (std::string why = check_descriptor(d); !why.empty()) {
        out.error = path + ": refused: " + why;
        dlclose(handle);
        return out;
    }
    out.plugin = std::make_unique<LoadedPlugin>(path, handle, d);
    return out;
}

const char* kind_name(sy_plugin_kind kind) {
    switch (kind) {
        case SY_KIND_ROUTER: return "router";
        case SY_KIND_PROVIDER: return "provider";
        case SY_KIND_GUARDRAIL: return "guardrail";
    }
    return "unknown";
}

}  // namespace sy::plugin
