import { fuseDeviceAddonBuilt, loadFuseDevice } from '../modules/fuse/kernel/fuse-device.binding';

/**
 * Tells the service manager that started this process (systemd, `Type=notify`: it sets NOTIFY_SOCKET) how the mount
 * is doing: `READY=1` once it serves, `STOPPING=1` when it starts to unmount. Nothing happens without NOTIFY_SOCKET.
 * Resolves with a reason when the message could not be sent (the caller logs it: the mount itself is fine).
 */
export async function notifyServiceManager(
  state: Record<string, string | number>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  const socket = env.NOTIFY_SOCKET;
  if (!socket) return undefined;
  const message = Object.entries(state)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n');
  if (!(await fuseDeviceAddonBuilt())) {
    return `NOTIFY_SOCKET is set but the native addon that sends to it is not built (node scripts/build-kernel-transport.js): ${message.split('\n')[0]} not sent`;
  }
  try {
    loadFuseDevice().notifyService(socket, message);
    return undefined;
  } catch (error) {
    return `could not tell the service manager at ${socket} ${message.split('\n')[0]}: ${(error as Error).message}`;
  }
}
