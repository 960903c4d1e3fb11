/*
 * The reference client of the timing section: what a probe's phases take when nothing else runs. One target at a
 * time, from C: the clock read right before connect(2) and as soon as poll(2) says the socket is writable
 * (connect), then, for HTTP, right after the request is written and as soon as the first byte can be read. The
 * first byte is reported as curl's time_starttransfer is: connect + (first byte - request written).
 * Compiled by scripts/bench/native.ts into a temporary directory with the system `cc`; never committed.
 *
 * argv: <repetitions> <targets file: one "ipv4 port tcp|http" per line>
 * stdout: one JSON object per target: {"target":"ip:port","mode":"http","connectMs":[...],"firstByteMs":[...]}
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
};

static struct target targets[MAX_TARGETS];

/* One attempt; returns 0 when it connected (and, for HTTP, read the first byte). */
static int attempt(struct target *t, int rep) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  double start = now_ms();
  int rc = connect(fd, (struct sockaddr *)&t->addr, sizeof t->addr);
  if (rc != 0 && errno != EINPROGRESS) {
    close(fd);
    return -1;
  }
  struct pollfd p = {.fd = fd, .events = POLLOUT};
  if (rc != 0 && poll(&p, 1, TIMEOUT_MS) != 1) {
    close(fd);
    return -1;
  }
  double connected = now_ms();
  int error = 0;
  socklen_t len = sizeof error;
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
  if (error != 0) {
    close(fd);
    return -1;
  }
  t->connect_ms[rep] = connected - start;
  if (t->http) {
    char request[256];
    int n = snprintf(request, sizeof request,
                     "GET / HTTP/1.1\r\nHost: %s:%u\r\nUser-Agent: mse-watch\r\nAccept: */*\r\nConnection: "
                     "close\r\n\r\n",
                     t->host, t->port);
    if (write(fd, request, (size_t)n) != n) {
      close(fd);
      return -1;
    }
    double written = now_ms();
    p.events = POLLIN;
    if (poll(&p, 1, TIMEOUT_MS) != 1) {
      close(fd);
      return -1;
    }
    double first = now_ms();
    char buffer[512];
    if (read(fd, buffer, sizeof buffer) <= 0) {
      close(fd);
      return -1;
    }
    t->first_byte_ms[rep] = t->connect_ms[rep] + (first - written);
  }
  close(fd);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s <repetitions> <targets file>\n", argv[0]);
    return 2;
  }
  int reps = atoi(argv[1]);
  FILE *file = fopen(argv[2], "r");
  if (!file || reps < 1 || reps > MAX_REPS) {
    fprintf(stderr, "c-timing: bad repetitions or targets file\n");
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
  /* round after round over every target, so a slow moment of the machine touches all targets alike */
  for (int rep = 0; rep < reps; rep++) {
    for (int i = 0; i < n; i++) {
      if (attempt(&targets[i], rep) != 0) {
        fprintf(stderr, "c-timing: %s:%u failed\n", targets[i].host, targets[i].port);
        return 1;
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
