import { BodyTarget, Origin, RawHttpConnection, ResponseHead } from './raw-http-connection';

/** Keep-alive connections to one origin, at most `maxConnections` open at once. */
export class RawHttpPool {
  private readonly idle: RawHttpConnection[] = [];
  private readonly open = new Set<RawHttpConnection>();

  constructor(
    private readonly origin: Origin,
    private readonly timeoutMs: number,
    private readonly maxConnections: number,
  ) {}

  /**
   * Sends `request` on an idle connection or a new one; undefined when all connections are busy (the caller takes
   * another way rather than queue). A reused connection that the server closed while idle fails before any byte of
   * the answer: that request is sent once more on a new connection.
   */
  async send(request: string, accept: BodyTarget): Promise<{ head: ResponseHead; pieces: Buffer[] } | undefined> {
    const reused = this.idle.pop();
    const connection = reused ?? this.connect();
    if (!connection) return undefined;
    try {
      return await connection.send(request, accept);
    } catch (error) {
      const stale = reused && (error as { unanswered?: boolean }).unanswered === true;
      const fresh = stale ? this.connect() : undefined;
      if (!fresh) throw error;
      return fresh.send(request, accept);
    }
  }

  destroy(): void {
    for (const connection of [...this.open]) connection.destroy();
    this.idle.length = 0;
  }

  private connect(): RawHttpConnection | undefined {
    if (this.open.size >= this.maxConnections) return undefined;
    const connection = new RawHttpConnection(
      this.origin,
      this.timeoutMs,
      (idle) => this.idle.push(idle),
      (closed) => {
        this.open.delete(closed);
        const index = this.idle.indexOf(closed);
        if (index >= 0) this.idle.splice(index, 1);
      },
    );
    this.open.add(connection);
    return connection;
  }
}
