// Finding and resetting the connection a request arrived on (connection.h),
// for the drop and hang faults: the socket is looked up by its address pair
// among the process's descriptors, or taken from the TLS session.
#include "connection.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace mock_slack {
namespace {

bool Endpoint(const sockaddr_storage& a, std::string* addr, int* port) {
  char buf[INET6_ADDRSTRLEN] = "";
  if (a.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&a);
    inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf);
    *port = ntohs(in->sin_port);
  } else if (a.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&a);
    inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof buf);
    *port = ntohs(in6->sin6_port);
  } else {
    return false;
  }
  *addr = buf;
  return true;
}

bool IsConnection(int fd, const httplib::Request& req) {
  sockaddr_storage local{}, peer{};
  socklen_t llen = sizeof local, plen = sizeof peer;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &llen) != 0) return false;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &plen) != 0) return false;
  std::string laddr, paddr;
  int lport = 0, pport = 0;
  if (!Endpoint(local, &laddr, &lport) || !Endpoint(peer, &paddr, &pport)) return false;
  return lport == req.local_port && pport == req.remote_port && paddr == req.remote_addr;
}

int FindSocket(const httplib::Request& req) {
  if (req.ssl != nullptr) return SSL_get_fd(req.ssl);
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  int found = -1;
  while (dirent* e = readdir(dir)) {
    char* end = nullptr;
    long fd = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || fd == dirfd(dir)) continue;
    if (IsConnection(static_cast<int>(fd), req)) {
      found = static_cast<int>(fd);
      break;
    }
  }
  closedir(dir);
  return found;
}

}  // namespace

bool ResetConnection(const httplib::Request& req) {
  int fd = FindSocket(req);
  if (fd < 0) return false;
  // Linger 0: closing the socket's last reference sends RST, not FIN.
  linger lg{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  int placeholder = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (placeholder < 0) {
    shutdown(fd, SHUT_RDWR);
    return true;
  }
  // Atomically swap the connection out from under the descriptor number.
  dup2(placeholder, fd);
  close(placeholder);
  return true;
}

}  // namespace mock_slack
