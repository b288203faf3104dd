/*
 * The service manager's readiness protocol (systemd's sd_notify): one datagram of "KEY=value" lines sent to the Unix
 * socket named by $NOTIFY_SOCKET, a path or, with a leading '@', a name in the abstract namespace. Node's dgram
 * module speaks only UDP.
 *
 *   notifyService(socket, message)  sends `message`; true when it went out. Never blocks: a full socket queue is
 *                                   an error (EAGAIN) like any other, thrown with its errno.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <node_api.h>

#include "addon-errors.h"
#include "service-notify.h"

#define MAX_MESSAGE 4096

napi_value service_notify(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
  char message[MAX_MESSAGE];
  size_t path_length = 0, message_length = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || napi_get_value_string_utf8(env, argv[0], path, sizeof(path), &path_length) != napi_ok ||
      napi_get_value_string_utf8(env, argv[1], message, sizeof(message), &message_length) != napi_ok) {
    return throw_errno(env, "notifyService(socket, message)", EINVAL);
  }
  struct sockaddr_un address;
  memset(&address, 0, sizeof(address));
  address.sun_family = AF_UNIX;
  if (path_length == 0 || path_length >= sizeof(address.sun_path) || (path[0] != '/' && path[0] != '@')) {
    return throw_errno(env, "notifyService: NOTIFY_SOCKET must be an absolute path or @name", EINVAL);
  }
  memcpy(address.sun_path, path, path_length);
  socklen_t address_length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + path_length);
  if (path[0] == '@') address.sun_path[0] = '\0';
  else address_length += 1;

  int sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return throw_errno(env, "notifyService: socket", errno);
  ssize_t sent;
  do {
    sent = sendto(sock, message, message_length, MSG_NOSIGNAL | MSG_DONTWAIT, (struct sockaddr *)&address, address_length);
  } while (sent < 0 && errno == EINTR);
  int error = errno;
  close(sock);
  if (sent < 0) return throw_errno(env, "notifyService: sendto", error);
  napi_value result;
  napi_get_boolean(env, (size_t)sent == message_length, &result);
  return result;
}
