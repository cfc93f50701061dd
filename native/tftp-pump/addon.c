/*
 * Node-API binding of the transfer loop (pump.c). start() binds the transfer's socket on the JS thread
 * and returns its port, then runs the loop on a thread of its own; the outcome comes back through a
 * thread-safe function. abort() stops a transfer: a flag, and shutdown(2), which wakes a blocked recvfrom.
 *
 * One thread per transfer: a lockstep transfer is one round trip per block, and a thread blocked in its
 * own recvfrom is woken by the kernel straight from the ACK's arrival, with no dispatch in between. PXE
 * transfers are short and few at once (the JavaScript side caps how many run here; the rest run there).
 */
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pump.h"

/* The loop keeps its buffers on the heap; a small stack lets many transfers run at once. */
#define THREAD_STACK (256 * 1024)

struct transfer {
  uint32_t id;
  struct pump_config cfg;
  atomic_int aborted;
  struct pump_result result;
  napi_threadsafe_function done;
  struct transfer *next;
  /* Copies of what the JS side passed: the pump runs after the call returns. */
  uint8_t *data;
  uint32_t *delays;
};

/* The running transfers, for abort(): a transfer leaves the list before its socket is closed. */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct transfer *registry = NULL;
static uint32_t next_id = 1;

static const char *END_NAMES[] = {
    [PUMP_COMPLETE] = "complete",          [PUMP_CLIENT_ERROR] = "client-error",
    [PUMP_TIMEOUT] = "timeout",            [PUMP_FILE_CHANGED] = "file-changed",
    [PUMP_READ_ERROR] = "read-error",      [PUMP_SOCKET_ERROR] = "socket-error",
    [PUMP_CLOSED] = "closed",
};

static void free_transfer(struct transfer *t) {
  free(t->cfg.oack.bytes);
  free(t->cfg.err_unknown_tid.bytes);
  free(t->cfg.err_file_changed.bytes);
  free(t->cfg.err_read.bytes);
  free(t->result.client_error.bytes);
  free(t->data);
  free(t->delays);
  free(t);
}

static void unregister(struct transfer *t) {
  pthread_mutex_lock(&registry_lock);
  for (struct transfer **at = &registry; *at != NULL; at = &(*at)->next) {
    if (*at == t) {
      *at = t->next;
      break;
    }
  }
  pthread_mutex_unlock(&registry_lock);
}

static void *transfer_thread(void *arg) {
  struct transfer *t = arg;
  pump_run(&t->cfg, &t->aborted, &t->result);
  unregister(t);
  close(t->cfg.sock);
  if (t->cfg.file_fd >= 0) close(t->cfg.file_fd);
  napi_threadsafe_function done = t->done;
  if (napi_call_threadsafe_function(done, t, napi_tsfn_blocking) != napi_ok) free_transfer(t);
  napi_release_threadsafe_function(done, napi_tsfn_release);
  return NULL;
}

static void set_number(napi_env env, napi_value obj, const char *name, double value) {
  napi_value v;
  napi_create_double(env, value, &v);
  napi_set_named_property(env, obj, name, v);
}

/* On the JS thread: the outcome as an object, to the callback given to start(). */
static void call_done(napi_env env, napi_value callback, void *context, void *data) {
  (void)context;
  struct transfer *t = data;
  if (env != NULL) {
    napi_value outcome, end, undefined;
    napi_create_object(env, &outcome);
    napi_create_string_utf8(env, END_NAMES[t->result.end], NAPI_AUTO_LENGTH, &end);
    napi_set_named_property(env, outcome, "end", end);
    set_number(env, outcome, "bytes", (double)t->result.bytes);
    set_number(env, outcome, "blocks", (double)t->result.blocks);
    set_number(env, outcome, "retransmits", (double)t->result.retransmits);
    set_number(env, outcome, "seconds", t->result.seconds);
    if (t->result.sys_errno != 0) {
      napi_value message;
      set_number(env, outcome, "errno", t->result.sys_errno);
      napi_create_string_utf8(env, strerror(t->result.sys_errno), NAPI_AUTO_LENGTH, &message);
      napi_set_named_property(env, outcome, "errnoMessage", message);
    }
    if (t->result.client_error.length > 0) {
      napi_value packet;
      void *copy;
      napi_create_buffer_copy(env, t->result.client_error.length, t->result.client_error.bytes, &copy,
                              &packet);
      napi_set_named_property(env, outcome, "clientError", packet);
    }
    napi_get_undefined(env, &undefined);
    napi_call_function(env, undefined, callback, 1, &outcome, NULL);
  }
  free_transfer(t);
}

static napi_value throw_error(napi_env env, const char *message) {
  napi_throw_error(env, NULL, message);
  return NULL;
}

static int get_property(napi_env env, napi_value obj, const char *name, napi_value *out) {
  bool has = false;
  if (napi_has_named_property(env, obj, name, &has) != napi_ok || !has) return -1;
  return napi_get_named_property(env, obj, name, out) == napi_ok ? 0 : -1;
}

static int get_u32(napi_env env, napi_value obj, const char *name, uint32_t *out) {
  napi_value v;
  return get_property(env, obj, name, &v) == 0 && napi_get_value_uint32(env, v, out) == napi_ok ? 0 : -1;
}

static int get_i64(napi_env env, napi_value obj, const char *name, int64_t *out) {
  napi_value v;
  return get_property(env, obj, name, &v) == 0 && napi_get_value_int64(env, v, out) == napi_ok ? 0 : -1;
}

/* A copy of a Buffer property (absent or empty: length 0). */
static int get_bytes(napi_env env, napi_value obj, const char *name, struct pump_bytes *out) {
  napi_value v;
  bool is_buffer = false;
  out->bytes = NULL;
  out->length = 0;
  if (get_property(env, obj, name, &v) != 0) return 0;
  if (napi_is_buffer(env, v, &is_buffer) != napi_ok || !is_buffer) return 0;
  void *data;
  size_t length;
  if (napi_get_buffer_info(env, v, &data, &length) != napi_ok) return -1;
  if (length == 0) return 0;
  out->bytes = malloc(length);
  if (out->bytes == NULL) return -1;
  memcpy(out->bytes, data, length);
  out->length = length;
  return 0;
}

static int get_string(napi_env env, napi_value obj, const char *name, char *out, size_t capacity) {
  napi_value v;
  size_t length;
  if (get_property(env, obj, name, &v) != 0) return -1;
  return napi_get_value_string_utf8(env, v, out, capacity, &length) == napi_ok ? 0 : -1;
}

/* An IP literal and port as a socket address of the given family (0: whichever parses). */
static int parse_address(const char *text, uint32_t port, int family, struct sockaddr_storage *out,
                         socklen_t *out_len) {
  memset(out, 0, sizeof *out);
  struct sockaddr_in *v4 = (struct sockaddr_in *)out;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;
  if (family != AF_INET6 && inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons((uint16_t)port);
    *out_len = sizeof *v4;
    return 0;
  }
  if (family != AF_INET && inet_pton(AF_INET6, text, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((uint16_t)port);
    *out_len = sizeof *v6;
    return 0;
  }
  return -1;
}

/* The JS options object into t->cfg (everything but the socket): NULL, or the option at fault. */
static const char *read_options(napi_env env, napi_value opts, struct transfer *t, char *local,
                                size_t local_capacity) {
  struct pump_config *cfg = &t->cfg;
  char peer[INET6_ADDRSTRLEN + 1];
  uint32_t peer_port, retries;
  int64_t size, fd;
  if (get_string(env, opts, "localAddress", local, local_capacity) != 0) return "localAddress";
  if (get_string(env, opts, "peerAddress", peer, sizeof peer) != 0) return "peerAddress";
  if (get_u32(env, opts, "peerPort", &peer_port) != 0 || peer_port == 0 || peer_port > 65535)
    return "peerPort";
  if (get_i64(env, opts, "size", &size) != 0 || size < 0) return "size";
  if (get_u32(env, opts, "blksize", &cfg->blksize) != 0 || cfg->blksize == 0) return "blksize";
  if (get_u32(env, opts, "windowsize", &cfg->windowsize) != 0 || cfg->windowsize == 0) return "windowsize";
  if (get_u32(env, opts, "retries", &retries) != 0) return "retries";
  if (get_u32(env, opts, "busyPollUs", &cfg->busy_poll_us) != 0) return "busyPollUs";
  if (get_u32(env, opts, "maxWaitMs", &cfg->max_wait_ms) != 0) return "maxWaitMs";
  if (get_i64(env, opts, "fd", &fd) != 0) return "fd";
  cfg->size = (uint64_t)size;
  cfg->retries = retries;
  cfg->file_fd = -1;

  napi_value delays;
  uint32_t count = 0;
  bool is_array = false;
  if (get_property(env, opts, "delaysMs", &delays) != 0 || napi_is_array(env, delays, &is_array) != napi_ok ||
      !is_array || napi_get_array_length(env, delays, &count) != napi_ok || count == 0)
    return "delaysMs";
  t->delays = calloc(count, sizeof *t->delays);
  if (t->delays == NULL) return "out of memory";
  for (uint32_t i = 0; i < count; i++) {
    napi_value v;
    if (napi_get_element(env, delays, i, &v) != napi_ok ||
        napi_get_value_uint32(env, v, &t->delays[i]) != napi_ok || t->delays[i] == 0)
      return "delaysMs";
  }
  cfg->delays_ms = t->delays;
  cfg->delay_count = count;

  if (get_bytes(env, opts, "oack", &cfg->oack) != 0 ||
      get_bytes(env, opts, "errUnknownTid", &cfg->err_unknown_tid) != 0 ||
      get_bytes(env, opts, "errFileChanged", &cfg->err_file_changed) != 0 ||
      get_bytes(env, opts, "errRead", &cfg->err_read) != 0)
    return "out of memory";

  if (fd < 0) {
    struct pump_bytes data;
    if (get_bytes(env, opts, "data", &data) != 0) return "out of memory";
    if (data.length != cfg->size) {
      free(data.bytes);
      return "data";
    }
    t->data = data.bytes;
    cfg->data = data.bytes;
  } else {
    /* The pump's own descriptor: the JS side closes its file handle when start() returns. */
    cfg->file_fd = fcntl((int)fd, F_DUPFD_CLOEXEC, 0);
    if (cfg->file_fd < 0) return "fd";
  }
  if (parse_address(peer, peer_port, 0, &cfg->peer, &cfg->peer_len) != 0) return "peerAddress";
  return NULL;
}

/* A UDP socket of the peer's family on localAddress, ephemeral port. -1 with errno set on failure. */
static int bind_socket(const char *local, const struct sockaddr_storage *peer, uint32_t *port) {
  struct sockaddr_storage addr;
  socklen_t len;
  if (parse_address(local, 0, peer->ss_family, &addr, &len) != 0) {
    errno = EAFNOSUPPORT;
    return -1;
  }
  int sock = socket(addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return -1;
  if (bind(sock, (struct sockaddr *)&addr, len) != 0 ||
      getsockname(sock, (struct sockaddr *)&addr, &len) != 0) {
    int saved = errno;
    close(sock);
    errno = saved;
    return -1;
  }
  *port = ntohs(addr.ss_family == AF_INET ? ((struct sockaddr_in *)&addr)->sin_port
                                          : ((struct sockaddr_in6 *)&addr)->sin6_port);
  return sock;
}

/* start(options, onDone) → { id, port }. Throws on bad options or when the socket cannot be bound. */
static napi_value start(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2)
    return throw_error(env, "start(options, onDone)");
  struct transfer *t = calloc(1, sizeof *t);
  if (t == NULL) return throw_error(env, "out of memory");
  t->cfg.sock = -1;
  t->cfg.file_fd = -1;
  char local[INET6_ADDRSTRLEN + 1];
  const char *problem = read_options(env, argv[0], t, local, sizeof local);
  if (problem != NULL) {
    if (t->cfg.file_fd >= 0) close(t->cfg.file_fd);
    free_transfer(t);
    char message[128];
    snprintf(message, sizeof message, "tftp-pump start: bad option %s", problem);
    return throw_error(env, message);
  }
  uint32_t port = 0;
  t->cfg.sock = bind_socket(local, &t->cfg.peer, &port);
  if (t->cfg.sock < 0) {
    char message[160];
    snprintf(message, sizeof message, "tftp-pump start: bind %s: %s", local, strerror(errno));
    if (t->cfg.file_fd >= 0) close(t->cfg.file_fd);
    free_transfer(t);
    return throw_error(env, message);
  }
  napi_value name;
  napi_create_string_utf8(env, "tftp-pump", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, argv[1], NULL, name, 0, 1, NULL, NULL, NULL, call_done,
                                      &t->done) != napi_ok) {
    close(t->cfg.sock);
    if (t->cfg.file_fd >= 0) close(t->cfg.file_fd);
    free_transfer(t);
    return throw_error(env, "tftp-pump start: no thread-safe function");
  }
  pthread_mutex_lock(&registry_lock);
  t->id = next_id++;
  if (next_id == 0) next_id = 1;
  t->next = registry;
  registry = t;
  pthread_mutex_unlock(&registry_lock);

  pthread_attr_t attr;
  pthread_t thread;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, THREAD_STACK);
  int failed = pthread_create(&thread, &attr, transfer_thread, t);
  pthread_attr_destroy(&attr);
  if (failed != 0) {
    unregister(t);
    close(t->cfg.sock);
    if (t->cfg.file_fd >= 0) close(t->cfg.file_fd);
    napi_release_threadsafe_function(t->done, napi_tsfn_abort);
    free_transfer(t);
    char message[128];
    snprintf(message, sizeof message, "tftp-pump start: thread: %s", strerror(failed));
    return throw_error(env, message);
  }
  pthread_setname_np(thread, "tftp-pump");

  napi_value result, v;
  napi_create_object(env, &result);
  napi_create_uint32(env, t->id, &v);
  napi_set_named_property(env, result, "id", v);
  napi_create_uint32(env, port, &v);
  napi_set_named_property(env, result, "port", v);
  return result;
}

/* Must hold registry_lock. */
static void abort_locked(struct transfer *t) {
  atomic_store(&t->aborted, 1);
  shutdown(t->cfg.sock, SHUT_RDWR);
}

/* abort(id): stops a running transfer; its onDone follows with end "closed". Unknown ids are ignored. */
static napi_value abort_transfer(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  uint32_t id;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_uint32(env, argv[0], &id) != napi_ok)
    return throw_error(env, "abort(id)");
  pthread_mutex_lock(&registry_lock);
  for (struct transfer *t = registry; t != NULL; t = t->next) {
    if (t->id == id) {
      abort_locked(t);
      break;
    }
  }
  pthread_mutex_unlock(&registry_lock);
  return NULL;
}

/* The environment goes away (process exit, worker end): every transfer stops. */
static void abort_all(void *arg) {
  (void)arg;
  pthread_mutex_lock(&registry_lock);
  for (struct transfer *t = registry; t != NULL; t = t->next) abort_locked(t);
  pthread_mutex_unlock(&registry_lock);
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"start", NULL, start, NULL, NULL, NULL, napi_enumerable, NULL},
      {"abort", NULL, abort_transfer, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  napi_add_env_cleanup_hook(env, abort_all, NULL);
  pump_init();
  return exports;
}

#ifndef NODE_GYP_MODULE_NAME
#define NODE_GYP_MODULE_NAME tftp_pump
#endif
NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
