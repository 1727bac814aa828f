#include "chttp.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/// One open connection, for the request deadline: libmicrohttpd's own timeout restarts on every
/// byte, so a client trickling a header or a body a byte at a time would never be dropped.
typedef struct tracked {
    struct tracked *previous, *next;
    int fd;
    /// When the current request began (the connection opened, or the previous request ended),
    /// in milliseconds of CLOCK_MONOTONIC.
    atomic_int_fast64_t since;
    /// A suspended request waits for pipeline room (bounded by ingest.max_wait): not timed.
    atomic_int suspended;
} tracked;

struct chttp_server {
    struct MHD_Daemon *daemon;
    chttp_config config;
    uint16_t port;
    atomic_uint_fast64_t oversized;
    /// Requests libmicrohttpd refused itself (see on_libmicrohttpd_message).
    atomic_uint_fast64_t malformed;
    atomic_uint_fast64_t pending;
    atomic_uint_fast64_t timed_out;
    atomic_uint_fast64_t open_connections;
    /// Open connections; guarded by `tracked_lock` (the fd stays open while its entry is here:
    /// libmicrohttpd reports a connection closed before it closes the socket).
    pthread_mutex_t tracked_lock;
    tracked *connections;
    pthread_t sweeper;
    int sweeping;
    atomic_int stopping;
};

static int64_t now_ms(void) {
    struct timespec time;
    clock_gettime(CLOCK_MONOTONIC, &time);
    return (int64_t)time.tv_sec * 1000 + time.tv_nsec / 1000000;
}

static tracked *tracked_of(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info ? (tracked *)info->socket_context : NULL;
}

/// A response copied into memory the bridge owns, until the connection can send it.
typedef struct owned_response {
    chttp_response response;
    uint8_t *body;
    char *strings[2 + 2 * CHTTP_MAX_HEADERS];
} owned_response;

/// A suspended request. `state` settles the race between the handler returning (and suspending
/// the connection) and another thread answering: whichever comes second acts.
struct chttp_pending {
    pthread_mutex_t lock;
    enum { HANDLER_RUNNING, SUSPENDED, ANSWERED_EARLY, RESUMED } state;
    struct MHD_Connection *connection;
    chttp_server *server;
    owned_response *answer;
};

/// Per-connection state for one request: the body accumulated across upload callbacks.
typedef struct request_state {
    uint8_t *body;
    size_t length;
    size_t capacity;
    /// 1: over the body limit (answered 413); 2: answered from the headers alone (400, 414, 431,
    /// 501), the body unread.
    int too_large;
    /// Set while the request is suspended or answered late.
    chttp_pending *pending;
} request_state;

static owned_response *copy_response(const chttp_response *response) {
    owned_response *copy = calloc(1, sizeof *copy);
    if (!copy) return NULL;
    copy->response.status = response->status;
    copy->body = malloc(response->body_length ? response->body_length : 1);
    if (response->body_length && copy->body) memcpy(copy->body, response->body, response->body_length);
    copy->response.body = copy->body;
    copy->response.body_length = copy->body ? response->body_length : 0;
    int next = 0;
    if (response->content_type) copy->response.content_type = copy->strings[next++] = strdup(response->content_type);
    for (int i = 0; i < CHTTP_MAX_HEADERS; i++) {
        if (!response->header_names[i] || !response->header_values[i]) continue;
        copy->response.header_names[i] = copy->strings[next++] = strdup(response->header_names[i]);
        copy->response.header_values[i] = copy->strings[next++] = strdup(response->header_values[i]);
    }
    return copy;
}

static void free_response(owned_response *copy) {
    if (!copy) return;
    free(copy->body);
    for (size_t i = 0; i < sizeof copy->strings / sizeof copy->strings[0]; i++) free(copy->strings[i]);
    free(copy);
}

static const char too_large_body[] =
    "{\"error\":{\"code\":\"body_too_large\",\"message\":\"request body exceeds server.max_body_bytes\"}}";

static enum MHD_Result queue(struct MHD_Connection *connection, const chttp_response *answer) {
    struct MHD_Response *response = MHD_create_response_from_buffer(
        answer->body_length, (void *)(answer->body ? answer->body : (const uint8_t *)""), MHD_RESPMEM_MUST_COPY);
    if (!response) return MHD_NO;
    if (answer->content_type) MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, answer->content_type);
    for (int i = 0; i < CHTTP_MAX_HEADERS; i++) {
        if (answer->header_names[i] && answer->header_values[i])
            MHD_add_response_header(response, answer->header_names[i], answer->header_values[i]);
    }
    enum MHD_Result result = MHD_queue_response(connection, answer->status ? answer->status : 500, response);
    MHD_destroy_response(response);
    return result;
}

static const char headers_too_large_body[] =
    "{\"error\":{\"code\":\"headers_too_large\",\"message\":\"request line and headers exceed server.max_header_bytes\"}}";

static const char uri_too_long_body[] =
    "{\"error\":{\"code\":\"uri_too_long\",\"message\":\"the request line exceeds server.max_header_bytes\"}}";

static const char unsupported_coding_body[] =
    "{\"error\":{\"code\":\"unsupported_transfer_encoding\",\"message\":\"only Transfer-Encoding: chunked is "
    "supported (use Content-Encoding: gzip for compressed bodies)\"}}";

static const char ambiguous_body[] =
    "{\"error\":{\"code\":\"ambiguous_framing\",\"message\":\"conflicting Content-Length headers, or Content-Length "
    "with Transfer-Encoding (RFC 9112 section 6)\"}}";

/// Counts Content-Length headers and notes whether any differs from the first.
typedef struct length_headers {
    int count;
    int differ;
    const char *first;
} length_headers;

static enum MHD_Result count_length(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
    (void)kind;
    length_headers *lengths = cls;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) != 0) return MHD_YES;
    if (lengths->count++ == 0) {
        lengths->first = value;
    } else if (!value || !lengths->first || strcmp(value, lengths->first) != 0) {
        lengths->differ = 1;
    }
    return MHD_YES;
}

/// Framing a proxy in front could read differently from us (request smuggling): refuse it.
/// Answering before the body is read also makes libmicrohttpd close the connection.
static int is_ambiguous(struct MHD_Connection *connection) {
    length_headers lengths = {0};
    MHD_get_connection_values(connection, MHD_HEADER_KIND, count_length, &lengths);
    if (lengths.differ) return 1;
    return lengths.count > 0 &&
           MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL;
}

/// Answers with one of the bridge's own JSON errors (same shape as the API's), optionally asking
/// the client to close the connection.
static enum MHD_Result answer_json(struct MHD_Connection *connection, unsigned status, const char *body, int close) {
    chttp_response response = {0};
    response.status = status;
    response.content_type = "application/json";
    response.body = (const uint8_t *)body;
    response.body_length = strlen(body);
    if (close) {
        response.header_names[0] = "Connection";
        response.header_values[0] = "close";
    }
    return queue(connection, &response);
}

static enum MHD_Result sum_header_lines(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
    (void)kind;
    *(size_t *)cls += strlen(key) + (value ? strlen(value) : 0) + 4;  // "key: value\r\n"
    return MHD_YES;
}

/// The request line and headers over `server.max_header_bytes`: 414 when the request line alone
/// is, else 431, or 0. libmicrohttpd gets twice the limit as connection memory (chttp_start), so
/// it reaches the handler with every block up to about twice the limit and the answer is ours.
static unsigned header_limit_status(struct MHD_Connection *connection, size_t limit) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
    if (!info || info->header_size <= limit) return 0;
    size_t header_lines = 2;  // the blank line that ends the block
    MHD_get_connection_values(connection, MHD_HEADER_KIND, sum_header_lines, &header_lines);
    size_t request_line = info->header_size > header_lines ? info->header_size - header_lines : 0;
    return request_line > limit ? 414 : 431;
}

/// A Transfer-Encoding other than chunked, which libmicrohttpd would read as "until the client
/// closes": 501, as RFC 9112 section 6.1 asks of a server that does not know the coding.
static int has_unsupported_coding(struct MHD_Connection *connection) {
    const char *coding = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    return coding && strcasecmp(coding, "chunked") != 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls) {
    (void)version;
    chttp_server *server = cls;
    request_state *state = *con_cls;

    if (!state) {
        // First call: headers only. Refuse an announced oversize body before reading it, so the
        // client gets 413 instead of "100 Continue".
        state = calloc(1, sizeof *state);
        if (!state) return MHD_NO;
        *con_cls = state;
        unsigned header_status = header_limit_status(connection, server->config.max_header_bytes);
        if (header_status) {
            state->too_large = 2;
            atomic_fetch_add(&server->oversized, 1);
            return answer_json(connection, header_status, header_status == 414 ? uri_too_long_body : headers_too_large_body, 1);
        }
        if (is_ambiguous(connection)) {
            state->too_large = 2;
            return answer_json(connection, 400, ambiguous_body, 1);
        }
        if (has_unsupported_coding(connection)) {
            state->too_large = 2;
            return answer_json(connection, 501, unsupported_coding_body, 1);
        }
        const char *length = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (length && strtoull(length, NULL, 10) > server->config.max_body_bytes) {
            state->too_large = 1;
            atomic_fetch_add(&server->oversized, 1);
            return answer_json(connection, 413, too_large_body, 0);
        }
        return MHD_YES;
    }

    if (*upload_data_size > 0) {
        // A body chunk: keep it (or, past the limit, drop it and answer 413 once it has ended).
        if (!state->too_large) {
            size_t needed = state->length + *upload_data_size;
            if (needed > server->config.max_body_bytes) {
                state->too_large = 1;
                atomic_fetch_add(&server->oversized, 1);
                free(state->body);
                state->body = NULL;
                state->length = state->capacity = 0;
            } else {
                if (needed > state->capacity) {
                    size_t capacity = state->capacity ? state->capacity : 4096;
                    while (capacity < needed) capacity *= 2;
                    if (capacity > server->config.max_body_bytes) capacity = server->config.max_body_bytes;
                    uint8_t *grown = realloc(state->body, capacity);
                    if (!grown) return MHD_NO;
                    state->body = grown;
                    state->capacity = capacity;
                }
                memcpy(state->body + state->length, upload_data, *upload_data_size);
                state->length = needed;
            }
        }
        *upload_data_size = 0;
        return MHD_YES;
    }

    // The request is complete.
    if (state->pending) {
        // Called again after chttp_resume woke the connection: send the stored answer.
        chttp_pending *pending = state->pending;
        pthread_mutex_lock(&pending->lock);
        owned_response *answer = pending->answer;
        pending->answer = NULL;
        pthread_mutex_unlock(&pending->lock);
        if (!answer) return MHD_YES;  // spurious wake-up: nothing to send yet
        enum MHD_Result result = queue(connection, &answer->response);
        free_response(answer);
        return result;
    }
    if (state->too_large == 2) return MHD_YES;  // already answered from the headers
    if (state->too_large) return answer_json(connection, 413, too_large_body, 0);
    chttp_request request = {
        .method = method,
        .path = url,
        .body = state->body,
        .body_length = state->length,
        .connection = connection,
    };
    state->pending = NULL;
    request.state = state;
    request.server = server;
    server->config.handler(server->config.context, &request);
    if (state->pending) {
        chttp_pending *pending = state->pending;
        pthread_mutex_lock(&pending->lock);
        if (pending->state == ANSWERED_EARLY) {
            // The answer came before the handler returned: no need to suspend at all.
            owned_response *answer = pending->answer;
            pending->answer = NULL;
            pending->state = RESUMED;
            pthread_mutex_unlock(&pending->lock);
            enum MHD_Result result = answer ? queue(connection, &answer->response) : MHD_NO;
            free_response(answer);
            return result;
        }
        pending->state = SUSPENDED;
        MHD_suspend_connection(connection);
        pthread_mutex_unlock(&pending->lock);
        return MHD_YES;
    }
    if (!request.responded) {
        static const char unanswered[] =
            "{\"error\":{\"code\":\"internal_error\",\"message\":\"the request was not answered\"}}";
        return answer_json(connection, 500, unanswered, 0);
    }
    return (enum MHD_Result)request.queue_result;
}

chttp_pending *chttp_suspend(chttp_request *request) {
    request_state *state = request->state;
    if (!state || state->pending || request->responded) return NULL;
    chttp_pending *pending = calloc(1, sizeof *pending);
    if (!pending) return NULL;
    pthread_mutex_init(&pending->lock, NULL);
    pending->state = HANDLER_RUNNING;
    pending->connection = (struct MHD_Connection *)request->connection;
    pending->server = request->server;
    state->pending = pending;
    request->responded = 1;  // the answer comes through chttp_resume
    tracked *entry = tracked_of(pending->connection);
    if (entry) atomic_store(&entry->suspended, 1);
    atomic_fetch_add(&pending->server->pending, 1);
    return pending;
}

void chttp_resume(chttp_pending *pending, const chttp_response *response) {
    if (!pending) return;
    owned_response *answer = copy_response(response);
    chttp_server *server = pending->server;
    struct MHD_Connection *connection = pending->connection;
    pthread_mutex_lock(&pending->lock);
    pending->answer = answer;
    int resume = pending->state == SUSPENDED;
    pending->state = resume ? RESUMED : ANSWERED_EARLY;
    pthread_mutex_unlock(&pending->lock);
    // From here on `pending` may be freed by the connection's thread: touch only copies. The
    // connection itself stays valid until it is resumed (libmicrohttpd never frees a suspended
    // connection), and it is resumed only here.
    atomic_fetch_sub(&server->pending, 1);
    if (resume) MHD_resume_connection(connection);
}

uint64_t chttp_pending_requests(const chttp_server *server) {
    return atomic_load(&((chttp_server *)server)->pending);
}

void chttp_respond(chttp_request *request, const chttp_response *response) {
    if (request->responded) return;
    request->responded = 1;
    request->queue_result = queue((struct MHD_Connection *)request->connection, response);
}

static void on_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                         enum MHD_RequestTerminationCode code) {
    (void)cls;
    (void)code;
    // The next request on this connection gets its own deadline.
    tracked *entry = tracked_of(connection);
    if (entry) {
        atomic_store(&entry->suspended, 0);
        atomic_store(&entry->since, now_ms());
    }
    request_state *state = *con_cls;
    if (state) {
        if (state->pending) {
            // Wait out a chttp_resume still inside its critical section before freeing.
            pthread_mutex_lock(&state->pending->lock);
            pthread_mutex_unlock(&state->pending->lock);
            free_response(state->pending->answer);
            pthread_mutex_destroy(&state->pending->lock);
            free(state->pending);
        }
        free(state->body);
        free(state);
        *con_cls = NULL;
    }
}

/// Keeps the list of open connections for the sweeper.
static void on_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
                          enum MHD_ConnectionNotificationCode code) {
    chttp_server *server = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        tracked *entry = calloc(1, sizeof *entry);
        if (!entry) return;
        const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
        entry->fd = info ? info->connect_fd : -1;
        atomic_init(&entry->since, now_ms());
        atomic_init(&entry->suspended, 0);
        pthread_mutex_lock(&server->tracked_lock);
        entry->next = server->connections;
        if (server->connections) server->connections->previous = entry;
        server->connections = entry;
        pthread_mutex_unlock(&server->tracked_lock);
        atomic_fetch_add(&server->open_connections, 1);
        *socket_context = entry;
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
        tracked *entry = *socket_context;
        pthread_mutex_lock(&server->tracked_lock);
        if (entry->previous) entry->previous->next = entry->next; else server->connections = entry->next;
        if (entry->next) entry->next->previous = entry->previous;
        pthread_mutex_unlock(&server->tracked_lock);
        atomic_fetch_sub(&server->open_connections, 1);
        free(entry);
        *socket_context = NULL;
    }
}

/// Closes (shuts down; libmicrohttpd then sees the end and frees it) every connection whose
/// request has run past the request timeout, a few times a second.
static void *sweep(void *argument) {
    chttp_server *server = argument;
    int64_t limit = (int64_t)server->config.request_timeout_seconds * 1000;
    useconds_t pause = limit >= 4000 ? 250000 : (useconds_t)(limit * 1000 / 8);
    while (!atomic_load(&server->stopping)) {
        usleep(pause);
        int64_t now = now_ms();
        pthread_mutex_lock(&server->tracked_lock);
        for (tracked *entry = server->connections; entry; entry = entry->next) {
            if (atomic_load(&entry->suspended) || entry->fd < 0) continue;
            if (now - atomic_load(&entry->since) > limit) {
                shutdown(entry->fd, SHUT_RDWR);
                atomic_store(&entry->since, INT64_MAX / 2);  // once
                atomic_fetch_add(&server->timed_out, 1);
            }
        }
        pthread_mutex_unlock(&server->tracked_lock);
    }
    return NULL;
}

/// Percent-decodes in place like libmicrohttpd's default, except that `%00` is left encoded: a
/// decoded NUL would silently cut the path short for the C-string consumers above.
static size_t unescape(void *cls, struct MHD_Connection *connection, char *text) {
    (void)cls;
    (void)connection;
    char *read = text, *write = text;
    while (*read) {
        if (read[0] == '%' && isxdigit((unsigned char)read[1]) && isxdigit((unsigned char)read[2]) &&
            !(read[1] == '0' && read[2] == '0')) {
            char hex[3] = {read[1], read[2], 0};
            *write++ = (char)strtol(hex, NULL, 16);
            read += 3;
        } else {
            *write++ = *read++;
        }
    }
    *write = 0;
    return (size_t)(write - text);
}

/// libmicrohttpd's log, enabled only to count the requests it refuses itself with its own HTML
/// page (a malformed request line or header, an unsupported HTTP version, a request beyond the
/// connection's memory): it offers no way to answer those in JSON. Nothing is printed: a client
/// could otherwise fill the log.
static void on_libmicrohttpd_message(void *cls, const char *format, va_list arguments) {
    (void)arguments;
    static const char refused[] = "Error processing request (HTTP response code is ";
    if (strncmp(format, refused, sizeof refused - 1) == 0) atomic_fetch_add(&((chttp_server *)cls)->malformed, 1);
}

chttp_server *chttp_start(const chttp_config *config, char *error, size_t error_length) {
    chttp_server *server = calloc(1, sizeof *server);
    if (!server) {
        snprintf(error, error_length, "out of memory");
        return NULL;
    }
    server->config = *config;
    atomic_init(&server->oversized, 0);
    atomic_init(&server->malformed, 0);
    atomic_init(&server->pending, 0);
    atomic_init(&server->timed_out, 0);
    atomic_init(&server->open_connections, 0);
    atomic_init(&server->stopping, 0);
    pthread_mutex_init(&server->tracked_lock, NULL);

    struct sockaddr_storage address;
    memset(&address, 0, sizeof address);
    // poll, not epoll: 0.9.75's epoll loop stalls at exactly 128 ready connections. ITC lets
    // chttp_quiesce wake the pool threads.
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ERROR_LOG;
    struct sockaddr_in *ipv4 = (struct sockaddr_in *)&address;
    struct sockaddr_in6 *ipv6 = (struct sockaddr_in6 *)&address;
    // Where to listen: an inherited socket (systemd socket activation), or the address.
    struct MHD_OptionItem placement[2] = {{MHD_OPTION_END, 0, NULL}, {MHD_OPTION_END, 0, NULL}};
    if (config->listen_fd >= 3) {
        socklen_t length = sizeof address;
        if (getsockname(config->listen_fd, (struct sockaddr *)&address, &length) != 0) {
            snprintf(error, error_length, "the inherited socket %d is not a socket", config->listen_fd);
            free(server);
            return NULL;
        }
        if (address.ss_family == AF_INET6) flags |= MHD_USE_IPv6;
        placement[0] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_SOCKET, config->listen_fd, NULL};
    } else if (inet_pton(AF_INET, config->address, &ipv4->sin_addr) == 1) {
        ipv4->sin_family = AF_INET;
        ipv4->sin_port = htons(config->port);
    } else if (inet_pton(AF_INET6, config->address, &ipv6->sin6_addr) == 1) {
        ipv6->sin6_family = AF_INET6;
        ipv6->sin6_port = htons(config->port);
        flags |= MHD_USE_IPv6;
    } else {
        snprintf(error, error_length, "'%s' is not an IPv4 or IPv6 address", config->address);
        free(server);
        return NULL;
    }
    if (config->listen_fd < 3) placement[0] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, &address};

    unsigned threads = config->threads ? config->threads : 1;
    server->daemon = MHD_start_daemon(
        flags, config->port, NULL, NULL, on_request, server,
        MHD_OPTION_ARRAY, placement,
        MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_LIMIT, config->max_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, config->connection_timeout_seconds ? config->connection_timeout_seconds : 30,
        // Twice the header limit: the handler then sees every block up to about twice the limit
        // and refuses it in JSON (header_limit_status); libmicrohttpd also keeps its header
        // records and read buffer here. Pages are only committed as data arrives.
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, 2 * (config->max_header_bytes ? config->max_header_bytes : 16 * 1024),
        MHD_OPTION_EXTERNAL_LOGGER, on_libmicrohttpd_message, server,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, server,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, server,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, 1,
        MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
        MHD_OPTION_END);
    if (!server->daemon) {
        snprintf(error, error_length, "cannot listen on %s port %u (address in use, or not permitted)",
                 config->address, (unsigned)config->port);
        free(server);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(server->daemon, MHD_DAEMON_INFO_BIND_PORT);
    server->port = info ? info->port : config->port;
    if (config->listen_fd >= 3) {
        // An inherited socket: its own port (libmicrohttpd reports the one passed to it).
        server->port = ntohs(address.ss_family == AF_INET6 ? ipv6->sin6_port : ipv4->sin_port);
    }
    if (config->request_timeout_seconds > 0) {
        server->sweeping = pthread_create(&server->sweeper, NULL, sweep, server) == 0;
    }
    return server;
}

uint64_t chttp_open_connections(const chttp_server *server) {
    return atomic_load(&((chttp_server *)server)->open_connections);
}

uint64_t chttp_timed_out_requests(const chttp_server *server) {
    return atomic_load(&((chttp_server *)server)->timed_out);
}

uint16_t chttp_port(const chttp_server *server) { return server->port; }

uint64_t chttp_oversized_requests(const chttp_server *server) {
    return atomic_load(&((chttp_server *)server)->oversized);
}

uint64_t chttp_malformed_requests(const chttp_server *server) {
    return atomic_load(&((chttp_server *)server)->malformed);
}

void chttp_quiesce(chttp_server *server) {
    if (server && server->daemon) MHD_quiesce_daemon(server->daemon);
}

void chttp_stop(chttp_server *server) {
    if (!server) return;
    atomic_store(&server->stopping, 1);
    if (server->sweeping) pthread_join(server->sweeper, NULL);
    if (server->daemon) MHD_stop_daemon(server->daemon);
    pthread_mutex_destroy(&server->tracked_lock);
    free(server);
}

const char *chttp_request_header(const chttp_request *request, const char *name) {
    return MHD_lookup_connection_value((struct MHD_Connection *)request->connection, MHD_HEADER_KIND, name);
}

const char *chttp_request_query(const chttp_request *request, const char *key) {
    return MHD_lookup_connection_value((struct MHD_Connection *)request->connection, MHD_GET_ARGUMENT_KIND, key);
}
