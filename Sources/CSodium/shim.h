#ifndef KAOPING_CSODIUM_SHIM_H
#define KAOPING_CSODIUM_SHIM_H

// Debian's libsodium (libsodium-dev): Ed25519 verification, the aggregator's largest cost per message.
#include <sodium.h>

#endif
