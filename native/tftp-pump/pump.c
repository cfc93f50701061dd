/*
 * The transfer loop. Each step mirrors a method of TftpSession (session.ts): start → send the OACK or the
 * first window; ack → the same block arithmetic, the same silence on duplicate and stale ACKs; timeout →
 * the same give-up test and back-off. It blocks in recvfrom() with SO_RCVTIMEO set to the time left
 * before the session's timer would fire, so an ACK costs one recvfrom and the window one sendto per block.
 *
 * Busy-polling: in lockstep each block waits one round trip, and when the client runs on another CPU,
 * waking a sleeping thread costs as much as the rest of the round trip (a cross-CPU wake-up, dearer still
 * in a virtual machine). So after sending, the loop first polls its socket for up to busy_poll_us,
 * yielding the CPU between polls (a client on the same CPU runs at once). It stops polling when the client
 * is slower than that (POLL_MISSES polls in a row without the answer, then it sleeps for the next
 * POLL_REST waits before trying again), and at most max_pollers transfers poll at once.
 */
#define _GNU_SOURCE
#include "pump.h"

#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define TFTP_OP_DATA 3
#define TFTP_OP_ACK 4
#define TFTP_OP_ERROR 5

/* A datagram of any size fits: an ERROR's whole text goes back to the codec for decoding. */
#define RECV_CAPACITY 65536

/* How far SO_RCVTIMEO may be from the time left before it is set again: one setsockopt per timer change,
 * not per ACK. A receive that wakes early just waits again; one that wakes late is late by at most this. */
#define RCVTIMEO_SLACK_NS 1000000LL

/* Polls in a row that ended without the answer before a transfer stops polling for a while. */
#define POLL_MISSES 8
/* Waits that sleep at once after that, before polling is tried again. */
#define POLL_REST 256

enum wait_status { WAIT_TIMEOUT = -1, WAIT_ABORTED = -2, WAIT_ERROR = -3, WAIT_NOTHING = -4 };

static atomic_int pollers;
static int max_pollers;

void pump_init(void) {
  cpu_set_t set;
  int cpus = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
  max_pollers = cpus > 1 ? cpus - 1 : 0;
}

static int acquire_poller(void) {
  int n = atomic_load(&pollers);
  while (n < max_pollers)
    if (atomic_compare_exchange_weak(&pollers, &n, n + 1)) return 1;
  return 0;
}

/* What a step returns when the transfer goes on; anything else is an enum pump_end. */
#define GO_ON (-1)

struct pump {
  const struct pump_config *cfg;
  atomic_int *aborted;
  uint8_t *packet;
  uint8_t *in;
  uint64_t total_blocks;
  uint64_t acked;
  uint64_t sent_up_to;
  uint32_t tries;
  uint64_t retransmits;
  int oack_phase;
  /* A packet was just sent: the next wait may poll first. */
  int sent;
  uint32_t poll_misses;
  uint32_t poll_rest;
  int64_t deadline_ns;
  /* The last progress (start, the OACK's ACK, a window advanced): max_wait_ms counts from it. */
  int64_t progress_ns;
  int64_t rcvtimeo_ns;
  int sys_errno;
};

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int is_aborted(const struct pump *p) {
  return atomic_load_explicit(p->aborted, memory_order_relaxed) != 0;
}

/* session.ts timer(): the delay for the current number of tries, from the table TypeScript computed. */
static void arm(struct pump *p) {
  const struct pump_config *cfg = p->cfg;
  uint32_t i = p->tries < cfg->delay_count ? p->tries : cfg->delay_count - 1;
  int64_t now = now_ns();
  p->deadline_ns = now + (int64_t)cfg->delays_ms[i] * 1000000LL;
  /* session.ts timer(): never past the server's ceiling, however long the client's timeout. */
  if (cfg->max_wait_ms > 0) {
    int64_t ceiling = p->progress_ns + (int64_t)cfg->max_wait_ms * 1000000LL;
    if (ceiling < now + 1000000LL) ceiling = now + 1000000LL;
    if (ceiling < p->deadline_ns) p->deadline_ns = ceiling;
  }
  p->sent = 1;
}

static int send_to(struct pump *p, const uint8_t *bytes, size_t length, const struct sockaddr *to,
                   socklen_t to_len) {
  for (;;) {
    if (sendto(p->cfg->sock, bytes, length, 0, to, to_len) >= 0) return 0;
    if (errno == EINTR) continue;
    p->sys_errno = errno;
    return -1;
  }
}

static int send_peer(struct pump *p, const struct pump_bytes *b) {
  return send_to(p, b->bytes, b->length, (const struct sockaddr *)&p->cfg->peer, p->cfg->peer_len);
}

enum fill_status { FILL_OK = 0, FILL_CHANGED = -1, FILL_READ_ERROR = -2 };

/* The block's bytes into the packet after its 4-byte header. */
static int fill_block(struct pump *p, uint64_t offset, size_t length) {
  const struct pump_config *cfg = p->cfg;
  uint8_t *into = p->packet + 4;
  if (cfg->file_fd < 0) {
    if (length > 0) memcpy(into, cfg->data + offset, length);
    return FILL_OK;
  }
  size_t got = 0;
  while (got < length) {
    ssize_t n = pread(cfg->file_fd, into + got, length - got, (off_t)(offset + got));
    if (n < 0) {
      if (errno == EINTR) continue;
      p->sys_errno = errno;
      return FILL_READ_ERROR;
    }
    if (n == 0) return FILL_CHANGED;
    got += (size_t)n;
  }
  return FILL_OK;
}

/* session.ts sendWindow(): blocks acked+1 … acked+windowsize, not past the last. GO_ON, or the end. */
static int send_window(struct pump *p) {
  const struct pump_config *cfg = p->cfg;
  uint64_t last = p->acked + cfg->windowsize;
  if (last > p->total_blocks) last = p->total_blocks;
  for (uint64_t b = p->acked + 1; b <= last; b++) {
    uint64_t offset = (b - 1) * cfg->blksize;
    size_t length = cfg->size - offset < cfg->blksize ? (size_t)(cfg->size - offset) : cfg->blksize;
    int filled = fill_block(p, offset, length);
    if (filled == FILL_CHANGED) {
      send_peer(p, &cfg->err_file_changed);
      return PUMP_FILE_CHANGED;
    }
    if (filled == FILL_READ_ERROR) {
      send_peer(p, &cfg->err_read);
      return PUMP_READ_ERROR;
    }
    p->packet[0] = 0;
    p->packet[1] = TFTP_OP_DATA;
    p->packet[2] = (uint8_t)((b >> 8) & 0xff);
    p->packet[3] = (uint8_t)(b & 0xff);
    if (send_to(p, p->packet, 4 + length, (const struct sockaddr *)&cfg->peer, cfg->peer_len) != 0)
      return is_aborted(p) ? PUMP_CLOSED : PUMP_SOCKET_ERROR;
  }
  if (last > p->sent_up_to) p->sent_up_to = last;
  arm(p);
  return GO_ON;
}

static int set_rcvtimeo(struct pump *p, int64_t left_ns) {
  int64_t diff = p->rcvtimeo_ns - left_ns;
  if (p->rcvtimeo_ns > 0 && diff < RCVTIMEO_SLACK_NS && diff > -RCVTIMEO_SLACK_NS) return 0;
  /* Never zero: a zero SO_RCVTIMEO means "no timeout". */
  if (left_ns < 1000) left_ns = 1000;
  struct timeval tv = {.tv_sec = left_ns / 1000000000LL, .tv_usec = (left_ns % 1000000000LL) / 1000};
  if (setsockopt(p->cfg->sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0) {
    p->sys_errno = errno;
    return -1;
  }
  p->rcvtimeo_ns = left_ns;
  return 0;
}

/* The answer to what was just sent, if it comes within the busy-poll time: its length, or WAIT_NOTHING. */
static ssize_t poll_packet(struct pump *p, struct sockaddr_storage *from, socklen_t *from_len) {
  if (p->cfg->busy_poll_us == 0) return WAIT_NOTHING;
  if (p->poll_rest > 0) {
    p->poll_rest--;
    return WAIT_NOTHING;
  }
  if (!acquire_poller()) return WAIT_NOTHING;
  int64_t end = now_ns() + (int64_t)p->cfg->busy_poll_us * 1000;
  if (end > p->deadline_ns) end = p->deadline_ns;
  ssize_t n = WAIT_NOTHING;
  do {
    *from_len = sizeof *from;
    ssize_t got =
        recvfrom(p->cfg->sock, p->in, RECV_CAPACITY, MSG_DONTWAIT, (struct sockaddr *)from, from_len);
    if (got >= 0) {
      n = got;
      break;
    }
    /* Errors and the end of the transfer are for the blocking receive to find. */
    if ((errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) || is_aborted(p)) break;
    sched_yield();
  } while (now_ns() < end);
  atomic_fetch_sub(&pollers, 1);
  if (n >= 0) {
    p->poll_misses = 0;
  } else if (++p->poll_misses >= POLL_MISSES) {
    p->poll_misses = 0;
    p->poll_rest = POLL_REST;
  }
  return n;
}

/* The next datagram before the deadline: its length, or a wait_status. */
static ssize_t wait_packet(struct pump *p, struct sockaddr_storage *from, socklen_t *from_len) {
  if (p->sent) {
    p->sent = 0;
    ssize_t n = poll_packet(p, from, from_len);
    if (n > 0) return n;
    /* 0 is an empty datagram, or the wake-up of shutdown(2). */
    if (n == 0) return is_aborted(p) ? WAIT_ABORTED : 0;
  }
  for (;;) {
    if (is_aborted(p)) return WAIT_ABORTED;
    int64_t left = p->deadline_ns - now_ns();
    if (left <= 0) return WAIT_TIMEOUT;
    if (set_rcvtimeo(p, left) != 0) return WAIT_ERROR;
    *from_len = sizeof *from;
    ssize_t n = recvfrom(p->cfg->sock, p->in, RECV_CAPACITY, 0, (struct sockaddr *)from, from_len);
    if (n > 0) return n;
    /* 0 is an empty datagram, or the wake-up of shutdown(2). */
    if (is_aborted(p)) return WAIT_ABORTED;
    if (n == 0) return 0;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
    p->sys_errno = errno;
    return WAIT_ERROR;
  }
}

/* The TID check of session.ts receive(): same address and port as the request came from. */
static int same_peer(const struct sockaddr_storage *a, const struct sockaddr_storage *b) {
  if (a->ss_family != b->ss_family) return 0;
  if (a->ss_family == AF_INET) {
    const struct sockaddr_in *x = (const struct sockaddr_in *)a, *y = (const struct sockaddr_in *)b;
    return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
  }
  if (a->ss_family == AF_INET6) {
    const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a, *y = (const struct sockaddr_in6 *)b;
    return x->sin6_port == y->sin6_port && x->sin6_scope_id == y->sin6_scope_id &&
           memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
  }
  return 0;
}

/* session.ts ack(): GO_ON, or the end. */
static int on_ack(struct pump *p, unsigned wire) {
  if (p->oack_phase) {
    if (wire != 0) return GO_ON;
    p->oack_phase = 0;
    p->tries = 0;
    p->progress_ns = now_ns();
    return send_window(p);
  }
  /* The ACK names one block of [acked, sent_up_to]; anything else is stale. */
  uint64_t block = p->acked + ((wire - (unsigned)(p->acked & 0xffff)) & 0xffff);
  if (block > p->sent_up_to) return GO_ON;
  /* A duplicate ACK is never answered (Sorcerer's Apprentice): the timer covers a lost window. */
  if (block == p->acked) return GO_ON;
  p->acked = block;
  p->tries = 0;
  p->progress_ns = now_ns();
  if (p->acked >= p->total_blocks) return PUMP_COMPLETE;
  /* A full window acked: the next one. A partial one (RFC 7440): resend from there. */
  return send_window(p);
}

/* session.ts timeout(): GO_ON, or the end. */
static int on_timeout(struct pump *p) {
  if (p->cfg->max_wait_ms > 0 && now_ns() - p->progress_ns >= (int64_t)p->cfg->max_wait_ms * 1000000LL)
    return PUMP_TIMEOUT;
  if (p->tries >= p->cfg->retries) return PUMP_TIMEOUT;
  p->tries++;
  p->retransmits++;
  if (p->oack_phase) {
    if (send_peer(p, &p->cfg->oack) != 0) return is_aborted(p) ? PUMP_CLOSED : PUMP_SOCKET_ERROR;
    arm(p);
    return GO_ON;
  }
  return send_window(p);
}

static int keep_client_error(struct pump *p, ssize_t n, struct pump_result *out) {
  out->client_error.bytes = malloc((size_t)n);
  if (out->client_error.bytes == NULL) return -1;
  memcpy(out->client_error.bytes, p->in, (size_t)n);
  out->client_error.length = (size_t)n;
  return 0;
}

/* The loop: one datagram or one timeout per turn, until an end. */
static int run(struct pump *p, struct pump_result *out) {
  const struct pump_config *cfg = p->cfg;
  int end;
  if (p->oack_phase) {
    if (send_peer(p, &cfg->oack) != 0) return is_aborted(p) ? PUMP_CLOSED : PUMP_SOCKET_ERROR;
    arm(p);
  } else if ((end = send_window(p)) != GO_ON) {
    return end;
  }
  for (;;) {
    struct sockaddr_storage from;
    socklen_t from_len;
    ssize_t n = wait_packet(p, &from, &from_len);
    if (n == WAIT_ABORTED) return PUMP_CLOSED;
    if (n == WAIT_ERROR) return PUMP_SOCKET_ERROR;
    if (n == WAIT_TIMEOUT) {
      end = on_timeout(p);
    } else if (!same_peer(&from, &cfg->peer)) {
      /* RFC 1350: a packet from another TID gets ERROR 5, and the transfer goes on undisturbed. */
      sendto(cfg->sock, cfg->err_unknown_tid.bytes, cfg->err_unknown_tid.length, 0,
             (const struct sockaddr *)&from, from_len);
      continue;
    } else if (n >= 4 && p->in[0] == 0 && p->in[1] == TFTP_OP_ACK) {
      end = on_ack(p, ((unsigned)p->in[2] << 8) | p->in[3]);
    } else if (n >= 2 && p->in[0] == 0 && p->in[1] == TFTP_OP_ERROR) {
      if (keep_client_error(p, n, out) != 0) {
        p->sys_errno = ENOMEM;
        return PUMP_SOCKET_ERROR;
      }
      return PUMP_CLIENT_ERROR;
    } else {
      continue;
    }
    if (end != GO_ON) return end;
  }
}

void pump_run(const struct pump_config *cfg, atomic_int *aborted, struct pump_result *out) {
  int64_t started = now_ns();
  memset(out, 0, sizeof *out);
  struct pump p = {
      .cfg = cfg,
      .aborted = aborted,
      .packet = malloc(4 + (size_t)cfg->blksize),
      .in = malloc(RECV_CAPACITY),
      .total_blocks = cfg->size / cfg->blksize + 1,
      .oack_phase = cfg->oack.length > 0,
      .progress_ns = started,
  };
  if (p.packet == NULL || p.in == NULL) {
    p.sys_errno = ENOMEM;
    out->end = PUMP_SOCKET_ERROR;
  } else {
    out->end = (enum pump_end)run(&p, out);
  }
  free(p.packet);
  free(p.in);
  out->blocks = p.acked;
  uint64_t acked_bytes = p.acked * cfg->blksize;
  out->bytes = acked_bytes < cfg->size ? acked_bytes : cfg->size;
  out->retransmits = p.retransmits;
  out->sys_errno = p.sys_errno;
  out->seconds = (double)(now_ns() - started) / 1e9;
}
