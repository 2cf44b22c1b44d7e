// The `bootstrap` at the root of function.zip: a static executable (no
// library, no shell needed) that starts the real bootstrap with the dynamic
// loader and libraries bundled next to it, whatever the host's glibc:
//   <root>/lib/ld-linux-*.so.* --library-path <root>/lib <root>/bin/bootstrap
// <root> is this file's directory (from argv[0]), else $LAMBDA_TASK_ROOT,
// else /var/task. It is what aws-lambda-cpp's packager does with a bash
// script, without requiring bash.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

int main(int argc, char** argv) {
  std::string root;
  if (argc > 0 && std::strchr(argv[0], '/') != nullptr) {
    root.assign(argv[0], std::strrchr(argv[0], '/'));
    if (root.empty()) root = "/";
  } else if (const char* task = std::getenv("LAMBDA_TASK_ROOT"); task != nullptr && *task != '\0') {
    root = task;
  } else {
    root = "/var/task";
  }
  const std::string lib = root + "/lib";
  const std::string program = root + "/bin/bootstrap";
  for (const char* loader : {"ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1"}) {
    std::string path = lib + "/" + loader;
    if (::access(path.c_str(), X_OK) != 0) continue;
    char* args[] = {const_cast<char*>(path.c_str()), const_cast<char*>("--library-path"),
                    const_cast<char*>(lib.c_str()), const_cast<char*>(program.c_str()), nullptr};
    ::execv(path.c_str(), args);
    std::fprintf(stderr, "bootstrap: cannot exec %s: %s\n", path.c_str(), std::strerror(errno));
    return 127;
  }
  std::fprintf(stderr, "bootstrap: no dynamic loader in %s\n", lib.c_str());
  return 127;
}
