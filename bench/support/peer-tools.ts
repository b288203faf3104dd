import { sh } from '../../test/e2e/support/shell';

const TOOLS: Record<string, string> = { fio: 'fio', bindfs: 'bindfs', s3fs: 's3fs', rclone: 'rclone', fusermount: 'fuse' };

/** Installs the peers and measuring tools from Debian's packages when they are missing (the benchmark runs as root). */
export async function ensurePeerTools(log: (line: string) => void): Promise<void> {
  const missing: string[] = [];
  for (const [command, pkg] of Object.entries(TOOLS)) {
    if ((await sh(`command -v ${command}`, 5_000)).code !== 0) missing.push(pkg);
  }
  if (missing.length === 0) return;
  log(`installing ${missing.join(' ')} from Debian's packages…`);
  let result = await sh(`DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y ${missing.join(' ')}`, 600_000);
  if (result.code !== 0) {
    await sh('apt-get -o DPkg::Lock::Timeout=300 update', 600_000);
    result = await sh(`DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y ${missing.join(' ')}`, 600_000);
  }
  if (result.code !== 0)
    throw new Error(`could not install ${missing.join(' ')} (run as root, with Debian's package mirrors reachable):\n${result.stderr.slice(-1_000)}`);
}
