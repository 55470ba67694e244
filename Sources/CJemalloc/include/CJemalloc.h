// Nothing to call: linking this target makes jemalloc the process's allocator, with the options of malloc_conf.c.
