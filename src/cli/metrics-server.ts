import { createServer, Server } from 'node:http';
import type { Registry } from 'prom-client';
import { UsageError } from './usage.error';

/** Serves one registry's metrics in Prometheus' text format at `GET /metrics`, for `--metrics-port`. */
export class MetricsServer {
  private constructor(
    private readonly server: Server,
    readonly address: string,
  ) {}

  /** Listens before anything is mounted, so a port already taken stops the command with nothing to undo. */
  static async start(registry: Registry, host: string, port: number): Promise<MetricsServer> {
    const server = createServer((request, response) => {
      if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: metrics are at /metrics\n');
        return;
      }
      registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (error: Error) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${error.message}\n`),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          new UsageError(
            error.code === 'EADDRINUSE'
              ? `--metrics-port ${port}: ${host}:${port} is already in use. Pick a free port.`
              : `--metrics-port ${port}: cannot listen on ${host}:${port} (${error.code ?? error.message}).`,
          ),
        ),
      );
      server.listen(port, host, resolve);
    });
    const bound = server.address();
    const address = typeof bound === 'object' && bound ? `${bound.address}:${bound.port}` : `${host}:${port}`;
    return new MetricsServer(server, address);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
