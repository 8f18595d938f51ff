/*
 * qprobe.c - responsiveness probe for the allocation-report socket: one
 * connection that sends QUERY (type 3, device 0) frames in a loop and times
 * each round trip, the way a TT-Metal client waits on its reply.
 *
 * Build: cc -O2 -Wall -o qprobe qprobe.c
 * Run:   qprobe SOCKET OUTFILE [PAUSE_US=1000] [FRAME_BYTES=144]
 *
 * Writes one line per round trip to OUTFILE: "<send time> <reply time>", both
 * CLOCK_REALTIME in nanoseconds (comparable with time.time() in Python and
 * `date +%s.%N`). Pauses PAUSE_US between round trips. Stops on SIGTERM or
 * SIGINT (flushing OUTFILE), or when the server closes the connection.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_flag = 0;
static void on_sig(int s) { (void)s; stop_flag = 1; }

static uint64_t now_real(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s SOCKET OUTFILE [PAUSE_US=1000] [FRAME_BYTES=144]\n", argv[0]); return 2; }
    const char *path = argv[1];
    long pause_us = argc > 3 ? strtol(argv[3], NULL, 10) : 1000;
    size_t frame = argc > 4 ? (size_t)strtoul(argv[4], NULL, 10) : 144;
    if (frame != 72 && frame != 112 && frame != 144) { fprintf(stderr, "qprobe: frame must be 72, 112 or 144\n"); return 2; }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sig; /* no SA_RESTART: a blocked recv returns EINTR */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    FILE *out = fopen(argv[2], "w");
    if (!out) { perror("qprobe: open output"); return 1; }
    static char outbuf[1 << 20];
    setvbuf(out, outbuf, _IOFBF, sizeof outbuf);

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    strncpy(a.sun_path, path, sizeof a.sun_path - 1);
    if (connect(fd, (struct sockaddr *)&a, sizeof a)) { perror("qprobe: connect"); return 1; }

    uint8_t q[144], r[144];
    memset(q, 0, sizeof q);
    q[0] = 3; /* QUERY, device 0 */
    int32_t pid = (int32_t)getpid();
    memcpy(q + 20, &pid, 4); /* little-endian hosts only, like the protocol */
    uint64_t rounds = 0, worst = 0;
    while (!stop_flag) {
        uint64_t t0 = now_real();
        size_t done = 0;
        while (done < frame && !stop_flag) {
            ssize_t n = send(fd, q + done, frame - done, MSG_NOSIGNAL);
            if (n < 0) { if (errno == EINTR) continue; perror("qprobe: send"); goto end; }
            done += (size_t)n;
        }
        done = 0;
        while (done < frame && !stop_flag) {
            ssize_t n = recv(fd, r + done, frame - done, 0);
            if (n < 0) { if (errno == EINTR) continue; perror("qprobe: recv"); goto end; }
            if (n == 0) { fprintf(stderr, "qprobe: server closed the connection\n"); goto end; }
            done += (size_t)n;
        }
        if (done < frame) break;
        uint64_t t1 = now_real();
        if (r[0] != 4) { fprintf(stderr, "qprobe: reply type %d, not RESPONSE\n", r[0]); break; }
        fprintf(out, "%llu %llu\n", (unsigned long long)t0, (unsigned long long)t1);
        rounds++;
        if (t1 - t0 > worst) worst = t1 - t0;
        if (pause_us > 0) usleep((useconds_t)pause_us);
    }
end:
    fflush(out);
    fclose(out);
    fprintf(stderr, "qprobe: %llu round trips, worst %.3f ms\n", (unsigned long long)rounds, worst / 1e6);
    return 0;
}
