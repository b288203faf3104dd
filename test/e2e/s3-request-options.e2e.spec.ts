import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import type { FaultProxy } from './support/fault-proxy';
import { S3Fixture } from './support/s3-fixture';
import { MountProcess, startCliMount, stopMount } from './support/mount-process';
import { S3_CREDENTIALS } from './support/s3-server';
import { shOk } from './support/shell';
import { TRANSPORT } from './support/transport';

const BUCKET = 'request-options';
const OWNER = '123456789012';
const KMS_KEY = 'arn:aws:kms:us-east-1:123456789012:key/nestjs-fuse-test';

/**
 * The S3 options an operator sets for a bucket (encryption, storage class, ACL, requester pays, the expected owner,
 * upload checksums, unsigned requests) on the requests that reach the server: a proxy records every request's headers.
 */
describe(`S3 request options (${TRANSPORT} transport)`, () => {
  let s3: S3Fixture;
  let proxy: FaultProxy;
  let work: string;
  let mnt: string;

  beforeAll(async () => {
    s3 = await S3Fixture.start(BUCKET, 'request-options');
    ({ proxy, work, mnt } = s3);
    await s3.put('public.txt', 'anyone may read this\n');
  }, 60_000);

  afterAll(async () => {
    await stopMount(undefined, mnt);
    await s3?.stop();
  });

  beforeEach(() => {
    proxy.recorded.length = 0;
    proxy.recording = true;
  });

  it('sends encryption, storage class, ACL and checksum with every object made, and requester pays and the owner with every request', async () => {
    const flags = [
      ...['--endpoint', proxy.endpoint, '--path-style', '--part-size', '5M'],
      ...['--sse', 'aws:kms', '--sse-kms-key-id', KMS_KEY, '--storage-class', 'STANDARD_IA', '--acl', 'bucket-owner-full-control'],
      ...['--requester-pays', '--expected-bucket-owner', OWNER, '--upload-checksum', 'crc32c'],
    ];
    let mount: MountProcess | undefined;
    try {
      mount = await startCliMount(mnt, 's3', BUCKET, flags, S3_CREDENTIALS);
      await shOk(`echo small > ${mnt}/small.txt && head -c 12M /dev/urandom > ${work}/big.bin && cp ${work}/big.bin ${mnt}/big.bin`);
      await shOk(`mv ${mnt}/small.txt ${mnt}/moved.txt && cat ${mnt}/moved.txt ${mnt}/public.txt > /dev/null`);
    } finally {
      await stopMount(mount, mnt);
    }
    // The multipart upload with checksums completed with the bytes written.
    const md5 = (data: Buffer): string => createHash('md5').update(data).digest('hex');
    expect(md5(await s3.read('big.bin'))).toBe(md5(await fs.readFile(join(work, 'big.bin'))));

    const requests = proxy.recorded;
    for (const { method, url, headers } of requests) {
      // HeadBucket (the check at start) is the one request S3 defines no requester-pays header for.
      const headBucket = method === 'HEAD' && url.split('?')[0] === `/${BUCKET}/`;
      expect({ method, url, payer: headers['x-amz-request-payer'], owner: headers['x-amz-expected-bucket-owner'] }).toEqual({
        method,
        url,
        payer: headBucket ? undefined : 'requester',
        owner: OWNER,
      });
    }
    const objectPuts = requests.filter((r) => r.method === 'PUT' && !/[?&]partNumber=/.test(r.url) && !r.headers['x-amz-copy-source']);
    const creates = requests.filter((r) => r.method === 'POST' && /[?&]uploads(=|&|$)/.test(r.url));
    const parts = requests.filter((r) => r.method === 'PUT' && /[?&]partNumber=/.test(r.url));
    const copies = requests.filter((r) => r.method === 'PUT' && r.headers['x-amz-copy-source']);
    expect([objectPuts.length > 0, creates.length, parts.length, copies.length > 0]).toEqual([true, 1, 3, true]);
    for (const { headers } of [...objectPuts, ...creates, ...copies]) {
      expect(headers).toMatchObject({
        'x-amz-server-side-encryption': 'aws:kms',
        'x-amz-server-side-encryption-aws-kms-key-id': KMS_KEY,
        'x-amz-storage-class': 'STANDARD_IA',
        'x-amz-acl': 'bucket-owner-full-control',
      });
    }
    for (const { headers } of [...objectPuts, ...parts]) expect(headers['x-amz-checksum-crc32c']).toMatch(/^[A-Za-z0-9+/]{6}==$/);
    expect(creates[0].headers['x-amz-checksum-algorithm']).toBe('CRC32C');
  }, 120_000);

  it('reads a public bucket with --no-sign-request and no credentials at all', async () => {
    let mount: MountProcess | undefined;
    try {
      mount = await startCliMount(mnt, 's3', BUCKET, ['--endpoint', proxy.endpoint, '--path-style', '--no-sign-request'], {
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
      });
      expect(await shOk(`cat ${mnt}/public.txt`)).toBe('anyone may read this\n');
      expect(await shOk(`ls ${mnt}`)).toContain('public.txt');
    } finally {
      await stopMount(mount, mnt);
    }
    expect(proxy.recorded.length).toBeGreaterThanOrEqual(3);
    expect(proxy.recorded.filter((r) => r.headers.authorization !== undefined)).toEqual([]);
  });
});
