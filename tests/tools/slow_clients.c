/* slow_clients: many connections that each trickle a request's header
 * lines one a second and never finish it (slowloris), for the API limit
 * tests. Usage: slow_clients HOST PORT SOURCE_ADDR COUNT SECONDS [TIMEOUT]
 *
 * Opens COUNT connections from SOURCE_ADDR, sends a request line and then
 * one header line a second on each for SECONDS, and prints
 *   opened N refused R cut_early E cut_late L open O
 * refused: connect failed; cut_early: the server closed it before TIMEOUT
 * seconds (default 1) had passed since it was opened, so a connection limit
 * did, not the whole-request timeout; cut_late: closed later (give the
 * server's request timeout as TIMEOUT so that a busy machine, slow to
 * close, cannot turn one kind into the other); open: still open at the end.
 * Closes are looked for while the connections are still being opened, so
 * that opening thousands cannot delay seeing the first ones cut. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

struct tally {
    int early, late;
    double timeout;
};

/* Counts and closes the connections among p[0..n) the server has closed. */
static void reap(struct pollfd *p, const double *opened_at, int n, int wait_ms, struct tally *t)
{
    if (poll(p, (nfds_t)n, wait_ms) <= 0) return;
    for (int i = 0; i < n; i++) {
        if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        char buf[512];
        ssize_t got = recv(p[i].fd, buf, sizeof buf, 0);
        if (got > 0) continue; /* an error response; the close follows */
        if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (now_s() - opened_at[i] < t->timeout)
            t->early++;
        else
            t->late++;
        close(p[i].fd);
        p[i].fd = -1;
    }
}

int main(int argc, char **argv)
{
    if (argc != 6 && argc != 7) {
        fprintf(stderr, "usage: slow_clients HOST PORT SOURCE_ADDR COUNT SECONDS [TIMEOUT]\n");
        return 2;
    }
    int count = atoi(argv[4]), seconds = atoi(argv[5]);
    struct tally t = {.timeout = argc == 7 ? atof(argv[6]) : 1.0};
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
    struct sockaddr_in from = {.sin_family = AF_INET};
    if (count <= 0 || seconds <= 0 || !(t.timeout > 0) || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1 ||
        inet_pton(AF_INET, argv[3], &from.sin_addr) != 1) {
        fprintf(stderr, "slow_clients: bad arguments\n");
        return 2;
    }
    struct pollfd *p = calloc((size_t)count, sizeof *p);
    double *opened_at = calloc((size_t)count, sizeof *opened_at);
    if (!p || !opened_at) return 1;
    int refused = 0, opened = 0;
    static const char line[] = "GET /v1/statement?period=2026-10 HTTP/1.1\r\nHost: gpumeter\r\n";
    for (int i = 0; i < count; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        p[i].fd = -1;
        if (fd < 0 || bind(fd, (struct sockaddr *)&from, sizeof from) ||
            connect(fd, (struct sockaddr *)&to, sizeof to) ||
            send(fd, line, sizeof line - 1, MSG_NOSIGNAL) < 0) {
            refused++;
            if (fd >= 0) close(fd);
            continue;
        }
        fcntl(fd, F_SETFL, O_NONBLOCK);
        p[i].fd = fd;
        p[i].events = POLLIN;
        opened_at[i] = now_s();
        opened++;
        if (i % 64 == 63) reap(p, opened_at, i + 1, 0, &t);
    }
    double start = now_s(), next = start + 1;
    while (now_s() < start + seconds) {
        reap(p, opened_at, count, 100, &t);
        if (now_s() >= next) { /* one more header line on every open one */
            for (int i = 0; i < count; i++)
                if (p[i].fd >= 0) send(p[i].fd, "X-Slow: 1\r\n", 11, MSG_NOSIGNAL);
            next += 1;
        }
    }
    int open = 0;
    for (int i = 0; i < count; i++)
        if (p[i].fd >= 0) {
            open++;
            close(p[i].fd);
        }
    printf("opened %d refused %d cut_early %d cut_late %d open %d\n", opened, refused, t.early, t.late,
           open);
    free(p);
    free(opened_at);
    return 0;
}
