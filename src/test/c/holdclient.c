/*
 * holdclient: a minimal allocation-tracking client for the reaper tests.
 *
 * It connects to the tracker's socket, reports a fixed set of allocations in 144-byte v3
 * frames (little-endian, process_id = getpid()), prints what it sent and "ready <pid>",
 * then blocks until it is killed. It never frees anything: whatever it reported is what
 * the reaper must remove once it dies.
 *
 * usage: holdclient [-b BUFFERS] [-c CBS] [-k KERNELS] [-r] [-f] [-o BASE] [-p PID] [-x] [-T] [-m MODE] SOCKET
 *   -b N     buffers to allocate (DRAM, L1 and L1_SMALL in turn, on devices 0 and 1)
 *   -c N     circular buffers (CB_ALLOC) on device 0
 *   -k N     kernels (KERNEL_LOAD) on device 0, kernel types 0, 1, 2 in turn
 *   -r       allocate the first buffer a second time (ref_count 2)
 *   -f       then free everything again (FREE, CB_FREE, KERNEL_UNLOAD): it holds nothing
 *   -o BASE  first buffer id (hex or decimal), so that several clients never share keys
 *   -p PID   write PID into every frame's process_id instead of getpid(), as a hostile or
 *            confused client may
 *   -x       close the connection after sending, then keep living
 *   -T       once ready, the main thread exits (pthread_exit) while a second thread keeps
 *            the process alive: /proc/PID/stat then shows the live process as 'Z'
 *            (-m self only)
 *   -m MODE  who holds the connection:
 *              self    this process connects, sends and waits (default)
 *              wait    the process forks; the child connects and sends; the parent keeps
 *                      its copy of the socket open until it has reaped the child, so the
 *                      daemon sees the connection close only once the child is gone
 *                      (not with -x)
 *              share   like wait, but the parent connects and the child reports its own
 *                      pid through the inherited connection, as a forked child of an
 *                      instrumented process does: the daemon's peer is the parent
 *              nowait  the process forks; the child connects and sends; the parent does
 *                      not reap the child (which stays a zombie once killed) until its
 *                      own stdin reaches end of file
 *
 * Output, one line each, flushed: "sent KIND DEVICE BUFFER_ID TYPE SIZE" per allocating
 * frame and "freed KIND DEVICE BUFFER_ID" per freeing one (BUFFER_ID in decimal), then
 * "ready PID" (the pid the frames carry). With -x the connection is closed before "ready"
 * is printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FRAME_BYTES 144

enum { ALLOC = 1, FREE = 2, CB_ALLOC = 8, CB_FREE = 9, KERNEL_LOAD = 10, KERNEL_UNLOAD = 11 };

static void die(const char *what) {
    fprintf(stderr, "holdclient: %s: %s\n", what, strerror(errno));
    exit(2);
}

static void put_u32(unsigned char *at, uint32_t value) {
    for (int i = 0; i < 4; i++) {
        at[i] = (unsigned char) (value >> (8 * i));
    }
}

static void put_u64(unsigned char *at, uint64_t value) {
    for (int i = 0; i < 8; i++) {
        at[i] = (unsigned char) (value >> (8 * i));
    }
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static void send_all(int fd, const unsigned char *data, size_t length) {
    while (length > 0) {
        ssize_t sent = send(fd, data, length, MSG_NOSIGNAL);
        if (sent < 0) {
            if (errno == EINTR) {
                continue;
            }
            die("send");
        }
        data += sent;
        length -= (size_t) sent;
    }
}

/* what the frames carry as process_id: 0 means getpid() */
static int claimed_pid;

static int frame_pid(void) {
    return claimed_pid != 0 ? claimed_pid : (int) getpid();
}

static void send_frame(int fd, int type, int device, uint64_t size, int buffer_type, uint64_t buffer_id,
                       const char *kind, const char *type_name) {
    unsigned char frame[FRAME_BYTES];
    memset(frame, 0, sizeof frame);
    frame[0] = (unsigned char) type;
    put_u32(frame + 4, (uint32_t) device);
    put_u64(frame + 8, size);
    frame[16] = (unsigned char) buffer_type;
    put_u32(frame + 20, (uint32_t) frame_pid());
    put_u64(frame + 24, buffer_id);
    put_u64(frame + 32, now_ns());
    send_all(fd, frame, sizeof frame);
    if (type == FREE || type == CB_FREE || type == KERNEL_UNLOAD) {
        printf("freed %s %d %llu\n", kind, device, (unsigned long long) buffer_id);
    } else {
        printf("sent %s %d %llu %s %llu\n", kind, device, (unsigned long long) buffer_id, type_name,
               (unsigned long long) size);
    }
}

static void connect_socket(int fd, const char *path) {
    struct sockaddr_un address;
    memset(&address, 0, sizeof address);
    address.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof address.sun_path) {
        fprintf(stderr, "holdclient: socket path too long\n");
        exit(2);
    }
    strcpy(address.sun_path, path);
    if (connect(fd, (struct sockaddr *) &address, sizeof address) < 0) {
        die("connect");
    }
}

struct plan {
    int buffers, cbs, kernels, twice, free_all, close_after, thread_exit;
    uint64_t base;
};

/* sends the plan's allocations, or with release set the frees that undo them */
static void send_plan(int fd, const struct plan *plan, int release) {
    static const int memory_codes[] = {0, 1, 3};
    static const char *memory_names[] = {"DRAM", "L1", "L1_SMALL"};
    static const char *kernel_names[] = {"APPLICATION", "FABRIC", "DISPATCH"};
    for (int i = 0; i < plan->buffers; i++) {
        int turn = i % 3;
        uint64_t size = turn == 0 ? (uint64_t) (i + 1) << 20 : (uint64_t) (i + 1) * 4096;
        send_frame(fd, release ? FREE : ALLOC, i % 2, release ? 0 : size, release ? 0 : memory_codes[turn],
                   plan->base + (uint64_t) i * 0x10000, "BUFFER", memory_names[turn]);
    }
    if (plan->twice && plan->buffers > 0) {
        send_frame(fd, release ? FREE : ALLOC, 0, release ? 0 : 1u << 20, 0, plan->base, "BUFFER", "DRAM");
    }
    for (int i = 0; i < plan->cbs; i++) {
        send_frame(fd, release ? CB_FREE : CB_ALLOC, 0, (uint64_t) (i + 1) * 2048, 0,
                   plan->base + 0x1000000 + (uint64_t) i * 0x1000, "CB", "L1");
    }
    for (int i = 0; i < plan->kernels; i++) {
        send_frame(fd, release ? KERNEL_UNLOAD : KERNEL_LOAD, 0, (uint64_t) (i + 1) * 8192, i % 3,
                   plan->base + 0x2000000 + (uint64_t) i * 0x1000, "KERNEL", kernel_names[i % 3]);
    }
}

static void report(int fd, const struct plan *plan) {
    send_plan(fd, plan, 0);
    if (plan->free_all) {
        send_plan(fd, plan, 1);
    }
    if (plan->close_after && close(fd) < 0) {
        die("close");
    }
    printf("ready %d\n", frame_pid());
    fflush(stdout);
}

static void hold_forever(void) {
    for (;;) {
        pause();
    }
}

static void *hold_thread(void *unused) {
    hold_forever();
    return unused;
}

/* the process lives on in a second thread; its main thread (the thread-group leader) exits */
static void leave_main_thread(void) {
    pthread_t thread;
    if (pthread_create(&thread, NULL, hold_thread, NULL) != 0) {
        fprintf(stderr, "holdclient: pthread_create failed\n");
        exit(2);
    }
    pthread_exit(NULL);
}

int main(int argc, char **argv) {
    struct plan plan = {4, 0, 0, 0, 0, 0, 0, 0x10000000};
    const char *mode = "self";
    int option;
    while ((option = getopt(argc, argv, "b:c:k:rfo:p:xTm:")) != -1) {
        switch (option) {
            case 'b': plan.buffers = atoi(optarg); break;
            case 'c': plan.cbs = atoi(optarg); break;
            case 'k': plan.kernels = atoi(optarg); break;
            case 'r': plan.twice = 1; break;
            case 'f': plan.free_all = 1; break;
            case 'T': plan.thread_exit = 1; break;
            case 'o': plan.base = strtoull(optarg, NULL, 0); break;
            case 'p': claimed_pid = atoi(optarg); break;
            case 'x': plan.close_after = 1; break;
            case 'm': mode = optarg; break;
            default:
                fprintf(stderr, "usage: holdclient [-b N] [-c N] [-k N] [-r] [-f] [-o BASE] [-p PID] [-x] [-T] [-m self|wait|nowait|share] SOCKET\n");
                return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "holdclient: expected one socket path\n");
        return 2;
    }
    const char *path = argv[optind];
    setvbuf(stdout, NULL, _IOLBF, 0);

    if (strcmp(mode, "self") == 0) {
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd < 0) {
            die("socket");
        }
        connect_socket(fd, path);
        report(fd, &plan);
        if (plan.thread_exit) {
            leave_main_thread();
        }
        hold_forever();
    }

    if (plan.thread_exit) {
        fprintf(stderr, "holdclient: -T needs -m self\n");
        return 2;
    }
    int share_mode = strcmp(mode, "share") == 0;
    int wait_mode = share_mode || strcmp(mode, "wait") == 0;
    if (!wait_mode && strcmp(mode, "nowait") != 0) {
        fprintf(stderr, "holdclient: unknown mode %s\n", mode);
        return 2;
    }
    if (wait_mode && plan.close_after) {
        fprintf(stderr, "holdclient: -x cannot close a connection the parent shares (-m wait)\n");
        return 2;
    }
    /* in wait mode the parent shares the socket: it is the child that connects (and so is
       the peer the daemon sees), but the connection outlives the child until it is reaped */
    int shared = -1;
    if (wait_mode && (shared = socket(AF_UNIX, SOCK_STREAM, 0)) < 0) {
        die("socket");
    }
    if (share_mode) {
        connect_socket(shared, path);
    }
    fflush(stdout);
    pid_t child = fork();
    if (child < 0) {
        die("fork");
    }
    if (child == 0) {
        int fd = shared;
        if (fd < 0 && (fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0) {
            die("socket");
        }
        if (!share_mode) {
            connect_socket(fd, path);
        }
        report(fd, &plan);
        hold_forever();
    }
    if (wait_mode) {
        int status;
        while (waitpid(child, &status, 0) < 0) {
            if (errno != EINTR) {
                die("waitpid");
            }
        }
        close(shared);
        return 0;
    }
    /* nowait: the child stays unreaped (a zombie once it dies) until stdin ends */
    char sink[256];
    for (;;) {
        ssize_t got = read(STDIN_FILENO, sink, sizeof sink);
        if (got == 0 || (got < 0 && errno != EINTR)) {
            break;
        }
    }
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    return 0;
}
