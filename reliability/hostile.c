/*
 * hostile.c - hostile clients for reliability/fuzz.sh: malformed frames, random bytes,
 * truncated frames, wrong frame sizes, absurd fields, through a real Unix socket to a
 * `tracker serve` speaking v3 (144-byte frames, PROTOCOL.md).
 *
 * Build: cc -O2 -Wall -o hostile hostile.c
 * Usage: hostile -s SOCKET -M MODE -n COUNT [-r SEED] [-R MAX_ROUNDS]
 *
 * Every mode is built so that what the daemon must count is known exactly, from the rules
 * the README states (a frame is malformed when its type is unknown or a reply type, its
 * device id is outside 0..1023, its buffer_type above 4, its size 0 or above 1 TiB, its
 * pid not positive; after 10 bad frames among the last 20 the connection is closed; a
 * stream ending inside a frame counts one; a lone 72- or 112-byte tail is a legacy frame;
 * a shorter-frame client is closed at its first frame). The well-formed frames mixed in
 * ("fillers") are FREEs of keys that were never allocated: each must count as one unknown
 * free and change nothing. Buffer ids of this program have bit 63 set, so they never meet
 * allocgen's (pid << 32 | seq).
 *
 * MODE and COUNT:
 *   absurd     COUNT bad frames, each a plausible frame with one absurd field (22 kinds),
 *              9 in every 20 frames (the rest fillers), so the connection is never closed;
 *              up to MAX_ROUNDS x 20 frames per connection, written in random-sized pieces
 *   randframes COUNT connections of 1..40 random 144-byte frames (made invalid where a
 *              random frame would be valid): min(N, 10) malformed each
 *   randbytes  COUNT connections of 1..8000 random bytes in random pieces, ending anywhere
 *   truncated  COUNT connections: fillers and up to 9 bad frames, then a partial frame
 *   wrongsize  COUNT connections speaking 72- or 112-byte frames (FREE or ALLOC)
 *   stall      COUNT connections sending a lone 72/112-byte QUERY and waiting for a reply
 *   slow       COUNT connections writing fillers one byte at a time, then a QUERY
 *   requests   COUNT connections of 50 QUERY / DEVICE_INFO_QUERY requests among bad frames,
 *              every reply checked
 *   dump       COUNT DUMP_REMAINING / DUMP_KERNELS requests (v3, and lone 72-byte v1)
 *   reqclose   COUNT connections sending a request with a device out of range and 5 fillers in
 *              one write, then closing without reading: the expectations assume every frame
 *              sent is read, which a daemon that answers such requests may not do
 *
 * Output, one line: "hostile mode=M pid=P connections=C frames_sent=F bad_sent=B
 *   expect_malformed=X expect_unknown_frees=U unexpected_closes=E replies_ok=R replies_bad=Q
 *   stall_max_ms=S rejected_requests=J bytes_back=K" (J: requests with a device out of range
 *   sent where nothing waits for their reply; K: bytes the daemon wrote back on those
 *   connections). Exit status 0 unless the socket could not be reached.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

enum {
    T_ALLOC = 1, T_FREE = 2, T_QUERY = 3, T_RESPONSE = 4, T_DUMP = 5, T_DINFO = 6, T_DINFO_RESPONSE = 7,
    T_CB_ALLOC = 8, T_CB_FREE = 9, T_KLOAD = 10, T_KUNLOAD = 11, T_DUMP_KERNELS = 12
};
enum { F3 = 144, F2 = 112, F1 = 72 };
enum { OFF_TYPE = 0, OFF_DEVICE = 4, OFF_SIZE = 8, OFF_BUFTYPE = 16, OFF_PID = 20, OFF_BUFID = 24, OFF_TS = 32 };

static const char *sock_path;
static int32_t self_pid;
static uint64_t rng = 88172645463325252ull;

static struct {
    uint64_t connections, frames_sent, bad_sent, exp_malformed, exp_unknown, unexpected_closes;
    uint64_t replies_ok, replies_bad, stall_max_ms, rejected_requests, bytes_back;
} tally;

static uint64_t rnd(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}
static uint64_t below(uint64_t n) { return n ? rnd() % n : 0; }

static uint64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
static uint64_t now_real_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void put_u8(uint8_t *f, size_t off, uint8_t v) { f[off] = v; }
static void put_u32(uint8_t *f, size_t off, uint32_t v) {
    for (int i = 0; i < 4; i++) f[off + i] = (uint8_t)(v >> (8 * i));
}
static void put_u64(uint8_t *f, size_t off, uint64_t v) {
    for (int i = 0; i < 8; i++) f[off + i] = (uint8_t)(v >> (8 * i));
}
static int32_t get_i32(const uint8_t *f, size_t off) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--) v = (v << 8) | f[off + i];
    return (int32_t)v;
}
static void fill_random(uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) p[i] = (uint8_t)rnd();
}

static int valid_device(int32_t d) { return d >= 0 && d <= 1023; }
static int32_t bad_device(void) {
    switch (below(4)) {
    case 0: return -1 - (int32_t)below(1000);
    case 1: return 1024 + (int32_t)below(1u << 30);
    case 2: return INT32_MIN + (int32_t)below(1000);
    default: return 1024;
    }
}

/* A well-formed FREE of a key never allocated: one unknown free, no state change. */
static void filler(uint8_t *f, size_t len, uint8_t type) {
    memset(f, 0, len);
    put_u8(f, OFF_TYPE, type);
    put_u32(f, OFF_DEVICE, (uint32_t)(1 + below(1023)));
    put_u32(f, OFF_PID, (uint32_t)self_pid);
    put_u64(f, OFF_BUFID, (1ull << 63) | rnd());
    if (type == T_ALLOC) {
        put_u64(f, OFF_SIZE, 4096 * (1 + below(64)));
        put_u8(f, OFF_BUFTYPE, (uint8_t)below(5));
        put_u64(f, OFF_TS, now_real_ns());
    }
}

/* A plausible v3 frame with exactly one absurd field: malformed by the stated rules. Kinds 17
 * and 18 are requests (QUERY, DEVICE_INFO_QUERY) with a device out of range: whether the
 * daemon answers those is counted (rejected_requests, replies), not assumed. */
static void absurd_kind(uint8_t *f, int allow_requests) {
    memset(f, 0, F3);
    uint8_t type = T_ALLOC;
    int32_t device = (int32_t)(1 + below(1023)), pid = self_pid;
    uint64_t size = 4096 * (1 + below(64));
    uint8_t buftype = (uint8_t)below(5);
    uint64_t kind = below(22);
    while (!allow_requests && (kind == 17 || kind == 18)) kind = below(22);
    if (kind == 17 || kind == 18) tally.rejected_requests++;
    switch (kind) {
    case 0: type = 0; break;
    case 1: type = (uint8_t)(13 + below(243)); break;
    case 2: type = T_RESPONSE; break;
    case 3: type = T_DINFO_RESPONSE; break;
    case 4: device = -1; break;
    case 5: device = 1024 + (int32_t)below(INT32_MAX - 1024); break;
    case 6: device = INT32_MIN + (int32_t)below(1u << 31); break;
    case 7: buftype = (uint8_t)(5 + below(251)); break;
    case 8: size = 0; break;
    case 9: size = (1ull << 40) + 1 + below(UINT64_MAX - (1ull << 40) - 1); break;
    case 10: pid = 0; break;
    case 11: pid = -1 - (int32_t)below(INT32_MAX); break;
    case 12: type = T_FREE; device = bad_device(); break;
    case 13: type = T_FREE; pid = -(int32_t)below(1000); break;
    case 14: type = T_CB_ALLOC; size = 0; break;
    case 15: type = T_CB_ALLOC; size = UINT64_MAX - below(1000); break;
    case 16: type = T_KLOAD; buftype = (uint8_t)(5 + below(251)); break;
    case 17: type = T_QUERY; device = bad_device(); break;
    case 18: type = T_DINFO; device = below(2) ? -2 - (int32_t)below(100) : 1024 + (int32_t)below(5000); break;
    case 19: type = T_CB_FREE; pid = 0; break;
    case 20: type = T_KUNLOAD; device = 4096; break;
    default: type = T_KLOAD; size = 0; break;
    }
    put_u8(f, OFF_TYPE, type);
    put_u32(f, OFF_DEVICE, (uint32_t)device);
    put_u64(f, OFF_SIZE, size);
    put_u8(f, OFF_BUFTYPE, buftype);
    put_u32(f, OFF_PID, (uint32_t)pid);
    put_u64(f, OFF_BUFID, (1ull << 63) | rnd());
    put_u64(f, OFF_TS, now_real_ns());
    if (below(2)) fill_random(f + 40, F3 - 40); /* garbage in the reply fields and the v3 tail */
}
static void absurd(uint8_t *f) { absurd_kind(f, 1); }

/* Makes a random frame start invalid where it would be valid by chance. */
static void spoil(uint8_t *f, size_t have) {
    if (have < 1) return;
    uint8_t t = f[OFF_TYPE];
    /* requests too: a reply nobody reads would make what the daemon reads depend on timing
     * (mode reqclose measures exactly that) */
    if (t == T_DUMP || t == T_DUMP_KERNELS || t == T_QUERY || t == T_DINFO) {
        f[OFF_TYPE] = (uint8_t)(0x80 | t);
        return;
    }
    if (have >= 8 && (t == T_ALLOC || t == T_FREE || t == T_QUERY || t == T_DINFO || (t >= T_CB_ALLOC && t <= T_KUNLOAD))) {
        if (valid_device(get_i32(f, OFF_DEVICE)) || get_i32(f, OFF_DEVICE) == -1) put_u32(f, OFF_DEVICE, (uint32_t)bad_device());
    } else if (have < 8 && t >= 1 && t <= 12) {
        f[OFF_TYPE] = 0;
    }
}

static int connect_sock(void) {
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    if (strlen(sock_path) >= sizeof a.sun_path) { fprintf(stderr, "hostile: socket path too long\n"); exit(2); }
    strcpy(a.sun_path, sock_path);
    uint64_t deadline = now_ms() + 30000;
    for (;;) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) { perror("hostile: socket"); exit(1); }
        if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
            tally.connections++;
            return fd;
        }
        int e = errno;
        close(fd);
        if ((e != EAGAIN && e != ECONNREFUSED && e != ENOENT) || now_ms() > deadline) {
            fprintf(stderr, "hostile: connect %s: %s\n", sock_path, strerror(e));
            exit(1);
        }
        usleep(2000);
    }
}

/* Writes len bytes in pieces (random sizes when fragment), reading (and counting) whatever the
 * daemon writes back meanwhile, so that replies can never fill the socket and stall both
 * sides. Returns the bytes written before an error. */
static size_t send_pieces(int fd, const uint8_t *p, size_t len, int fragment) {
    size_t done = 0;
    uint8_t scratch[65536];
    while (done < len) {
        struct pollfd pf = { .fd = fd, .events = POLLIN | POLLOUT };
        if (poll(&pf, 1, 60000) <= 0) { if (errno == EINTR) continue; return done; }
        if (pf.revents & POLLIN) {
            ssize_t r = recv(fd, scratch, sizeof scratch, MSG_DONTWAIT);
            if (r > 0) tally.bytes_back += (uint64_t)r;
        }
        if (pf.revents & (POLLERR | POLLHUP) && !(pf.revents & POLLOUT)) return done;
        if (!(pf.revents & POLLOUT)) continue;
        size_t want = len - done;
        if (fragment) {
            size_t piece = below(4) == 0 ? 1 + below(7) : 1 + below(below(2) ? 300 : 70000);
            if (piece < want) want = piece;
        }
        ssize_t r = send(fd, p + done, want, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (r < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            return done;
        }
        done += (size_t)r;
    }
    return done;
}

/* After shutdown(SHUT_WR): reads (and drops) until the daemon closes; -1 on timeout. */
static int drain_until_eof(int fd, int timeout_ms) {
    uint8_t buf[4096];
    uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
    for (;;) {
        int left = (int)(deadline - now_ms());
        if (left <= 0) return -1;
        struct pollfd pf = { .fd = fd, .events = POLLIN };
        int pr = poll(&pf, 1, left);
        if (pr < 0) { if (errno == EINTR) continue; return -1; }
        if (pr == 0) return -1;
        ssize_t r = recv(fd, buf, sizeof buf, 0);
        if (r == 0) return 0;
        if (r < 0) { if (errno == EINTR) continue; return errno == ECONNRESET ? 0 : -1; }
        tally.bytes_back += (uint64_t)r;
    }
}

static int recv_exactly(int fd, uint8_t *buf, size_t n, int timeout_ms) {
    size_t got = 0;
    while (got < n) {
        struct pollfd pf = { .fd = fd, .events = POLLIN };
        int pr = poll(&pf, 1, timeout_ms);
        if (pr < 0) { if (errno == EINTR) continue; return -1; }
        if (pr == 0) return -1;
        ssize_t r = recv(fd, buf + got, n - got, 0);
        if (r <= 0) { if (r < 0 && errno == EINTR) continue; return -1; }
        got += (size_t)r;
    }
    return 0;
}

static void finish(int fd, int expect_open) {
    shutdown(fd, SHUT_WR);
    if (drain_until_eof(fd, 120000) < 0 && expect_open) {
        fprintf(stderr, "hostile[%d]: the daemon did not close the connection within 120 s\n", self_pid);
        tally.unexpected_closes++;
    }
    close(fd);
}

static void mode_absurd(uint64_t bad_target, uint64_t max_rounds) {
    uint8_t *buf = malloc(max_rounds * 20 * F3);
    if (!buf) exit(1);
    while (tally.bad_sent < bad_target) {
        int bad_at[20] = {0};
        for (int placed = 0; placed < 9;) { /* a random pattern of 9 bad in 20, repeated */
            int p = (int)below(20);
            if (!bad_at[p]) { bad_at[p] = 1; placed++; }
        }
        uint64_t rounds = 1 + below(max_rounds), nbad = 0, nfill = 0;
        if ((bad_target - tally.bad_sent + 8) / 9 < rounds) rounds = (bad_target - tally.bad_sent + 8) / 9;
        for (uint64_t i = 0; i < rounds * 20; i++) {
            uint8_t *f = buf + i * F3;
            if (bad_at[i % 20]) { absurd(f); nbad++; }
            else { filler(f, F3, T_FREE); nfill++; }
        }
        int fd = connect_sock();
        size_t len = rounds * 20 * F3, sent = send_pieces(fd, buf, len, (int)below(2));
        if (sent < len) {
            fprintf(stderr, "hostile[%d]: absurd: the daemon closed a connection after %zu of %zu bytes (%s)\n",
                    self_pid, sent, len, strerror(errno));
            tally.unexpected_closes++;
            close(fd);
            continue;
        }
        finish(fd, 1);
        tally.frames_sent += rounds * 20;
        tally.bad_sent += nbad;
        tally.exp_malformed += nbad;
        tally.exp_unknown += nfill;
    }
    free(buf);
}

static void mode_randframes(uint64_t conns) {
    uint8_t buf[40 * F3];
    for (uint64_t c = 0; c < conns; c++) {
        uint64_t n = 1 + below(40);
        fill_random(buf, n * F3);
        for (uint64_t i = 0; i < n; i++) spoil(buf + i * F3, F3);
        int fd = connect_sock();
        size_t sent = send_pieces(fd, buf, n * F3, (int)below(2));
        tally.frames_sent += sent / F3;
        tally.bad_sent += sent / F3;
        tally.exp_malformed += n < 10 ? n : 10;
        if (n < 10 && sent < n * F3) tally.unexpected_closes++;
        if (below(2)) close(fd); else finish(fd, 0);
    }
}

static void mode_randbytes(uint64_t conns) {
    static uint8_t buf[8000];
    for (uint64_t c = 0; c < conns; c++) {
        size_t len = 1 + below(sizeof buf);
        fill_random(buf, len);
        for (size_t off = 0; off < len; off += F3) spoil(buf + off, len - off);
        size_t full = len / F3, rest = len % F3;
        int fd = connect_sock();
        size_t sent = send_pieces(fd, buf, len, 1);
        tally.frames_sent += (sent + F3 - 1) / F3;
        tally.bad_sent += (sent + F3 - 1) / F3;
        tally.exp_malformed += full >= 10 ? 10 : full + (rest > 0);
        if (full < 10 && sent < len) tally.unexpected_closes++;
        if (below(2)) close(fd); else finish(fd, 0);
    }
}

static void mode_truncated(uint64_t conns) {
    uint8_t buf[41 * F3];
    for (uint64_t c = 0; c < conns; c++) {
        uint64_t nfill = below(31), nbad = below(10), n = nfill + nbad, fills = 0, bads = 0;
        for (uint64_t i = 0; i < n; i++) {
            int bad = below(n - i) < nbad - bads; /* nbad bad frames at random places */
            if (bad) { absurd(buf + i * F3); bads++; } else { filler(buf + i * F3, F3, T_FREE); fills++; }
        }
        size_t tail = 1 + below(F3 - 1);
        if (below(8) == 0) tail = below(2) ? F1 : F2; /* a lone legacy-sized tail */
        int tail_is_filler = (int)below(2);
        if (tail_is_filler) filler(buf + n * F3, F3, T_FREE); else absurd(buf + n * F3);
        int fd = connect_sock();
        size_t len = n * F3 + tail, sent = send_pieces(fd, buf, len, (int)below(2));
        if (sent < len) { tally.unexpected_closes++; close(fd); continue; }
        finish(fd, 1);
        tally.frames_sent += n + 1;
        tally.bad_sent += nbad + 1;
        tally.exp_malformed += nbad;
        tally.exp_unknown += nfill;
        if ((tail == F1 || tail == F2) && tail_is_filler) tally.exp_unknown++; /* a legacy FREE */
        else tally.exp_malformed++;
    }
}

static void mode_wrongsize(uint64_t conns) {
    uint8_t buf[61 * F2];
    for (uint64_t c = 0; c < conns; c++) {
        size_t fsz = below(2) ? F1 : F2;
        uint64_t m = below(10) == 0 ? 1 : 2 + below(60);
        uint8_t type = m == 1 || below(2) ? T_FREE : T_ALLOC;
        for (uint64_t i = 0; i < m; i++) filler(buf + i * fsz, fsz, type);
        int fd = connect_sock();
        size_t sent = send_pieces(fd, buf, m * fsz, (int)below(2));
        tally.frames_sent += m;
        tally.bad_sent += m == 1 ? 0 : m;
        if (m == 1) tally.exp_unknown++; /* a lone legacy frame is taken as such */
        else tally.exp_malformed++;      /* closed at its first (misframed) frame */
        if (sent < (m == 1 ? fsz : F3)) tally.unexpected_closes++;
        finish(fd, 1);
    }
}

static void mode_stall(uint64_t conns) {
    uint8_t f[F2];
    for (uint64_t c = 0; c < conns; c++) {
        size_t fsz = below(2) ? F1 : F2;
        memset(f, 0, sizeof f);
        put_u8(f, OFF_TYPE, T_QUERY);
        put_u32(f, OFF_PID, (uint32_t)self_pid);
        int fd = connect_sock();
        uint64_t t0 = now_ms();
        send_pieces(fd, f, fsz, 0);
        uint8_t r[F3];
        /* the daemon closes after about a second, naming the mismatch; it never answers */
        if (recv_exactly(fd, r, 1, 10000) == 0) tally.replies_bad++;
        uint64_t took = now_ms() - t0;
        if (took > tally.stall_max_ms) tally.stall_max_ms = took;
        if (took >= 10000) tally.unexpected_closes++;
        close(fd);
        tally.frames_sent++;
        tally.bad_sent++;
        tally.exp_malformed++;
    }
}

static int check_reply(int fd, uint8_t want_type, int32_t device) {
    uint8_t r[F3];
    if (recv_exactly(fd, r, F3, 30000) < 0) return 0;
    return r[OFF_TYPE] == want_type && get_i32(r, OFF_DEVICE) == device;
}

static void mode_slow(uint64_t conns) {
    uint8_t f[F3];
    for (uint64_t c = 0; c < conns; c++) {
        int fd = connect_sock();
        uint64_t k = 1 + below(3);
        for (uint64_t i = 0; i < k; i++) {
            filler(f, F3, T_FREE);
            for (size_t b = 0; b < F3; b++) {
                if (send(fd, f + b, 1, MSG_NOSIGNAL) != 1) tally.unexpected_closes++;
                usleep(200);
            }
        }
        int32_t dev = (int32_t)(1 + below(1023));
        memset(f, 0, F3);
        put_u8(f, OFF_TYPE, T_QUERY);
        put_u32(f, OFF_DEVICE, (uint32_t)dev);
        put_u32(f, OFF_PID, (uint32_t)self_pid);
        send_pieces(fd, f, 40, 0);
        usleep(20000);
        send_pieces(fd, f + 40, F3 - 40, 0);
        if (check_reply(fd, T_RESPONSE, dev)) tally.replies_ok++; else tally.replies_bad++;
        finish(fd, 1);
        tally.frames_sent += k + 1;
        tally.exp_unknown += k;
    }
}

static void mode_requests(uint64_t conns) {
    uint8_t f[F3];
    for (uint64_t c = 0; c < conns; c++) {
        int fd = connect_sock();
        uint32_t window = 0; /* 1 bit per recent frame, 1 = bad */
        for (int i = 0; i < 50; i++) {
            if (below(2) && __builtin_popcount(window & 0xFFFFF) < 8) {
                absurd_kind(f, 0);
                if (send_pieces(fd, f, F3, 0) < F3) { tally.unexpected_closes++; break; }
                window = window << 1 | 1;
                tally.frames_sent++;
                tally.bad_sent++;
                tally.exp_malformed++;
            }
            int info = (int)below(2);
            int32_t dev = info && below(2) ? -1 : (int32_t)below(1024);
            memset(f, 0, F3);
            put_u8(f, OFF_TYPE, info ? T_DINFO : T_QUERY);
            put_u32(f, OFF_DEVICE, (uint32_t)dev);
            put_u32(f, OFF_PID, (uint32_t)self_pid);
            if (send_pieces(fd, f, F3, (int)below(2)) < F3) { tally.unexpected_closes++; break; }
            window <<= 1;
            tally.frames_sent++;
            if (check_reply(fd, info ? T_DINFO_RESPONSE : T_RESPONSE, dev)) tally.replies_ok++;
            else tally.replies_bad++;
        }
        finish(fd, 1);
    }
}

static void mode_reqclose(uint64_t conns) {
    uint8_t buf[6 * F3];
    for (uint64_t c = 0; c < conns; c++) {
        absurd_kind(buf, 1);
        while (buf[OFF_TYPE] != T_QUERY && buf[OFF_TYPE] != T_DINFO) absurd_kind(buf, 1); /* counts it */
        for (int i = 1; i < 6; i++) filler(buf + i * F3, F3, T_FREE);
        int fd = connect_sock();
        size_t sent = send_pieces(fd, buf, sizeof buf, 0);
        close(fd); /* without reading the reply */
        tally.frames_sent += sent / F3;
        tally.bad_sent++;
        tally.exp_malformed++; /* if everything sent is read */
        tally.exp_unknown += 5;
    }
}

static void mode_dump(uint64_t conns) {
    uint8_t f[F3];
    for (uint64_t c = 0; c < conns; c++) {
        int which = (int)(c % 3);
        memset(f, 0, F3);
        put_u8(f, OFF_TYPE, which == 1 ? T_DUMP_KERNELS : T_DUMP);
        int fd = connect_sock();
        send_pieces(fd, f, which == 2 ? F1 : F3, 0); /* which 2: what dump_remaining_buffers.py sends */
        finish(fd, 1);
        tally.frames_sent++;
    }
}

int main(int argc, char **argv) {
    const char *mode = NULL;
    uint64_t count = 0, seed = 0, max_rounds = 500;
    int opt;
    while ((opt = getopt(argc, argv, "s:M:n:r:R:")) != -1) {
        switch (opt) {
        case 's': sock_path = optarg; break;
        case 'M': mode = optarg; break;
        case 'n': count = strtoull(optarg, NULL, 10); break;
        case 'r': seed = strtoull(optarg, NULL, 10); break;
        case 'R': max_rounds = strtoull(optarg, NULL, 10); break;
        default: goto usage;
        }
    }
    if (!sock_path || !mode || max_rounds < 1) goto usage;
    signal(SIGPIPE, SIG_IGN);
    self_pid = (int32_t)getpid();
    rng ^= seed * 0x9E3779B97F4A7C15ull + (uint64_t)self_pid;
    if (!rng) rng = 1;
    if (!strcmp(mode, "absurd")) mode_absurd(count, max_rounds);
    else if (!strcmp(mode, "randframes")) mode_randframes(count);
    else if (!strcmp(mode, "randbytes")) mode_randbytes(count);
    else if (!strcmp(mode, "truncated")) mode_truncated(count);
    else if (!strcmp(mode, "wrongsize")) mode_wrongsize(count);
    else if (!strcmp(mode, "stall")) mode_stall(count);
    else if (!strcmp(mode, "slow")) mode_slow(count);
    else if (!strcmp(mode, "requests")) mode_requests(count);
    else if (!strcmp(mode, "dump")) mode_dump(count);
    else if (!strcmp(mode, "reqclose")) mode_reqclose(count);
    else goto usage;
    printf("hostile mode=%s pid=%d connections=%" PRIu64 " frames_sent=%" PRIu64 " bad_sent=%" PRIu64
           " expect_malformed=%" PRIu64 " expect_unknown_frees=%" PRIu64 " unexpected_closes=%" PRIu64
           " replies_ok=%" PRIu64 " replies_bad=%" PRIu64 " stall_max_ms=%" PRIu64 " rejected_requests=%" PRIu64
           " bytes_back=%" PRIu64 "\n",
           mode, (int)self_pid, tally.connections, tally.frames_sent, tally.bad_sent, tally.exp_malformed,
           tally.exp_unknown, tally.unexpected_closes, tally.replies_ok, tally.replies_bad, tally.stall_max_ms,
           tally.rejected_requests, tally.bytes_back);
    return 0;
usage:
    fprintf(stderr, "usage: hostile -s SOCKET -M absurd|randframes|randbytes|truncated|wrongsize|stall|slow|"
                    "requests|dump|reqclose -n COUNT [-r SEED] [-R MAX_ROUNDS]\n");
    return 2;
}
