import * as net from 'node:net';
import * as tls from 'node:tls';
import { copyIntoPieces } from '../read/ranged-body';

export interface Origin {
  protocol: 'http:' | 'https:';
  host: string;
  port: number;
  /** PEM bundle of the CAs to trust for HTTPS, instead of Node's defaults. */
  ca?: string;
}

export interface ResponseHead {
  status: number;
  /** Header names in lower case. */
  headers: Map<string, string>;
  /** The body's length from Content-Length; undefined for any other framing. */
  contentLength?: number;
}

/**
 * Decides on a response from its head: the buffers the body is received into (their lengths adding up to the
 * Content-Length), or undefined to refuse it — the connection is then closed without reading the body.
 */
export type BodyTarget = (head: ResponseHead) => Buffer[] | undefined;

/** The response was refused by its BodyTarget, or had no usable framing. */
export class RefusedResponse extends Error {
  constructor(readonly head: ResponseHead) {
    super(`response refused (HTTP ${head.status})`);
  }
}

/**
 * Every connection's socket reads land in this one buffer and are copied out (into the body's buffers, or the head)
 * before the read callback returns: no buffer per received chunk, and none per connection. Sharing is safe because
 * each read is handed over and consumed synchronously on the one event-loop thread.
 */
const SHARED_READ_BUFFER = Buffer.allocUnsafe(128 * 1024);
const MAX_HEAD_BYTES = 32 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');

interface Exchange {
  resolve: (head: ResponseHead) => void;
  reject: (error: Error) => void;
  accept: BodyTarget;
  head: Buffer;
  parsed?: ResponseHead;
  pieces: Buffer[];
  expected: number;
  filled: number;
  /** Whether any byte of the answer arrived (a reused connection that fails before that may just have gone stale). */
  answered: boolean;
}

/**
 * One keep-alive HTTP/1.1 connection that sends a request and receives a Content-Length-framed body straight into
 * the caller's buffers, from a reused read buffer (Node's HTTP client allocates a buffer per socket read; V8 counts
 * those as external memory and ran a full garbage collection per ~11 MB received).
 */
export class RawHttpConnection {
  private readonly socket: net.Socket;
  private exchange?: Exchange;
  private closed = false;

  constructor(
    origin: Origin,
    private readonly timeoutMs: number,
    private readonly onIdle: (connection: RawHttpConnection) => void,
    private readonly onClosed: (connection: RawHttpConnection) => void,
  ) {
    const onread = { buffer: SHARED_READ_BUFFER, callback: (bytes: number, buffer: Uint8Array) => this.received(bytes, buffer) };
    this.socket =
      origin.protocol === 'https:' ? tls.connect(tlsOptions(origin, onread)) : net.connect({ host: origin.host, port: origin.port, onread });
    this.socket.setNoDelay(true);
    this.socket.on('timeout', () => this.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
    this.socket.on('error', (error) => this.close(error));
    this.socket.on('close', () => this.close(new Error('the connection closed')));
  }

  /** Sends `request` (a complete request head, no body) and resolves with the response head once the body is in. */
  send(request: string, accept: BodyTarget): Promise<{ head: ResponseHead; pieces: Buffer[] }> {
    if (this.closed) return Promise.reject(new Error('the connection is closed'));
    if (this.exchange) return Promise.reject(new Error('the connection is busy'));
    return new Promise((resolve, reject) => {
      const exchange: Exchange = {
        resolve: (head) => resolve({ head, pieces: exchange.pieces }),
        reject,
        accept,
        head: Buffer.alloc(0),
        pieces: [],
        expected: 0,
        filled: 0,
        answered: false,
      };
      this.exchange = exchange;
      this.socket.ref();
      this.socket.setTimeout(this.timeoutMs);
      this.socket.write(request, 'latin1');
    });
  }

  /** Closes the connection; it leaves its pool at once, not only when the socket reports that it closed. */
  destroy(error?: Error): void {
    this.socket.destroy();
    this.close(error ?? new Error('the connection was closed'));
  }

  /**
   * Anything that throws while a chunk is received — a caller's BodyTarget, say — fails this exchange and closes the
   * connection. Thrown from a socket's read callback, it would otherwise end the whole process.
   */
  private received(bytes: number, buffer: Uint8Array): boolean {
    try {
      return this.onData(bytes, buffer);
    } catch (error) {
      this.destroy(error instanceof Error ? error : new Error(String(error)));
      return false;
    }
  }

  private onData(bytes: number, buffer: Uint8Array): boolean {
    const exchange = this.exchange;
    if (!exchange) {
      this.destroy(new Error('the server sent data nobody asked for'));
      return false;
    }
    exchange.answered = true;
    let at = 0;
    if (!exchange.parsed) {
      at = this.readHead(exchange, buffer, bytes);
      if (at < 0) return false;
      if (!exchange.parsed) return true;
    }
    const remaining = exchange.expected - exchange.filled;
    if (bytes - at > remaining) {
      this.destroy(new Error(`the answer had more than the ${exchange.expected} bytes it announced`));
      return false;
    }
    copyIntoPieces(exchange.pieces, exchange.filled, buffer, at, bytes);
    exchange.filled += bytes - at;
    if (exchange.filled === exchange.expected) this.finish(exchange);
    return true;
  }

  /** Collects the head; returns where the body starts in `buffer`, or -1 when the connection was closed. */
  private readHead(exchange: Exchange, buffer: Uint8Array, bytes: number): number {
    const previous = exchange.head.length;
    const take = Math.min(bytes, MAX_HEAD_BYTES - previous);
    exchange.head = Buffer.concat([exchange.head, buffer.subarray(0, take)]);
    const end = exchange.head.indexOf(HEAD_END, Math.max(0, previous - 3));
    if (end < 0) {
      if (exchange.head.length < MAX_HEAD_BYTES) return bytes;
      this.destroy(new Error(`the response head is longer than ${MAX_HEAD_BYTES} bytes`));
      return -1;
    }
    const head = parseHead(exchange.head.subarray(0, end).toString('latin1'));
    const pieces = head?.contentLength !== undefined ? exchange.accept(head) : undefined;
    if (!head || !pieces) {
      const refused = new RefusedResponse(head ?? { status: 0, headers: new Map() });
      this.exchange = undefined;
      exchange.reject(refused);
      this.destroy();
      return -1;
    }
    exchange.parsed = head;
    exchange.pieces = pieces;
    exchange.expected = head.contentLength ?? 0;
    return end + HEAD_END.length - previous;
  }

  private finish(exchange: Exchange): void {
    this.exchange = undefined;
    this.socket.setTimeout(0);
    const head = exchange.parsed as ResponseHead;
    if (head.headers.get('connection')?.toLowerCase() === 'close') this.destroy();
    else {
      // Idle keep-alive connections never hold the process open.
      this.socket.unref();
      this.onIdle(this);
    }
    exchange.resolve(head);
  }

  private close(error: Error): void {
    if (!this.closed) {
      this.closed = true;
      this.onClosed(this);
    }
    const exchange = this.exchange;
    this.exchange = undefined;
    // Marked for the pool: a reused connection that fails before any byte of the answer may just have gone stale.
    exchange?.reject(Object.assign(error, { unanswered: !exchange.answered }));
  }
}

/** Node's TLS sockets take `onread` too (since 15.1), though its typings list it for plain sockets only. */
function tlsOptions(origin: Origin, onread: net.OnReadOpts): tls.ConnectionOptions {
  const options: tls.ConnectionOptions & { onread: net.OnReadOpts } = {
    host: origin.host,
    port: origin.port,
    servername: net.isIP(origin.host) ? undefined : origin.host,
    ca: origin.ca,
    onread,
  };
  return options;
}

function parseHead(text: string): ResponseHead | undefined {
  const [statusLine, ...lines] = text.split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!status) return undefined;
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const length = headers.get('content-length');
  const framed = !headers.has('transfer-encoding') && length !== undefined && /^\d+$/.test(length);
  return { status: Number(status[1]), headers, contentLength: framed ? Number(length) : undefined };
}
