/*
 * The timing section's listeners: `count` ports on one loopback address, served from C with epoll(7). A
 * connection is accepted as soon as it is ready; a request is answered in the same turn it is read (a few
 * microseconds), so neither client's first byte waits for a busy server: what differs between mse-watch and
 * the reference client is the clients themselves. TCP probes only complete a handshake; the kernel does that.
 * Compiled by scripts/bench/native.ts into a temporary directory with the system `cc`; never committed.
 *
 * argv: <count> <loopback address>
 * stdout: {"targets":["ip:port",...]} once listening; exits when stdin closes.
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
#include <unistd.h>

#define MAX_LISTENERS 1024

static const char ANSWER[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s <count> <loopback address>\n", argv[0]);
    return 2;
  }
  int count = atoi(argv[1]);
  const char *host = argv[2];
  /* loopback only (the network rule) */
  if (strncmp(host, "127.", 4) != 0 || count < 1 || count > MAX_LISTENERS) {
    fprintf(stderr, "c-serve: needs 1-%d listeners on a 127.0.0.0/8 address\n", MAX_LISTENERS);
    return 2;
  }
  int ep = epoll_create1(0);
  /* data.u64: the listener's fd with the top bit set, or a connection's fd */
  const unsigned long long LISTENER = 1ULL << 63;
  printf("{\"targets\":[");
  for (int i = 0; i < count; i++) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    inet_pton(AF_INET, host, &addr.sin_addr);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 4096) != 0) {
      perror("c-serve: listen");
      return 1;
    }
    socklen_t len = sizeof addr;
    getsockname(fd, (struct sockaddr *)&addr, &len);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = LISTENER | (unsigned)fd};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    printf("%s\"%s:%u\"", i ? "," : "", host, ntohs(addr.sin_port));
  }
  printf("]}\n");
  fflush(stdout);
  struct epoll_event stdin_ev = {.events = EPOLLIN | EPOLLHUP, .data.u64 = LISTENER | (1ULL << 62)};
  epoll_ctl(ep, EPOLL_CTL_ADD, 0, &stdin_ev);
  struct epoll_event events[256];
  char buffer[4096];
  for (;;) {
    int ready = epoll_wait(ep, events, 256, -1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return 1;
    for (int e = 0; e < ready; e++) {
      unsigned long long data = events[e].data.u64;
      if (data == (LISTENER | (1ULL << 62))) {
        /* stdin: closed when the bench is done (or died) */
        if (read(0, buffer, sizeof buffer) <= 0) return 0;
        continue;
      }
      if (data & LISTENER) {
        int listener = (int)(data & 0xffffffff);
        for (;;) {
          int fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK);
          if (fd < 0) break;
          struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u64 = (unsigned)fd};
          epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        }
        continue;
      }
      int fd = (int)data;
      ssize_t n = read(fd, buffer, sizeof buffer);
      if (n > 0) {
        /* a request (the probers send it in one write): the whole answer at once, then the server hangs up */
        if (write(fd, ANSWER, sizeof ANSWER - 1) < 0) {
          /* the client went away first */
        }
      }
      close(fd);
    }
  }
}
