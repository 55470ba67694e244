// The aggregator's allocator is jemalloc (linked by this target; see docs/benchmarks.md, "Choices the figures rest
// on"): the daemon frees on one thread what another allocated, many times per submission, which jemalloc does at
// less cost than glibc's malloc. jemalloc reads its options from this variable when it starts (MALLOC_CONF still
// overrides them).
//
// narenas:2 — one arena per core instead of four: a restart on a store of 240 000 submissions peaked at 179-188 MB
// (median 180) instead of 191-192 MB (glibc's malloc: 175 MB), at the same throughput.
const char *malloc_conf = "narenas:2";
