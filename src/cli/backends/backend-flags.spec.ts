import type { DynamicModule } from '@nestjs/common';
import { CommandTestFactory } from 'nest-commander-testing';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Module, S3ModuleOptions } from '../../modules/s3';
import { LocalModule, LocalModuleOptions } from '../../modules/local';
import { CliModule } from '../cli.module';

/** Stops the command where it would start the mount: the module options were what the test wanted. */
class Captured extends Error {
  constructor(readonly options: unknown) {
    super('captured');
  }
}

describe('each backend flag, declared once, through the mount command', () => {
  let work: string;
  let failures: Error[];

  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), 'nestjs-fuse-flags-'));
    await mkdir(join(work, 'mnt'));
    failures = [];
    jest.spyOn(S3Module, 'forRoot').mockImplementation((options: S3ModuleOptions): DynamicModule => {
      throw new Captured(options);
    });
    jest.spyOn(LocalModule, 'forRoot').mockImplementation((options: LocalModuleOptions): DynamicModule => {
      throw new Captured(options);
    });
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await rm(work, { recursive: true, force: true });
  });

  /** Runs `nestjs-fuse mount <work>/mnt <args…>` in this process and gives back what it failed with. */
  const mount = async (...args: string[]): Promise<Error> => {
    failures = [];
    const command = await CommandTestFactory.createTestingCommand(
      { imports: [CliModule] },
      { serviceErrorHandler: (error: Error) => void failures.push(error) },
    ).compile();
    await CommandTestFactory.run(command, ['mount', join(work, 'mnt'), ...args]);
    expect(failures).toHaveLength(1);
    return failures[0];
  };
  const moduleOptions = async (...args: string[]): Promise<unknown> => {
    const failure = await mount(...args);
    if (!(failure instanceof Captured)) throw failure;
    return failure.options;
  };

  it('sets the S3 module options its flags name, in the units the module takes', async () => {
    const options = await moduleOptions(
      's3',
      'bucket/photos',
      '--metadata-ttl',
      '2.5',
      '--cache-size',
      '64M',
      '--sdk-reads',
      '--no-sign-request',
      '--dir-mode',
      '700',
      '--symlinks',
    );
    expect(options).toEqual({
      bucket: 'bucket',
      prefix: 'photos',
      metadataTtlMs: 2500,
      cacheBytes: 64 * 1024 ** 2,
      directReads: false,
      signRequests: false,
      dirMode: 0o700,
      symlinks: true,
      storedPermissionsOnly: false,
      readOnly: undefined,
      metrics: undefined,
    });
  });

  it('leaves every S3 option it was not given to the module defaults', async () => {
    expect(await moduleOptions('s3', 'bucket')).toEqual({ bucket: 'bucket', prefix: '', storedPermissionsOnly: false });
  });

  it('turns a switch off with its --no- form', async () => {
    expect(await moduleOptions('s3', 'bucket', '--no-symlinks')).toMatchObject({ symlinks: false });
    expect(await moduleOptions('local', work, '--no-inline-metadata')).toEqual({ root: work, inlineMetadata: false });
  });

  it("reads a flag from its environment variable, and ignores the other backend's variables", async () => {
    const saved = { ...process.env };
    try {
      process.env.NESTJS_FUSE_CACHE_SIZE = '32M';
      process.env.NESTJS_FUSE_INLINE_METADATA = 'false';
      expect(await moduleOptions('s3', 'bucket')).toMatchObject({ cacheBytes: 32 * 1024 ** 2 });
      expect(await moduleOptions('s3', 'bucket')).not.toHaveProperty('inlineMetadata');
    } finally {
      process.env = saved;
    }
  });

  it("refuses another backend's flag with one line naming the backend it belongs to", async () => {
    expect((await mount('local', work, '--endpoint', 'http://127.0.0.1:9000')).message).toBe('--endpoint only applies to the s3 backend.');
    expect((await mount('local', work, '--no-symlinks')).message).toBe('--no-symlinks only applies to the s3 backend.');
    expect((await mount('s3', 'bucket', '--no-inline-metadata')).message).toBe('--no-inline-metadata only applies to the local backend.');
  });

  it('refuses a bad value with the flag named, before anything is built', async () => {
    expect((await mount('s3', 'bucket', '--max-inodes', '10')).message).toBe('--max-inodes must be at least 1000, got "10".');
    expect((await mount('s3', 'bucket', '--sse-kms-key-id', 'key')).message).toMatch(/^--sse-kms-key-id needs KMS encryption/);
  });
});
