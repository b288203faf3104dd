import { FuseOp } from '../../modules/fuse';
import { backendNamed } from '.';

describe('the S3 backend of the CLI', () => {
  it('gives the ops that upload, copy or stage whole objects an hour, not the general deadline', () => {
    const { deadlines } = backendNamed('s3');
    for (const op of [FuseOp.Open, FuseOp.Write, FuseOp.Flush, FuseOp.Fsync, FuseOp.Release, FuseOp.Rename, FuseOp.SetAttr]) {
      expect([op, deadlines?.[op]]).toEqual([op, 60 * 60 * 1000]);
    }
    expect(deadlines?.[FuseOp.Read]).toBeUndefined();
  });
});
