#ifndef CHTTP_H
#define CHTTP_H

// The C side of streamd's HTTP server: the only code that knows libmicrohttpd.
// Swift cannot call MHD's variadic start function, and body chunks arrive across several MHD
// callbacks; this shim owns both, and calls one Swift handler once per complete request.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct chttp_server chttp_server;

/// One complete request, valid only during the handler call.
typedef struct chttp_request {
    const char *method;
    /// The path, without the query string.
    const char *path;
    const uint8_t *body;
    size_t body_length;
    /// Opaque: pass to chttp_request_header / chttp_request_query.
    void *connection;
    /// Set by chttp_respond (or chttp_suspend).
    int responded;
    int queue_result;
    /// Private to the bridge.
    void *state;
    struct chttp_server *server;
} chttp_request;

#define CHTTP_MAX_HEADERS 4

/// What the handler answers; copied by chttp_respond.
typedef struct chttp_response {
    unsigned status;
    const char *content_type;
    const uint8_t *body;
    size_t body_length;
    const char *header_names[CHTTP_MAX_HEADERS];
    const char *header_values[CHTTP_MAX_HEADERS];
} chttp_response;

/// Called on an MHD thread with a complete request. It answers by calling chttp_respond exactly
/// once before returning (an unanswered request gets 500), and must not block for long.
typedef void (*chttp_handler)(void *context, chttp_request *request);

/// Queues the answer to `request`; the response's buffers are copied, so they need only live
/// for the duration of the call.
void chttp_respond(chttp_request *request, const chttp_response *response);

/// A request whose answer comes later, from any thread.
typedef struct chttp_pending chttp_pending;

/// Instead of answering now, parks the connection (its polling thread goes on serving others).
/// The handler then returns without calling chttp_respond, and the answer is given exactly once
/// with chttp_resume. Every pending request must be resumed before chttp_stop.
chttp_pending *chttp_suspend(chttp_request *request);

/// Answers a suspended request (copies the response) and wakes its connection. Any thread.
void chttp_resume(chttp_pending *pending, const chttp_response *response);

/// Requests suspended and not yet answered.
uint64_t chttp_pending_requests(const chttp_server *server);

typedef struct chttp_config {
    /// IPv4 or IPv6 literal to bind ("127.0.0.1", "::1", "0.0.0.0").
    const char *address;
    /// 0 picks a free port; read it back with chttp_port.
    uint16_t port;
    /// An already listening socket to serve instead of binding `address`/`port` (systemd socket
    /// activation passes it as fd 3 and up); values below 3 mean none.
    int listen_fd;
    /// Internal polling threads (0 means 1).
    unsigned threads;
    /// Connections beyond this wait in the kernel's backlog.
    unsigned max_connections;
    /// Idle seconds before MHD closes a connection (never 0: slow clients must not pin threads).
    unsigned connection_timeout_seconds;
    /// Seconds a request may take from its first byte (or the previous request's end) to its
    /// last, however steadily it trickles in; 0 turns the limit off.
    unsigned request_timeout_seconds;
    /// Larger bodies get 413 without being read (by Content-Length, or as they stream in).
    size_t max_body_bytes;
    /// The request line and headers together; a larger block gets 431 (414 when the request line
    /// alone is larger), in JSON up to about twice this, from libmicrohttpd's own page beyond.
    size_t max_header_bytes;
    chttp_handler handler;
    void *context;
} chttp_config;

/// Starts listening. Returns NULL and writes a message into `error` on failure.
chttp_server *chttp_start(const chttp_config *config, char *error, size_t error_length);

/// The bound port (useful after asking for port 0).
uint16_t chttp_port(const chttp_server *server);

/// Counters kept by the bridge: requests refused for size before reaching the handler (413 body,
/// 414/431 request line and headers).
uint64_t chttp_oversized_requests(const chttp_server *server);

/// Requests libmicrohttpd refused itself, with its own HTML page (malformed request line or
/// header, bad Content-Length or chunk framing, unsupported HTTP version, a header block beyond
/// the connection's memory).
uint64_t chttp_malformed_requests(const chttp_server *server);

/// Connections open now (at `max_connections`, new ones wait in the kernel's backlog).
uint64_t chttp_open_connections(const chttp_server *server);

/// Connections closed because their request ran past `request_timeout_seconds`.
uint64_t chttp_timed_out_requests(const chttp_server *server);

/// Stops accepting new connections; requests in progress finish.
void chttp_quiesce(chttp_server *server);

/// Stops the server and frees it. No handler call is in progress once it returns.
void chttp_stop(chttp_server *server);

/// A request header (case-insensitive name) or NULL.
const char *chttp_request_header(const chttp_request *request, const char *name);

/// A query-string argument (decoded) or NULL.
const char *chttp_request_query(const chttp_request *request, const char *key);

/// Decompresses a gzip stream into a malloc'd buffer of at most `limit` bytes (the caller frees
/// `*output`). Returns 0 on success, 1 if the result would exceed `limit`, 2 if the data is not
/// valid gzip.
int chttp_gunzip(const uint8_t *input, size_t input_length, size_t limit, uint8_t **output, size_t *output_length);

#ifdef __cplusplus
}
#endif

#endif
