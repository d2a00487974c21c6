/*
 * Switchyard plugin ABI, version 1.
 *
 * Pure C, standard headers only. A plugin is a shared object that exports one symbol,
 * SY_PLUGIN_ENTRY_SYMBOL, of type sy_plugin_entry_fn. The host calls it once after dlopen and
 * reads the descriptor it returns: magic first, then abi_major (must equal the host's), then
 * abi_minor (the host accepts any minor <= its own and never calls slots added after it), then
 * struct_size fields, which tell each side what the other was compiled against.
 *
 * Name families:
 *   sy_*_t / struct sy_*     types shared by both sides
 *   sy_*_vtable              functions the plugin implements (hooks)
 *   sy_host_api              functions the host implements (callbacks)
 *
 * Rules that keep the ABI stable (see ABI_CHANGELOG.md):
 *   - every struct that crosses the boundary starts with `uint32_t struct_size`;
 *   - structs and function tables are append-only: new fields go at the end, minor is bumped;
 *   - enums are append-only; unknown values must be tolerated;
 *   - no C++ types, no exceptions, no ownership transfer of memory allocated by the other side:
 *     output always goes through host-owned writers (sy_http_builder, sy_response_writer).
 *
 * Ownership: unless a comment says otherwise, every pointer passed in is borrowed for the
 * duration of the call only. sy_str values are NOT NUL-terminated.
 *
 * Threading: create/destroy are called from one thread. All other hooks of one instance may be
 * called concurrently from many worker threads; per-request state (stream state) is only ever
 * used by one thread at a time.
 */
#ifndef SWITCHYARD_PLUGIN_H
#define SWITCHYARD_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SY_PLUGIN_MAGIC 0x53595047u /* "SYPG" */
#define SY_ABI_MAJOR 1
#define SY_ABI_MINOR 2
#define SY_PLUGIN_ENTRY_SYMBOL "switchyard_plugin_entry"

#if defined(_WIN32)
#define SY_PLUGIN_EXPORT __declspec(dllexport)
#else
#define SY_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

/* ---------------------------------------------------------------- common types */

/* A borrowed byte range; not NUL-terminated. */
typedef struct sy_str {
    const char* data;
    size_t len;
} sy_str;

typedef enum sy_status {
    SY_OK = 0,
    SY_ERR = 1,             /* generic failure; message in the error buffer */
    SY_ERR_CONFIG = 2,      /* bad plugin config (create) */
    SY_ERR_BAD_REQUEST = 3, /* the client request cannot be translated (maps to HTTP 400) */
    SY_ERR_UNSUPPORTED = 4, /* feature not supported by this plugin (HTTP 400) */
    SY_ERR_UPSTREAM = 5,    /* upstream answered something unusable (HTTP 502) */
    SY_DONE = 6             /* local streams: no more chunks */
} sy_status;

/* Caller-owned error buffer. The callee writes a NUL-terminated message of at most cap-1 bytes. */
typedef struct sy_error {
    char* message;
    size_t cap;
} sy_error;

typedef enum sy_plugin_kind {
    SY_KIND_ROUTER = 1,
    SY_KIND_PROVIDER = 2,
    SY_KIND_GUARDRAIL = 3           /* 1.2: checks on requests and answers */
} sy_plugin_kind;

typedef enum sy_log_level {
    SY_LOG_DEBUG = 0,
    SY_LOG_INFO = 1,
    SY_LOG_WARN = 2,
    SY_LOG_ERROR = 3
} sy_log_level;

/* Token usage as reported by an upstream (or estimated by a local provider). -1 = unknown. */
typedef struct sy_usage {
    uint32_t struct_size;
    int64_t prompt_tokens;
    int64_t completion_tokens;
    int64_t cached_prompt_tokens;   /* cache reads */
    int64_t cache_write_tokens;     /* cache writes (Anthropic) */
} sy_usage;

/* Bytes handed from one side to the other through the receiver's callback (1.1). */
typedef struct sy_byte_sink {
    uint32_t struct_size;
    void* ctx;
    void (*write)(void* ctx, const char* data, size_t len);
} sy_byte_sink;

/* Opaque host-owned writers. Plugins only touch them through sy_host_api. */
typedef struct sy_http_builder sy_http_builder;
typedef struct sy_response_writer sy_response_writer;

/* How the upstream frames a streamed body. */
typedef enum sy_stream_framing {
    SY_FRAMING_SSE = 0,    /* text/event-stream: the host splits events, passes event name + data */
    SY_FRAMING_NDJSON = 1  /* one JSON document per line */
} sy_stream_framing;

/* ---------------------------------------------------------------- host callbacks */

typedef struct sy_host_api {
    uint32_t struct_size;
    uint16_t abi_major;
    uint16_t abi_minor;

    /* Logging; the host prefixes the plugin instance name. */
    void (*log)(void* host_ctx, sy_log_level level, const char* message, size_t len);
    void* host_ctx;

    /* Upstream request builder (provider build_request). The path is appended to the provider
     * instance's base_url by the host. */
    void (*builder_set_method)(sy_http_builder* b, const char* method, size_t len);
    void (*builder_set_path)(sy_http_builder* b, const char* path, size_t len);
    void (*builder_add_header)(sy_http_builder* b, const char* name, size_t name_len,
                               const char* value, size_t value_len);
    void (*builder_append_body)(sy_http_builder* b, const char* data, size_t len);
    void (*builder_set_framing)(sy_http_builder* b, sy_stream_framing framing);

    /* Response writer (provider parse_response / stream_event / local_*). */
    /* Append to the non-streaming OpenAI-shaped JSON body. */
    void (*writer_append_body)(sy_response_writer* w, const char* data, size_t len);
    /* Emit one OpenAI chat.completion.chunk JSON (the payload of one SSE `data:` line). */
    void (*writer_emit_chunk)(sy_response_writer* w, const char* data, size_t len);
    /* Report usage; may be called more than once, the last call wins. */
    void (*writer_set_usage)(sy_response_writer* w, const sy_usage* usage);
    /* Report an error the upstream sent (status is the HTTP status to give the client;
     * type is an OpenAI error type such as "rate_limit_error"). Ends the response. */
    void (*writer_set_error)(sy_response_writer* w, int http_status, const char* type,
                             size_t type_len, const char* message, size_t message_len);
    /* Report the finish reason of the answer (stop, length, tool_calls, content_filter). */
    void (*writer_set_finish_reason)(sy_response_writer* w, const char* reason, size_t len);

    /* Estimate the token count of a text with the host's estimator. */
    int64_t (*estimate_tokens)(const char* text, size_t len);

    /* ---- 1.1 ---- */
    /* Embed a text with a host embedder (empty name = the configured default). Writes at most cap
     * floats into out and the embedder's dimension into *dim (call with cap 0 to learn it). */
    sy_status (*embed)(void* host_ctx, const char* embedder, size_t embedder_len, const char* text,
                       size_t text_len, float* out, size_t cap, size_t* dim, sy_error* err);
    /* The identity of an embedder (NUL-terminated, e.g. "hash-ngram-v1/1024"). A router stores the
     * identity it was trained with and refuses to load under another. */
    sy_status (*embedder_id)(void* host_ctx, const char* embedder, size_t embedder_len, char* out,
                             size_t cap, sy_error* err);
    /* Read a file named in the plugin's config; a relative path is resolved against the directory
     * of the gateway config. Only valid inside create. The bytes go to sink. */
    sy_status (*read_file)(void* host_ctx, const char* path, size_t path_len, const sy_byte_sink* sink,
                           sy_error* err);
    /* Shared state for routers that learn (the gateway's state store: in process, or Redis shared
     * by every instance). Keys are namespaced by the host. Add delta to an integer field of a hash. */
    sy_status (*state_hincrby)(void* host_ctx, const char* key, size_t key_len, const char* field,
                               size_t field_len, int64_t delta, sy_error* err);
    /* Every field of a hash, written to sink as field NUL value NUL pairs. A missing hash is empty. */
    sy_status (*state_hgetall)(void* host_ctx, const char* key, size_t key_len, const sy_byte_sink* sink,
                               sy_error* err);
} sy_host_api;

/* ---------------------------------------------------------------- requests */

/* A read-only view of one chat request after the host has parsed it. */
typedef struct sy_request_view {
    uint32_t struct_size;
    sy_str body_json;         /* the client's request as received (OpenAI Chat Completions JSON) */
    sy_str model;             /* the model the client asked for */
    sy_str last_user_text;    /* text of the last user message (concatenated text parts) */
    sy_str system_text;       /* text of the system/developer messages, concatenated */
    sy_str user;              /* `user` field, may be empty */
    sy_str request_id;
    int64_t prompt_tokens;    /* estimated */
    int64_t max_tokens;       /* -1 when absent */
    int32_t stream;           /* 0 or 1 */
    int32_t message_count;
    int32_t has_tools;        /* 0 or 1 */
    int32_t reserved0;
} sy_request_view;

/* ---------------------------------------------------------------- routers */

/* One model a router may choose. */
typedef struct sy_candidate {
    uint32_t struct_size;
    sy_str name;                    /* configured model name */
    double input_price_per_mtok;    /* USD per million input tokens */
    double output_price_per_mtok;
    int64_t context_window;
    int32_t healthy;                /* 0 when every deployment is ejected */
    int32_t reserved0;
} sy_candidate;

/* Extra inputs to one routing decision. */
typedef struct sy_route_params {
    uint32_t struct_size;
    double threshold;               /* from router-<name>-<threshold>; NaN when absent */
    /* 1.1: a host-owned buffer for a short NUL-terminated note (e.g. the context a bandit chose
     * in) that the host keeps with the request and hands back to feedback. May be NULL. */
    char* memo;
    size_t memo_cap;
} sy_route_params;

/* An answer for a cascade router to check (1.1). */
typedef struct sy_check_input {
    uint32_t struct_size;
    const sy_request_view* request;
    sy_str model;                   /* the candidate that answered */
    sy_str answer_json;             /* its OpenAI chat.completion body */
    sy_str judge_answer_json;       /* the judge's chat.completion, on the second call; else empty */
} sy_check_input;

typedef enum sy_verdict {
    SY_VERDICT_ESCALATE = 0,        /* try the next candidate */
    SY_VERDICT_ACCEPT = 1,          /* answer the client with this one */
    SY_VERDICT_ASK_JUDGE = 2        /* run the chat request written to judge_request, then check again */
} sy_verdict;

/* Feedback on one routed request (1.1): POST /v1/feedback. */
typedef struct sy_feedback {
    uint32_t struct_size;
    sy_str request_id;
    sy_str model;                   /* the candidate that answered */
    sy_str memo;                    /* what route wrote into sy_route_params.memo */
    double score;                   /* 0..1, higher is better */
} sy_feedback;

/* One ranked choice written by the router. */
typedef struct sy_choice {
    uint32_t struct_size;
    uint32_t candidate_index;       /* index into the candidates array */
    double score;
} sy_choice;

/* One labeled training example (1.1). */
typedef struct sy_train_example {
    uint32_t struct_size;
    sy_str prompt;
    const float* embedding;         /* sy_train_set.dim floats, from the host embedder */
    const double* scores;           /* sy_train_set.n_models qualities in 0..1; NaN = not rated */
} sy_train_example;

/* Everything a router's train hook gets (1.1). The host parsed and split the data. */
typedef struct sy_train_set {
    uint32_t struct_size;
    const sy_str* models;           /* model names as in the data */
    size_t n_models;
    const sy_train_example* train;
    size_t n_train;
    const sy_train_example* validation;
    size_t n_validation;
    sy_str embedder_id;             /* identity of the embedder that produced the embeddings */
    size_t dim;
    uint64_t seed;
    sy_str options_json;            /* --set key=value options as a JSON object */
    const sy_byte_sink* weights;    /* receives the trained weights file */
    const sy_byte_sink* report;     /* receives human-readable progress lines (loss per epoch) */
} sy_train_set;

typedef struct sy_router_vtable {
    uint32_t struct_size;
    /* Create an instance from its JSON config (the YAML `config:` map as JSON). */
    sy_status (*create)(const sy_host_api* host, const char* config_json, size_t config_len,
                        void** instance, sy_error* err);
    void (*destroy)(void* instance);
    /* Rank candidates. Write at most choices_cap choices into choices (best first) and their
     * number into *n_choices; write a short human reason (NUL-terminated) into reason. */
    sy_status (*route)(void* instance, const sy_request_view* request,
                       const sy_candidate* candidates, size_t n_candidates,
                       const sy_route_params* params, sy_choice* choices, size_t choices_cap,
                       size_t* n_choices, char* reason, size_t reason_cap, sy_error* err);

    /* ---- 1.1, optional (NULL when absent) ---- */
    /* Predicted quality in 0..1 of each candidate for this request (n entries into quality) and
     * the strong-win score that thresholds compare against (the first candidate is the strong
     * one, the last the weak one). Used by calibrate and eval, and by the host to check a router
     * against its candidates at load. */
    sy_status (*score)(void* instance, const sy_request_view* request, const sy_candidate* candidates,
                       size_t n_candidates, double* quality, double* strong_win, sy_error* err);
    /* Train this router kind from labeled data; no instance is needed. */
    sy_status (*train)(const sy_host_api* host, const sy_train_set* set, sy_error* err);
    /* Learn from feedback on a request this router routed; SY_ERR_UNSUPPORTED when it does not learn. */
    sy_status (*feedback)(void* instance, const sy_feedback* feedback, sy_error* err);
    /* Cascade routers: the host asks the ranked candidates in order (non-streaming) and calls this
     * after each answer but the last; *verdict is a sy_verdict. For SY_VERDICT_ASK_JUDGE the
     * router writes an OpenAI chat request (its "model" names a configured model) to
     * judge_request. why (NUL-terminated) says what decided, for the route header. */
    sy_status (*check)(void* instance, const sy_check_input* input, int32_t* verdict,
                       const sy_byte_sink* judge_request, char* why, size_t why_cap, sy_error* err);
} sy_router_vtable;

/* ---------------------------------------------------------------- providers */

/* Inputs to translating one request for one deployment. */
typedef struct sy_provider_request {
    uint32_t struct_size;
    const sy_request_view* request;
    sy_str upstream_model;          /* model name the upstream knows */
    int32_t stream;                 /* 0 or 1: whether the client wants a stream */
    int32_t include_usage;          /* stream_options.include_usage */
} sy_provider_request;

/* An upstream response (non-streaming) as received. */
typedef struct sy_upstream_response {
    uint32_t struct_size;
    int32_t status;
    sy_str content_type;
    sy_str body;
    sy_str retry_after;             /* Retry-After header value, may be empty */
} sy_upstream_response;

/* One event of an upstream stream. */
typedef struct sy_stream_event {
    uint32_t struct_size;
    sy_str event;                   /* SSE `event:` name, empty when absent or NDJSON */
    sy_str data;                    /* SSE data (multi-line data joined by \n) or one NDJSON line */
} sy_stream_event;

typedef enum sy_provider_flags {
    SY_PROVIDER_REMOTE = 0,         /* host does network I/O with build_request/parse_* */
    SY_PROVIDER_LOCAL = 1           /* in-process: host calls local_* hooks, no network */
} sy_provider_flags;

/* One OpenAI embeddings request for one deployment (1.1). */
typedef struct sy_embeddings_request {
    uint32_t struct_size;
    sy_str body_json;               /* the client's OpenAI embeddings request as received */
    sy_str upstream_model;          /* model name the upstream knows */
    int64_t input_tokens;           /* the host's estimate for the input */
    sy_str request_id;
} sy_embeddings_request;

typedef struct sy_provider_vtable {
    uint32_t struct_size;
    uint32_t flags;                 /* sy_provider_flags */
    sy_status (*create)(const sy_host_api* host, const char* config_json, size_t config_len,
                        void** instance, sy_error* err);
    void (*destroy)(void* instance);

    /* Remote providers. */
    /* Build the upstream HTTP request (method, path, headers, body, framing). */
    sy_status (*build_request)(void* instance, const sy_provider_request* req,
                               sy_http_builder* out, sy_error* err);
    /* Translate a complete upstream response (any status) into an OpenAI body or an error. */
    sy_status (*parse_response)(void* instance, const sy_provider_request* req,
                                const sy_upstream_response* resp, sy_response_writer* out,
                                sy_error* err);
    /* Per-stream state. stream_open may set *state to NULL when it needs none. */
    sy_status (*stream_open)(void* instance, const sy_provider_request* req, void** state,
                             sy_error* err);
    /* Translate one upstream event into zero or more OpenAI chunks. Return SY_DONE when the
     * event ends the stream (e.g. `[DONE]`, message_stop). */
    sy_status (*stream_event)(void* instance, void* state, const sy_stream_event* ev,
                              sy_response_writer* out, sy_error* err);
    void (*stream_close)(void* instance, void* state);

    /* Local providers (flags & SY_PROVIDER_LOCAL). */
    /* Answer a non-streaming request: write the body and usage; *delay_us is how long the host
     * should wait before sending it (simulated latency; the host waits, cancellable). */
    sy_status (*local_complete)(void* instance, const sy_provider_request* req,
                                sy_response_writer* out, uint64_t* delay_us, sy_error* err);
    /* Start a local stream. */
    sy_status (*local_stream_open)(void* instance, const sy_provider_request* req, void** state,
                                   sy_error* err);
    /* Emit the next chunk(s); *delay_us is the wait before they are sent. SY_DONE ends it. */
    sy_status (*local_stream_next)(void* instance, void* state, sy_response_writer* out,
                                   uint64_t* delay_us, sy_error* err);
    void (*local_stream_close)(void* instance, void* state);

    /* ---- 1.1, optional (NULL: the provider does not embed) ---- */
    /* Remote: the upstream embeddings request, and its answer as an OpenAI embeddings body
     * (writer_append_body) with usage. */
    sy_status (*build_embeddings)(void* instance, const sy_embeddings_request* req, sy_http_builder* out,
                                  sy_error* err);
    sy_status (*parse_embeddings)(void* instance, const sy_embeddings_request* req,
                                  const sy_upstream_response* resp, sy_response_writer* out, sy_error* err);
    /* Local: answer in process; *delay_us as for local_complete. */
    sy_status (*local_embeddings)(void* instance, const sy_embeddings_request* req, sy_response_writer* out,
                                  uint64_t* delay_us, sy_error* err);
} sy_provider_vtable;

/* ---------------------------------------------------------------- guardrails (1.2) */

typedef enum sy_guardrail_action {
    SY_GUARDRAIL_ALLOW = 0,
    SY_GUARDRAIL_DENY = 1
} sy_guardrail_action;

/* What one check decided. The host zero-fills it, sets struct_size, action = SY_GUARDRAIL_ALLOW
 * and the two host-owned buffers; the plugin sets action and, for a deny, writes the buffers. */
typedef struct sy_guardrail_verdict {
    uint32_t struct_size;
    int32_t action;                 /* sy_guardrail_action; unknown values read as allow */
    int32_t http_status;            /* deny: status hint for the client (400..599); 0 = 400 */
    int32_t reserved0;
    char* message;                  /* deny: NUL-terminated message for the client (host buffer) */
    size_t message_cap;
    char* reason;                   /* short NUL-terminated note for logs and the route header,
                                     * e.g. "keyword"; never the client's text (host buffer) */
    size_t reason_cap;
} sy_guardrail_verdict;

/* A whole answer to check. */
typedef struct sy_guardrail_response {
    uint32_t struct_size;
    const sy_request_view* request;
    sy_str model;                   /* the configured model that answered */
    sy_str answer_text;             /* the text of the answer (message content of every choice) */
    sy_str answer_json;             /* the OpenAI chat.completion body; empty for a stream */
    int32_t streamed;               /* 1: the answer was streamed and is already with the client:
                                     * a deny is recorded (log, metric, access log), not retracted */
    int32_t reserved0;
} sy_guardrail_response;

/* Checks run on the host's guardrail workers, each with a timeout: the host may stop waiting for
 * a check that is still running (it then applies the guardrail's on_error) and keeps the
 * instance alive until the call returns. Every pointer passed in stays valid until the call
 * returns, even after the host stopped waiting. Checks of one instance run concurrently. */
typedef struct sy_guardrail_vtable {
    uint32_t struct_size;
    sy_status (*create)(const sy_host_api* host, const char* config_json, size_t config_len,
                        void** instance, sy_error* err);
    void (*destroy)(void* instance);
    /* Check a request before any upstream call (request->request_id names it). NULL: the
     * guardrail has no request check. A status other than SY_OK is an error (on_error decides). */
    sy_status (*check_request)(void* instance, const sy_request_view* request, sy_guardrail_verdict* verdict,
                               sy_error* err);
    /* Check a whole answer. NULL: the guardrail has no response check. */
    sy_status (*check_response)(void* instance, const sy_guardrail_response* response,
                                sy_guardrail_verdict* verdict, sy_error* err);
} sy_guardrail_vtable;

/* ---------------------------------------------------------------- descriptor */

typedef struct sy_plugin_descriptor {
    uint32_t magic;                 /* SY_PLUGIN_MAGIC */
    uint16_t abi_major;             /* SY_ABI_MAJOR the plugin was built with */
    uint16_t abi_minor;             /* SY_ABI_MINOR the plugin was built with */
    uint32_t struct_size;           /* sizeof(sy_plugin_descriptor) */
    uint32_t kind;                  /* sy_plugin_kind */
    const char* name;               /* short lower-case name, static storage */
    const char* version;            /* plugin version, static storage */
    const char* description;        /* one line, static storage, may be NULL */
    const void* vtable;             /* sy_router_vtable*, sy_provider_vtable* or (1.2)
                                     * sy_guardrail_vtable* by kind */
    uint32_t vtable_size;           /* sizeof the vtable as compiled by the plugin */
    uint32_t reserved0;
    void* reserved[4];              /* must be NULL */
} sy_plugin_descriptor;

typedef const sy_plugin_descriptor* (*sy_plugin_entry_fn)(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SWITCHYARD_PLUGIN_H */
