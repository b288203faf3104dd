{
  "targets": [
    {
      "target_name": "fuse_device",
      "sources": ["fuse-device.c", "file-calls.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
