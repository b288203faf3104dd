import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { RefusedResponse, ResponseHead } from './raw-http-connection';
import { RawHttpPool } from './raw-http-pool';

type Answer = (socket: net.Socket, requestOnConnection: number) => void;

/** A throwaway self-signed certificate for localhost / 127.0.0.1, for these tests only. */
const TLS_FIXTURES = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'tls');
const TLS = { key: readFileSync(join(TLS_FIXTURES, 'localhost.key')), cert: readFileSync(join(TLS_FIXTURES, 'localhost.crt'), 'utf8') };

/** A bare TCP (or TLS) server that answers each request line as `answer` says, counting connections. */
async function serve(answer: Answer, secure = false): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const onConnection = (socket: net.Socket): void => {
    connections += 1;
    sockets.add(socket);
    let requests = 0;
    let pending = '';
    socket.on('data', (chunk) => {
      pending += chunk.toString('latin1');
      while (pending.includes('\r\n\r\n')) {
        pending = pending.slice(pending.indexOf('\r\n\r\n') + 4);
        answer(socket, ++requests);
      }
    });
    socket.on('close', () => sockets.delete(socket));
  };
  const server = secure ? tls.createServer(TLS, onConnection) : net.createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => connections,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const body = Buffer.from('0123456789abcdefghij');
const ok = (socket: net.Socket): void =>
  void socket.write(`HTTP/1.1 206 Partial Content\r\nContent-Length: ${body.length}\r\nETag: "e"\r\n\r\n${body.toString()}`);
const into = (head: ResponseHead): Buffer[] => [Buffer.alloc(8), Buffer.alloc((head.contentLength ?? 0) - 8)];

describe('RawHttpPool', () => {
  const request = 'GET /x HTTP/1.1\r\nhost: test\r\n\r\n';

  it('receives heads and bodies split anywhere across reads, into the given buffers, on one kept-alive connection', async () => {
    const server = await serve((socket) => {
      const answer = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nX-Long: ${'v'.repeat(3000)}\r\n\r\n${body.toString()}`);
      // One byte at a time, each its own TCP segment.
      let at = 0;
      const next = (): void => {
        if (at < answer.length) socket.write(answer.subarray(at, ++at), () => setImmediate(next));
      };
      next();
    });
    const pool = new RawHttpPool({ protocol: 'http:', host: '127.0.0.1', port: server.port }, 5_000, 2);
    try {
      for (let i = 0; i < 3; i++) {
        const response = await pool.send(request, into);
        expect(response?.head.status).toBe(200);
        expect(response?.head.headers.get('x-long')).toHaveLength(3000);
        expect(response?.pieces.map((piece) => piece.length)).toEqual([8, 12]);
        expect(Buffer.concat(response?.pieces ?? []).equals(body)).toBe(true);
      }
      expect(server.connections()).toBe(1);
    } finally {
      pool.destroy();
      await server.close();
    }
  });

  it('sends once more on a new connection when a kept-alive one closes before answering', async () => {
    // The server drops every connection on its second request, as servers do with idle keep-alive connections.
    const server = await serve((socket, nth) => (nth === 1 ? ok(socket) : socket.destroy()));
    const pool = new RawHttpPool({ protocol: 'http:', host: '127.0.0.1', port: server.port }, 5_000, 2);
    try {
      for (let i = 0; i < 3; i++) expect(Buffer.concat((await pool.send(request, into))?.pieces ?? []).equals(body)).toBe(true);
      expect(server.connections()).toBe(3);
    } finally {
      pool.destroy();
      await server.close();
    }
  });

  it('refuses what it cannot frame or was not accepted, and fails bodies longer or shorter than announced', async () => {
    const answers: Answer[] = [
      (socket) => socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'),
      (socket) => socket.write('HTTP/1.1 503 Slow Down\r\nContent-Length: 0\r\n\r\n'),
      (socket) => socket.write(`HTTP/1.1 206 Partial Content\r\nContent-Length: ${body.length}\r\n\r\n${body.toString()}extra`),
      (socket) => socket.end(`HTTP/1.1 206 Partial Content\r\nContent-Length: ${body.length}\r\n\r\nshort`),
    ];
    let served = 0;
    const server = await serve((socket, nth) => answers[served++](socket, nth));
    const pool = new RawHttpPool({ protocol: 'http:', host: '127.0.0.1', port: server.port }, 5_000, 2);
    const acceptSuccess = (head: ResponseHead): Buffer[] | undefined => (head.status === 200 || head.status === 206 ? into(head) : undefined);
    try {
      await expect(pool.send(request, acceptSuccess)).rejects.toBeInstanceOf(RefusedResponse);
      await expect(pool.send(request, acceptSuccess)).rejects.toMatchObject({ head: { status: 503 } });
      await expect(pool.send(request, acceptSuccess)).rejects.toThrow(/more than the 20 bytes/);
      await expect(pool.send(request, acceptSuccess)).rejects.toThrow(/closed/);
    } finally {
      pool.destroy();
      await server.close();
    }
  });

  it('fails only the exchange, never the process, when receiving throws (here: the caller’s BodyTarget)', async () => {
    const server = await serve(ok);
    const pool = new RawHttpPool({ protocol: 'http:', host: '127.0.0.1', port: server.port }, 5_000, 2);
    const throwing = (): Buffer[] => {
      throw new Error('no memory for the body');
    };
    try {
      await expect(pool.send(request, throwing)).rejects.toThrow('no memory for the body');
      expect(Buffer.concat((await pool.send(request, into))?.pieces ?? []).equals(body)).toBe(true);
    } finally {
      pool.destroy();
      await server.close();
    }
  });

  it('speaks HTTPS to a server the given CA vouches for, and to no other', async () => {
    const server = await serve(ok, true);
    const trusting = new RawHttpPool({ protocol: 'https:', host: '127.0.0.1', port: server.port, ca: TLS.cert }, 5_000, 2);
    const untrusting = new RawHttpPool({ protocol: 'https:', host: '127.0.0.1', port: server.port }, 5_000, 2);
    try {
      for (let i = 0; i < 2; i++) expect(Buffer.concat((await trusting.send(request, into))?.pieces ?? []).equals(body)).toBe(true);
      expect(server.connections()).toBe(1);
      await expect(untrusting.send(request, into)).rejects.toThrow(/self.signed/);
    } finally {
      trusting.destroy();
      untrusting.destroy();
      await server.close();
    }
  });

  it('gives no connection beyond its cap, and times out a server that does not answer', async () => {
    const server = await serve(() => undefined);
    const pool = new RawHttpPool({ protocol: 'http:', host: '127.0.0.1', port: server.port }, 300, 1);
    try {
      const first = pool.send(request, into);
      expect(await pool.send(request, into)).toBeUndefined();
      await expect(first).rejects.toThrow(/no answer within 300 ms/);
    } finally {
      pool.destroy();
      await server.close();
    }
  });
});
