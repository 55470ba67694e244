#ifndef KAOPING_CZEROMQ_SHIM_H
#define KAOPING_CZEROMQ_SHIM_H

#include <zmq.h>

/// The libzmq version as one number, major * 10000 + minor * 100 + patch,
/// for code that must not depend on the three out-parameters of zmq_version.
static inline int kaoping_zmq_version_number(void) {
    int major = 0, minor = 0, patch = 0;
    zmq_version(&major, &minor, &patch);
    return major * 10000 + minor * 100 + patch;
}

#endif
