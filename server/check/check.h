/*
 * `goescape check`: the same analysis as the server, printed for terminals and CI.
 */
#ifndef GE_SERVER_CHECK_H
#define GE_SERVER_CHECK_H

/* argv[0] is "check". Returns the process exit status: 0, 1 (build failed), 2 (usage) or 3
 * (findings that --fail-on names). */
int ge_check_main(int argc, char **argv);

#endif
