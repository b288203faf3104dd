import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';

/** Where the objects of one bucket live, as the SDK's own endpoint rules resolve it. */
export interface ObjectUrlBase {
  protocol: 'http:' | 'https:';
  hostname: string;
  port?: number;
  /** The path of an object is this followed by its encoded key. */
  pathPrefix: string;
  /** The Host header the SDK sends (with the port when it is not the default). */
  host: string;
}

const PROBE_KEY = 'probe';

class Captured extends Error {
  constructor(readonly base: ObjectUrlBase) {
    super('captured');
  }
}

/**
 * Asks the SDK where a GetObject of `bucket` goes — virtual-hosted or path style, region, custom endpoint — by
 * running one command up to the point where its request is built, and stopping it there (nothing is sent).
 */
export async function resolveObjectUrlBase(client: S3Client, bucket: string): Promise<ObjectUrlBase> {
  const command = new GetObjectCommand({ Bucket: bucket, Key: PROBE_KEY });
  command.middlewareStack.add(
    () => async (args) => {
      const request = args.request as { protocol: string; hostname: string; port?: number; path: string; headers: Record<string, string> };
      if (!request.path.endsWith(`/${PROBE_KEY}`) || (request.protocol !== 'http:' && request.protocol !== 'https:')) {
        throw new Error(`unexpected GetObject request ${request.protocol}//${request.hostname}${request.path}`);
      }
      throw new Captured({
        protocol: request.protocol,
        hostname: request.hostname,
        port: request.port,
        pathPrefix: request.path.slice(0, -PROBE_KEY.length),
        host: request.headers.host ?? (request.port ? `${request.hostname}:${request.port}` : request.hostname),
      });
    },
    { step: 'build', priority: 'low', name: 'nestjsFuseCaptureObjectUrl' },
  );
  try {
    await client.send(command);
  } catch (error) {
    if (error instanceof Captured) return error.base;
    throw error;
  }
  throw new Error('the GetObject request was not captured');
}

/** The request path of `key`, encoded as the SDK encodes it (each segment in RFC 3986 form, slashes kept). */
export function objectPath(base: ObjectUrlBase, key: string): string {
  return base.pathPrefix + key.split('/').map(encodeSegment).join('/');
}

function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
