int cmd_gc(int argc, char **argv) { return 0; }
