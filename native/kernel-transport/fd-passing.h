#ifndef NESTJS_FUSE_FD_PASSING_H
#define NESTJS_FUSE_FD_PASSING_H

#include <node_api.h>

napi_value fd_passing_socket_pair(napi_env env, napi_callback_info info);
napi_value fd_passing_receive(napi_env env, napi_callback_info info);

#endif
