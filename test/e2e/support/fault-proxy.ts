import { createServer, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { prng } from './fsx';

export type FaultKind =
  /** The connection is cut before any answer. */
  | 'reset'
  /** 503 SlowDown, as S3 answers when throttling. */
  | 'slowdown'
  /** 500 InternalError. */
  | 'internal'
  /** The answer's body stops halfway and the connection is cut (Content-Length promised more). */
  | 'truncate'
  /** The answer is held back this long before it is forwarded. */
  | 'delay';

export interface FaultSchedule {
  /** Share of requests that get a fault, 0–1. */
  rate: number;
  kinds: FaultKind[];
  /** Only requests with these methods get faults (default: all). */
  methods?: string[];
  delayMs?: number;
}

/**
 * An HTTP proxy between a mount and the S3 server that injects faults on a seeded schedule: resets, 503 SlowDown,
 * 500s, truncated bodies and delays. It forwards everything else untouched (the Host header too, so signatures hold).
 */
export class FaultProxy {
  readonly injected: Record<FaultKind, number> = { reset: 0, slowdown: 0, internal: 0, truncate: 0, delay: 0 };
  requests = 0;
  /** Requests seen by what they ask S3: LIST (ListObjectsV2), HEAD, GET (object data), PUT, POST, DELETE. */
  readonly requestsByKind: Record<string, number> = {};
  /** Ranged GETs seen, by who sent them: the AWS SDK (its user agent) or the S3 backend's direct reads. */
  readonly rangedGets = { sdk: 0, direct: 0 };
  /** With `recording` on: each request's method, path and query, and headers, in arrival order. */
  recording = false;
  readonly recorded: Array<{ method: string; url: string; headers: IncomingMessage['headers'] }> = [];
  private schedule: FaultSchedule = { rate: 0, kinds: [] };
  private readonly random: () => number;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private readonly target: URL,
    seed: number,
  ) {
    this.random = prng(seed);
  }

  static async start(targetEndpoint: string, seed = 1): Promise<FaultProxy> {
    const server = createServer();
    const proxy = new FaultProxy(server, new URL(targetEndpoint), seed);
    server.on('request', (req, res) => proxy.handle(req, res));
    server.on('connection', (socket) => {
      proxy.sockets.add(socket);
      socket.on('close', () => proxy.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get faults(): number {
    return Object.values(this.injected).reduce((sum, n) => sum + n, 0);
  }

  setSchedule(schedule: FaultSchedule): void {
    this.schedule = schedule;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private pickFault(method: string): FaultKind | undefined {
    const { rate, kinds, methods } = this.schedule;
    if (kinds.length === 0 || (methods && !methods.includes(method))) return undefined;
    if (this.random() >= rate) return undefined;
    return kinds[Math.floor(this.random() * kinds.length)];
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.requests += 1;
    const method = req.method ?? 'GET';
    const kind = method === 'GET' && /[?&]list-type=2(&|$)/.test(req.url ?? '') ? 'LIST' : method;
    this.requestsByKind[kind] = (this.requestsByKind[kind] ?? 0) + 1;
    if (this.recording) this.recorded.push({ method, url: req.url ?? '', headers: req.headers });
    if (req.method === 'GET' && req.headers.range) this.rangedGets[/aws-sdk-js/.test(req.headers['user-agent'] ?? '') ? 'sdk' : 'direct'] += 1;
    const fault = this.pickFault(req.method ?? 'GET');
    if (fault) this.injected[fault] += 1;
    if (fault === 'reset') {
      req.resume();
      req.socket.destroy();
      return;
    }
    if (fault === 'slowdown' || fault === 'internal') {
      req.resume();
      req.on('end', () => {
        const [status, code] = fault === 'slowdown' ? [503, 'SlowDown'] : [500, 'InternalError'];
        res.writeHead(status, { 'content-type': 'application/xml' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>injected</Message></Error>`);
      });
      return;
    }
    const forward = (): void => {
      const upstream = request(
        { host: this.target.hostname, port: this.target.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          if (fault !== 'truncate') {
            answer.pipe(res);
            return;
          }
          const length = Number(answer.headers['content-length'] ?? 0);
          let sent = 0;
          answer.on('data', (chunk: Buffer) => {
            const room = Math.max(0, Math.floor(length / 2) - sent);
            if (room > 0) res.write(chunk.subarray(0, room));
            sent += Math.min(room, chunk.length);
            if (sent >= Math.floor(length / 2)) {
              answer.destroy();
              res.socket?.destroy();
            }
          });
          answer.on('end', () => res.socket?.destroy());
        },
      );
      upstream.on('error', () => res.socket?.destroy());
      req.pipe(upstream);
    };
    if (fault === 'delay') setTimeout(forward, this.schedule.delayMs ?? 2_000);
    else forward();
  }
}
