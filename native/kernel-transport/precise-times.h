#ifndef NESTJS_FUSE_PRECISE_TIMES_H
#define NESTJS_FUSE_PRECISE_TIMES_H

#include <node_api.h>

napi_value precise_times_set(napi_env env, napi_callback_info info);

#endif
