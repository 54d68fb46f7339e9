/*
 * rusage CMD [ARG...]: runs CMD (its stdout and stderr to /dev/null) and prints "exit maxrss_kib cpu_us" for it.
 *
 * Why not Python's os.wait4: a child forked from a process keeps that process's peak RSS in its ru_maxrss across
 * exec (Linux carries the old mm's high-water mark over), so a 2.5 MiB probe forked from the benchmark's Python
 * reads as Python's ~20-60 MiB. Forked from this static launcher, the floor is this launcher's ~1 MiB.
 * Built by bench/run.sh with the host's cc (static).
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: rusage CMD [ARG...]\n");
    return 2;
  }
  pid_t pid = fork();
  if (pid < 0) {
    perror("fork");
    return 2;
  }
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) {
      dup2(null, 1);
      dup2(null, 2);
    }
    execv(argv[1], argv + 1);
    _exit(127);
  }
  int status;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) < 0) {
    perror("wait4");
    return 2;
  }
  long cpu_us = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000L + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
  printf("%d %ld %ld\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), ru.ru_maxrss, cpu_us);
  return 0;
}
