#ifndef KAOPING_CZEROMQ_SHIM_H
#define KAOPING_CZEROMQ_SHIM_H

#include <zmq.h>
#include <errno.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>

/// The libzmq version as one number, major * 10000 + minor * 100 + patch.
static inline int kaoping_zmq_version_number(void) {
    int major = 0, minor = 0, patch = 0;
    zmq_version(&major, &minor, &patch);
    return major * 10000 + minor * 100 + patch;
}

/// The calling thread's errno as libzmq reports it (zmq_errno is the portable way to read it).
static inline int kaoping_zmq_errno(void) { return zmq_errno(); }

/// A non-blocking eventfd that wakes a zmq_poll loop from other threads; -1 and errno on failure.
static inline int kaoping_eventfd_open(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

/// Makes the eventfd readable (wakes the poll loop). Safe from any thread.
static inline void kaoping_eventfd_signal(int fd) {
    uint64_t one = 1;
    ssize_t written = write(fd, &one, sizeof one);
    (void)written;  /* EAGAIN means the counter is already non-zero: the loop will wake anyway. */
}

/// Resets the eventfd after the loop woke.
static inline void kaoping_eventfd_drain(int fd) {
    uint64_t value;
    ssize_t got = read(fd, &value, sizeof value);
    (void)got;
}

/// Closes the eventfd.
static inline void kaoping_eventfd_close(int fd) { close(fd); }

/// Names the calling thread as `top -H`, `perf` and `gdb` show it (Linux keeps the first 15 bytes).
static inline void kaoping_thread_set_name(const char *name) { (void)prctl(PR_SET_NAME, name, 0, 0, 0); }

#endif
