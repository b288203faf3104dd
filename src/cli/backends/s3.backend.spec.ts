import { Test } from '@nestjs/testing';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_MODULE_OPTIONS } from '../modules/local/local.module-definition';
import type { LocalModuleOptions } from '../modules/local/local-module-options.interface';
import { FuseOp } from '../modules/fuse';
import { backendNamed } from './backends';

describe('the local backend of the CLI', () => {
  let work: string;

  beforeEach(async () => (work = await mkdtemp(join(tmpdir(), 'nestjs-fuse-backends-'))));
  afterEach(() => rm(work, { recursive: true, force: true }));

  const optionsFor = async (flags: { inlineMetadata?: boolean }): Promise<LocalModuleOptions> => {
    const moduleRef = await Test.createTestingModule({ imports: [await backendNamed('local').module(work, flags, join(work, 'mnt'))] }).compile();
    return moduleRef.get<LocalModuleOptions>(LOCAL_MODULE_OPTIONS);
  };

  it('stats inline unless --no-inline-metadata is given', async () => {
    expect(await optionsFor({})).toMatchObject({ root: work, inlineMetadata: undefined });
    expect(await optionsFor({ inlineMetadata: false })).toMatchObject({ root: work, inlineMetadata: false });
  });
});

describe('the S3 backend of the CLI', () => {
  it('gives the ops that upload, copy or stage whole objects an hour, not the general deadline', () => {
    const { deadlines } = backendNamed('s3');
    for (const op of [FuseOp.Open, FuseOp.Write, FuseOp.Flush, FuseOp.Fsync, FuseOp.Release, FuseOp.Rename, FuseOp.SetAttr]) {
      expect([op, deadlines?.[op]]).toEqual([op, 60 * 60 * 1000]);
    }
    expect(deadlines?.[FuseOp.Read]).toBeUndefined();
  });
});
