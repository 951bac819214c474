/* args_env [ARGS...]: prints argc, every argv[i] (bytes outside printable
 * ASCII as \xNN, so empty and UTF-8 arguments are visible) and the
 * environment sorted bytewise. */
#include <stdlib.h>
#include <string.h>

#include "common.h"

extern char **environ;

static void print_escaped(const char *s) {
  putchar('[');
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p >= 0x20 && *p < 0x7f && *p != '\\')
      putchar(*p);
    else
      printf("\\x%02x", *p);
  }
  putchar(']');
}

static int by_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
  printf("argc=%d\n", argc);
  for (int i = 0; i < argc; i++) {
    printf("argv[%d]=", i);
    print_escaped(argv[i]);
    printf("\n");
  }
  printf("argv[argc] is NULL: %s\n", argv[argc] == NULL ? "yes" : "NO");

  size_t n = 0;
  while (environ && environ[n]) n++;
  char **env = malloc((n + 1) * sizeof *env);
  for (size_t i = 0; i < n; i++) env[i] = environ[i];
  qsort(env, n, sizeof *env, by_str);
  printf("envc=%zu\n", n);
  for (size_t i = 0; i < n; i++) {
    printf("env ");
    print_escaped(env[i]);
    printf("\n");
  }
  const char *names[] = {"GREETING", "EMPTY", "MISSING"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    const char *v = getenv(names[i]);
    printf("getenv %s -> ", names[i]);
    if (v)
      print_escaped(v);
    else
      printf("NULL");
    printf("\n");
  }
  free(env);
  return 0;
}
