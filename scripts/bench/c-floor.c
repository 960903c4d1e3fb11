/*
 * The machine's floor for the CPU benchmark: the same TCP handshakes as mse-watch and the bare node:net loop,
 * from C with non-blocking connect(2) and epoll(7), `concurrency` in flight, each with its own timeout.
 * Nothing but what a handshake needs: socket, connect, wait for writable, read SO_ERROR, close.
 * Compiled by scripts/bench/c-floor.ts into a temporary directory with the system `cc`; never committed.
 *
 * argv: <concurrency> <timeout ms> <targets file: one "ipv4 port" per line>
 * stdout: {"ok":N,"failed":M}
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Attempts in start order: the oldest has the earliest deadline, so one FIFO (one slot per target, as every
 * target is started once) serves as the timer queue. An entry is live while live[fd] == its sequence number. */
struct pending {
  int fd;
  long long seq;
  long long deadline;
};

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s <concurrency> <timeout ms> <targets file>\n", argv[0]);
    return 2;
  }
  int concurrency = atoi(argv[1]);
  long long timeout_ms = atoll(argv[2]);
  FILE *file = fopen(argv[3], "r");
  if (!file || concurrency < 1) {
    perror("targets");
    return 2;
  }
  size_t cap = 1024, n = 0;
  struct sockaddr_in *targets = malloc(cap * sizeof *targets);
  char host[64];
  unsigned port;
  while (fscanf(file, "%63s %u", host, &port) == 2) {
    if (n == cap) targets = realloc(targets, (cap *= 2) * sizeof *targets);
    struct sockaddr_in *t = &targets[n++];
    t->sin_family = AF_INET;
    t->sin_port = htons((unsigned short)port);
    if (inet_pton(AF_INET, host, &t->sin_addr) != 1) {
      fprintf(stderr, "not an IPv4 address: %s\n", host);
      return 2;
    }
  }
  fclose(file);

  int ep = epoll_create1(EPOLL_CLOEXEC);
  /* fds are small integers below the open-file limit */
  size_t fd_cap = (size_t)sysconf(_SC_OPEN_MAX);
  long long *live = calloc(fd_cap, sizeof *live);
  struct pending *queue = malloc((n > 0 ? n : 1) * sizeof *queue);
  size_t head = 0, tail = 0;
  long long seq = 0;
  size_t next = 0, ok = 0, failed = 0, inflight = 0;
  struct epoll_event events[256];

  for (;;) {
    while (inflight < (size_t)concurrency && next < n) {
      int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0 || (size_t)fd >= fd_cap) {
        perror("socket");
        return 2;
      }
      int rc = connect(fd, (struct sockaddr *)&targets[next++], sizeof(struct sockaddr_in));
      if (rc == 0) {
        ok++;
        close(fd);
        continue;
      }
      if (errno != EINPROGRESS) {
        failed++;
        close(fd);
        continue;
      }
      struct epoll_event ev = {.events = EPOLLOUT, .data.fd = fd};
      epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
      live[fd] = ++seq;
      queue[tail++] = (struct pending){fd, seq, now_ms() + timeout_ms};
      inflight++;
    }
    if (inflight == 0) break;
    /* drop finished entries from the head, then wait no longer than the oldest live deadline */
    while (head < tail && live[queue[head].fd] != queue[head].seq) head++;
    long long wait = head < tail ? queue[head].deadline - now_ms() : timeout_ms;
    if (wait <= 0) {
      int fd = queue[head].fd;
      live[fd] = 0;
      close(fd);
      failed++;
      inflight--;
      continue;
    }
    int ready = epoll_wait(ep, events, 256, (int)wait);
    for (int i = 0; i < ready; i++) {
      int fd = events[i].data.fd;
      int error = 0;
      socklen_t len = sizeof error;
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
      if (error == 0)
        ok++;
      else
        failed++;
      live[fd] = 0;
      close(fd);
      inflight--;
    }
  }
  printf("{\"ok\":%zu,\"failed\":%zu}\n", ok, failed);
  return 0;
}
