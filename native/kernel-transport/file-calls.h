#ifndef NESTJS_FUSE_FILE_CALLS_H
#define NESTJS_FUSE_FILE_CALLS_H

#include <node_api.h>

napi_value file_calls_set_times(napi_env env, napi_callback_info info);
napi_value file_calls_fallocate(napi_env env, napi_callback_info info);
napi_value file_calls_seek(napi_env env, napi_callback_info info);
napi_value file_calls_copy_range(napi_env env, napi_callback_info info);
napi_value file_calls_exchange(napi_env env, napi_callback_info info);

#endif
