/* bootstrap: the entry point AWS Lambda runs in snapkeep's package
 * (scripts/package-lambda.sh). It starts bin/snapkeep lambda through the
 * dynamic loader and libraries bundled in lib/, so that the binary runs on
 * whatever glibc the Lambda image has (docs/deploy.md). It is linked
 * statically and needs nothing else: not even a shell, which a shell-script
 * bootstrap (aws-lambda-cpp's packager) would.
 *
 * The package folder is the one this file is in: /proc/self/exe, else
 * argv[0] when it is a path, else LAMBDA_TASK_ROOT. Arguments are passed on
 * after "lambda". */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef SNAPKEEP_LOADER
#error "build with -DSNAPKEEP_LOADER=\"ld-linux-....so.N\" (the binary's PT_INTERP name)"
#endif

static int package_root(const char* argv0, char* out, size_t size) {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  const char* path = NULL;
  if (n > 0) {
    self[n] = '\0';
    path = self;
  } else if (argv0 != NULL && strchr(argv0, '/') != NULL) {
    path = argv0;
  }
  if (path != NULL) {
    const char* slash = strrchr(path, '/');
    size_t len = (size_t)(slash - path);
    if (len == 0) len = 1; /* "/bootstrap": the root folder */
    if (len >= size) return -1;
    memcpy(out, path, len);
    out[len] = '\0';
    return 0;
  }
  const char* task_root = getenv("LAMBDA_TASK_ROOT");
  if (task_root == NULL || strlen(task_root) >= size) return -1;
  strcpy(out, task_root);
  return 0;
}

int main(int argc, char** argv) {
  char root[PATH_MAX];
  if (package_root(argc > 0 ? argv[0] : NULL, root, sizeof root) != 0) {
    fputs("bootstrap: cannot tell which folder the package is in\n", stderr);
    return 127;
  }
  char loader[PATH_MAX], libs[PATH_MAX], binary[PATH_MAX];
  const char* sep = strcmp(root, "/") == 0 ? "" : "/";
  if (snprintf(loader, sizeof loader, "%s%slib/%s", root, sep, SNAPKEEP_LOADER) >= PATH_MAX ||
      snprintf(libs, sizeof libs, "%s%slib", root, sep) >= PATH_MAX ||
      snprintf(binary, sizeof binary, "%s%sbin/snapkeep", root, sep) >= PATH_MAX) {
    fputs("bootstrap: package path too long\n", stderr);
    return 127;
  }
  char** args = calloc((size_t)argc + 6, sizeof *args);
  if (args == NULL) return 127;
  int i = 0;
  args[i++] = loader;
  args[i++] = "--library-path";
  args[i++] = libs;
  args[i++] = binary;
  args[i++] = "lambda";
  for (int a = 1; a < argc; ++a) args[i++] = argv[a];
  args[i] = NULL;
  execv(loader, args);
  perror("bootstrap: cannot start the bundled loader");
  return 127;
}
