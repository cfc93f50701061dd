/*
 * The data phase of one TFTP read transfer, run as a blocking loop on its own thread: the same state
 * machine as src/server/tftp/session.ts (which stays the reference), driven by recvfrom() with a timeout
 * instead of events. Everything the wire carries besides DATA (the OACK, every ERROR text) and every
 * timing number comes from the TypeScript side ready-made, so the two engines cannot drift apart.
 */
#ifndef TFTP_PUMP_H
#define TFTP_PUMP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

enum pump_end {
  /* Every block was acknowledged. */
  PUMP_COMPLETE,
  /* The client sent an ERROR; its packet is in pump_result.client_error. */
  PUMP_CLIENT_ERROR,
  /* No progress after the last retransmission, or for max_wait_ms. */
  PUMP_TIMEOUT,
  /* The file has fewer bytes than announced: err_file_changed was sent. */
  PUMP_FILE_CHANGED,
  /* A read failed: err_read was sent; pump_result.sys_errno says why. */
  PUMP_READ_ERROR,
  /* send or receive failed; pump_result.sys_errno says why. */
  PUMP_SOCKET_ERROR,
  /* Stopped from outside (the server closes); nothing more was sent. */
  PUMP_CLOSED,
};

struct pump_bytes {
  uint8_t *bytes;
  size_t length;
};

struct pump_config {
  /* A bound UDP socket: the transfer's TID. */
  int sock;
  struct sockaddr_storage peer;
  socklen_t peer_len;
  /* Blocks come from file_fd at their offset, or from data (a netascii conversion) when file_fd < 0. */
  int file_fd;
  const uint8_t *data;
  /* Bytes the transfer sends: the size announced (tsize); a file that grew is cut there. */
  uint64_t size;
  uint32_t blksize;
  uint32_t windowsize;
  /* Retransmission timer after `tries` timeouts in a row: delays_ms[min(tries, delay_count - 1)]. */
  const uint32_t *delays_ms;
  uint32_t delay_count;
  /* Timeouts in a row before giving up. */
  uint32_t retries;
  /* The server's ceiling: no progress for this long ends the transfer (PUMP_TIMEOUT), whatever timeout the
   * client asked for and whatever the delays say; 0: no ceiling. */
  uint32_t max_wait_ms;
  /* After sending, poll the socket this long before sleeping in recvfrom (0: never; see pump.c). */
  uint32_t busy_poll_us;
  /* The OACK, sent first and retransmitted until ACK 0; length 0: DATA 1 goes out at once. */
  struct pump_bytes oack;
  /* ERROR packets, encoded by the TypeScript codec. */
  struct pump_bytes err_unknown_tid;
  struct pump_bytes err_file_changed;
  struct pump_bytes err_read;
};

struct pump_result {
  enum pump_end end;
  /* File bytes acknowledged, and blocks acknowledged. */
  uint64_t bytes;
  uint64_t blocks;
  /* Timeouts that resent the window (or the OACK). */
  uint64_t retransmits;
  double seconds;
  int sys_errno;
  /* PUMP_CLIENT_ERROR: the client's datagram (malloc'd, the caller frees it). */
  struct pump_bytes client_error;
};

/* Once, before any transfer: how many transfers may busy-poll at once (the CPUs this process may use,
 * less one, so a poller never takes the last CPU from the client or the rest of the process). */
void pump_init(void);

/* Runs the transfer to its end. `aborted` is polled after every wake-up; set it and shut the socket down
 * (shutdown(2) wakes a blocked recvfrom) to stop the loop. */
void pump_run(const struct pump_config *cfg, atomic_int *aborted, struct pump_result *out);

#endif
