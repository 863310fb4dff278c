/* slow_clients: many connections that each trickle a request's header
 * lines one a second and never finish it (slowloris), for the API limit
 * tests. Usage: slow_clients HOST PORT SOURCE_ADDR COUNT SECONDS
 *
 * Opens COUNT connections from SOURCE_ADDR, sends a request line and then
 * one header line a second on each for SECONDS, and prints
 *   opened N refused R cut_early E cut_late L open O
 * refused: connect failed; cut_early: the server closed it within 1 s
 * (over a connection limit); cut_late: closed later (the whole-request
 * timeout); open: still open at the end. */
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

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: slow_clients HOST PORT SOURCE_ADDR COUNT SECONDS\n");
        return 2;
    }
    int count = atoi(argv[4]), seconds = atoi(argv[5]);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
    struct sockaddr_in from = {.sin_family = AF_INET};
    if (count <= 0 || seconds <= 0 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1 ||
        inet_pton(AF_INET, argv[3], &from.sin_addr) != 1) {
        fprintf(stderr, "slow_clients: bad arguments\n");
        return 2;
    }
    struct pollfd *p = calloc((size_t)count, sizeof *p);
    double *opened_at = calloc((size_t)count, sizeof *opened_at);
    if (!p || !opened_at) return 1;
    int refused = 0, early = 0, late = 0, opened = 0;
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
    }
    double start = now_s(), next = start + 1;
    while (now_s() < start + seconds) {
        int n = poll(p, (nfds_t)count, 100);
        for (int i = 0; n > 0 && i < count; i++) {
            if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char buf[512];
            ssize_t got = recv(p[i].fd, buf, sizeof buf, 0);
            if (got > 0) continue; /* an error response; the close follows */
            if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
            if (now_s() - opened_at[i] < 1.0)
                early++;
            else
                late++;
            close(p[i].fd);
            p[i].fd = -1;
        }
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
    printf("opened %d refused %d cut_early %d cut_late %d open %d\n", opened, refused, early, late,
           open);
    free(p);
    free(opened_at);
    return 0;
}
