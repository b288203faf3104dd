{
  "targets": [
    {
      "target_name": "fuse_device",
      "sources": ["fuse-device.c", "precise-times.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
