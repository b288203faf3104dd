import { mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DaemonLogger } from './daemon-logger';

describe('DaemonLogger', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nestjs-fuse-logger-'));
  });

  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes one JSON object per line at the chosen level, without secrets, and reopens the file after a move', async () => {
    const file = join(dir, 'mount.log');
    const logger = new DaemonLogger({ level: 'log', format: 'json', file });
    await logger.opened();
    logger.log('GET k?X-Amz-Signature=abc123 answered', 'S3');
    logger.debug('not at this level', 'S3');
    logger.error('failed', 'Error: boom\n    at here', 'S3');
    await rename(file, `${file}.1`);
    await logger.reopen();
    logger.warn('after the move', 'S3');
    await logger.close();
    const moved = (await readFile(`${file}.1`, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(moved).toEqual([
      expect.objectContaining({ level: 'log', message: 'GET k?X-Amz-Signature=<redacted> answered', context: 'S3', pid: process.pid }),
      expect.objectContaining({ level: 'error', message: 'failed', stack: expect.stringContaining('Error: boom') }),
    ]);
    expect(typeof moved[0].timestamp).toBe('number');
    expect(
      (await readFile(file, 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { message: string }),
    ).toEqual([expect.objectContaining({ level: 'warn', message: 'after the move' })]);
  });

  it('turns debug lines on and off on top of its level', async () => {
    const file = join(dir, 'text.log');
    const logger = new DaemonLogger({ level: 'warn', format: 'text', file });
    logger.debug('hidden');
    logger.forceDebug(true);
    logger.debug('shown');
    logger.forceDebug(false);
    logger.debug('hidden again');
    await logger.close();
    const text = await readFile(file, 'utf8');
    expect(text).toMatch(/DEBUG .*shown/);
    expect(text).not.toMatch(/hidden/);
  });
});
