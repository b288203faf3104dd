/*
 * How a user other than root mounts: fusermount (set-user-ID root) opens /dev/fuse, mounts it, and sends the
 * descriptor back over the Unix socket named by its _FUSE_COMMFD environment variable (SCM_RIGHTS).
 *
 *   socketPair()             two connected Unix stream sockets, close-on-exec: one is given to fusermount
 *   receiveDescriptor(sock)  the descriptor sent on `sock` (made non-blocking and close-on-exec), or -1 when the
 *                            peer closed without sending one; called once fusermount has exited, so it never waits
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <node_api.h>

#include "addon-errors.h"
#include "fd-passing.h"

napi_value fd_passing_socket_pair(napi_env env, napi_callback_info info) {
  (void)info;
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return throw_errno(env, "socketpair", errno);
  napi_value pair, first, second;
  napi_create_array_with_length(env, 2, &pair);
  napi_create_int32(env, fds[0], &first);
  napi_create_int32(env, fds[1], &second);
  napi_set_element(env, pair, 0, first);
  napi_set_element(env, pair, 1, second);
  return pair;
}

napi_value fd_passing_receive(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t sock = -1;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_int32(env, argv[0], &sock) != napi_ok) return throw_errno(env, "receiveDescriptor(sock)", EINVAL);

  char byte;
  struct iovec iov = {.iov_base = &byte, .iov_len = 1};
  union {
    struct cmsghdr header;
    char space[CMSG_SPACE(sizeof(int))];
  } control;
  memset(&control, 0, sizeof(control));
  struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.space, .msg_controllen = sizeof(control.space)};
  ssize_t received;
  do {
    received = recvmsg(sock, &message, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  } while (received < 0 && errno == EINTR);
  if (received < 0) return throw_errno(env, "recvmsg from fusermount", errno);

  int fd = -1;
  for (struct cmsghdr *header = CMSG_FIRSTHDR(&message); header != NULL; header = CMSG_NXTHDR(&message, header)) {
    if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_RIGHTS && header->cmsg_len == CMSG_LEN(sizeof(int))) {
      memcpy(&fd, CMSG_DATA(header), sizeof(int));
    }
  }
  if (fd >= 0) {
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
      int error = errno;
      close(fd);
      return throw_errno(env, "fcntl O_NONBLOCK on the descriptor from fusermount", error);
    }
  }
  napi_value result;
  napi_create_int32(env, fd, &result);
  return result;
}
