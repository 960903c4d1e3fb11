/*
 * The reference client of the timing section: what a probe's phases take, timed in C where reading the clock
 * costs nothing and every event is handled as soon as epoll(7) reports it. Each attempt's clock starts right
 * before its connect(2); connect ends when epoll says the socket is writable; for HTTP the request is written at
 * once and the first byte is when epoll says it is readable. The first byte is reported as curl's
 * time_starttransfer is: connect + (first byte - request written).
 *
 * `concurrency` attempts are in flight at once (1: one target at a time, nothing else running; the number of
 * targets: all of them together, as mse-watch probes a region), so the servers see the same load from both.
 * Compiled by scripts/bench/native.ts into a temporary directory with the system `cc`; never committed.
 *
 * argv: <repetitions> <concurrency> <targets file: one "ipv4 port tcp|http" per line>
 * stdout: one JSON object per target: {"target":"ip:port","mode":"http","connectMs":[...],"firstByteMs":[...]}
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_TARGETS 4096
#define MAX_REPS 64
#define TIMEOUT_MS 2000

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

struct target {
  char host[64];
  unsigned port;
  int http;
  struct sockaddr_in addr;
  double connect_ms[MAX_REPS];
  double first_byte_ms[MAX_REPS];
  /* the attempt in flight */
  int fd;
  int connected;
  double start, written;
};

static struct target targets[MAX_TARGETS];

static int start_attempt(int ep, int i) {
  struct target *t = &targets[i];
  t->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (t->fd < 0) return -1;
  t->connected = 0;
  struct epoll_event ev = {.events = EPOLLOUT, .data.u32 = (unsigned)i};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, t->fd, &ev) != 0) return -1;
  t->start = now_ms();
  if (connect(t->fd, (struct sockaddr *)&t->addr, sizeof t->addr) != 0 && errno != EINPROGRESS) return -1;
  return 0;
}

/* Handles one event of target i; returns 1 when its attempt is over, 0 when it goes on, -1 on failure. */
static int on_event(int ep, int i, int rep) {
  struct target *t = &targets[i];
  double at = now_ms();
  if (!t->connected) {
    int error = 0;
    socklen_t len = sizeof error;
    getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &error, &len);
    if (error != 0) return -1;
    t->connected = 1;
    t->connect_ms[rep] = at - t->start;
    if (!t->http) return 1;
    char request[256];
    int n = snprintf(request, sizeof request,
                     "GET / HTTP/1.1\r\nHost: %s:%u\r\nUser-Agent: mse-watch\r\nAccept: */*\r\nConnection: "
                     "close\r\n\r\n",
                     t->host, t->port);
    if (write(t->fd, request, (size_t)n) != n) return -1;
    t->written = now_ms();
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (unsigned)i};
    if (epoll_ctl(ep, EPOLL_CTL_MOD, t->fd, &ev) != 0) return -1;
    return 0;
  }
  char buffer[512];
  if (read(t->fd, buffer, sizeof buffer) <= 0) return -1;
  t->first_byte_ms[rep] = t->connect_ms[rep] + (at - t->written);
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s <repetitions> <concurrency> <targets file>\n", argv[0]);
    return 2;
  }
  int reps = atoi(argv[1]);
  int concurrency = atoi(argv[2]);
  FILE *file = fopen(argv[3], "r");
  if (!file || reps < 1 || reps > MAX_REPS || concurrency < 1) {
    fprintf(stderr, "c-timing: bad repetitions, concurrency or targets file\n");
    return 2;
  }
  int n = 0;
  char mode[8];
  while (n < MAX_TARGETS &&
         fscanf(file, "%63s %u %7s", targets[n].host, &targets[n].port, mode) == 3) {
    struct target *t = &targets[n];
    t->http = strcmp(mode, "http") == 0;
    t->addr.sin_family = AF_INET;
    t->addr.sin_port = htons((unsigned short)t->port);
    if (inet_pton(AF_INET, t->host, &t->addr.sin_addr) != 1) {
      fprintf(stderr, "not an IPv4 address: %s\n", t->host);
      return 2;
    }
    n++;
  }
  int ep = epoll_create1(0);
  struct epoll_event events[256];
  /* round after round over every target, so a slow moment of the machine touches all targets alike */
  for (int rep = 0; rep < reps; rep++) {
    int next = 0, running = 0, done = 0;
    while (done < n) {
      int dialling = running < concurrency && next < n;
      if (dialling) {
        if (start_attempt(ep, next) != 0) {
          fprintf(stderr, "c-timing: %s:%u cannot connect\n", targets[next].host, targets[next].port);
          return 1;
        }
        next++;
        running++;
      }
      /* after every dial a look at what is ready, without waiting: no event waits for the rest of the batch's
       * dials, so each is timed as it happens */
      int ready = epoll_wait(ep, events, 256, dialling ? 0 : TIMEOUT_MS);
      if (ready < 0 || (ready == 0 && !dialling)) {
        fprintf(stderr, "c-timing: no answer within %d ms\n", TIMEOUT_MS);
        return 1;
      }
      for (int e = 0; e < ready; e++) {
        int i = (int)events[e].data.u32;
        int over = on_event(ep, i, rep);
        if (over < 0) {
          fprintf(stderr, "c-timing: %s:%u failed\n", targets[i].host, targets[i].port);
          return 1;
        }
        if (over) {
          close(targets[i].fd);
          running--;
          done++;
        }
      }
    }
  }
  for (int i = 0; i < n; i++) {
    struct target *t = &targets[i];
    printf("{\"target\":\"%s:%u\",\"mode\":\"%s\",\"connectMs\":[", t->host, t->port, t->http ? "http" : "tcp");
    for (int r = 0; r < reps; r++) printf("%s%.4f", r ? "," : "", t->connect_ms[r]);
    printf("],\"firstByteMs\":[");
    if (t->http)
      for (int r = 0; r < reps; r++) printf("%s%.4f", r ? "," : "", t->first_byte_ms[r]);
    printf("]}\n");
  }
  return 0;
}
