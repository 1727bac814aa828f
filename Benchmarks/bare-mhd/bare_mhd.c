// The baseline of P5 and P6 (docs/BENCHMARKS.md): a bare libmicrohttpd responder with streamd's
// threading and body handling, and no work of its own. It accumulates each request body the way
// Sources/CHttp/chttp.c does, counts its lines (an event per non-empty line: 1 for a single JSON
// object) and answers 202 {"accepted":N}. Anything streamd does on top of this is its overhead.
//
//   cc -O2 -o bare_mhd bare_mhd.c -lmicrohttpd
//   ./bare_mhd [port]      listens on 127.0.0.1 and prints "port=NNNN" on stdout once listening (port 0, the default,
//                          picks a free one); SIGTERM or SIGINT stops it with exit status 0.
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// As streamd's defaults (Sources/StreamdHTTP/Server/HTTPServer.swift, Sources/CHttp/chttp.c).
enum { THREADS = 2, MAX_CONNECTIONS = 1024, TIMEOUT_SECONDS = 30, MEMORY_LIMIT = 64 * 1024 };
static const size_t max_body_bytes = 8 * 1024 * 1024;

typedef struct request_state {
    char *body;
    size_t length;
    size_t capacity;
} request_state;

/// Lines holding something: newlines, plus one for a last line without a newline.
static size_t count_lines(const char *body, size_t length) {
    size_t lines = 0;
    const char *cursor = body, *end = body + length;
    const char *newline;
    while (cursor < end && (newline = memchr(cursor, '\n', (size_t)(end - cursor))) != NULL) {
        if (newline > cursor) lines++;
        cursor = newline + 1;
    }
    if (cursor < end) lines++;
    return lines;
}

static enum MHD_Result answer(struct MHD_Connection *connection, unsigned status, const char *body) {
    struct MHD_Response *response = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!response) return MHD_NO;
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    enum MHD_Result result = MHD_queue_response(connection, status, response);
    MHD_destroy_response(response);
    return result;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls) {
    (void)cls, (void)url, (void)method, (void)version;
    request_state *state = *con_cls;
    if (!state) {
        state = calloc(1, sizeof *state);
        if (!state) return MHD_NO;
        *con_cls = state;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t needed = state->length + *upload_data_size;
        if (needed > max_body_bytes) return MHD_NO;
        if (needed > state->capacity) {
            size_t capacity = state->capacity ? state->capacity : 4096;
            while (capacity < needed) capacity *= 2;
            char *grown = realloc(state->body, capacity);
            if (!grown) return MHD_NO;
            state->body = grown;
            state->capacity = capacity;
        }
        memcpy(state->body + state->length, upload_data, *upload_data_size);
        state->length = needed;
        *upload_data_size = 0;
        return MHD_YES;
    }
    char reply[48];
    snprintf(reply, sizeof reply, "{\"accepted\":%zu}", count_lines(state->body, state->length));
    return answer(connection, 202, reply);
}

static void on_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                         enum MHD_RequestTerminationCode code) {
    (void)cls, (void)connection, (void)code;
    request_state *state = *con_cls;
    if (state) {
        free(state->body);
        free(state);
        *con_cls = NULL;
    }
}

int main(int argc, char **argv) {
    uint16_t port = argc > 1 ? (uint16_t)atoi(argv[1]) : 0;
    // Signals are taken by sigwait below, never by MHD's threads (which inherit this mask).
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);

    // Loopback only, like streamd's default listen address.
    struct sockaddr_in address;
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    // streamd's flags: poll, not epoll (0.9.75's epoll loop stalls at 128 ready connections).
    struct MHD_Daemon *daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC, port, NULL, NULL, on_request, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&address,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)THREADS,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)TIMEOUT_SECONDS,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)MEMORY_LIMIT,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, 1,
        MHD_OPTION_END);
    if (!daemon) {
        fprintf(stderr, "bare_mhd: cannot listen on port %u\n", (unsigned)port);
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    printf("port=%u\n", info ? (unsigned)info->port : (unsigned)port);
    fflush(stdout);

    int signal_number = 0;
    sigwait(&signals, &signal_number);
    MHD_stop_daemon(daemon);
    return 0;
}
