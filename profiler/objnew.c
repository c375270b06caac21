int cmd_objnew(int argc, char **argv) { return 0; }
