#ifndef NESTJS_FUSE_BACKING_FILES_H
#define NESTJS_FUSE_BACKING_FILES_H

#include <node_api.h>

napi_value backing_files_open(napi_env env, napi_callback_info info);
napi_value backing_files_close(napi_env env, napi_callback_info info);

#endif
