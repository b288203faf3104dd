import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';

/**
 * A child process driven in steps: it prints a line when it reaches a point, and waits for a line on stdin to go on.
 * Lets a test hold a file open on a mount while it stops or restarts a server.
 */
export class SteppedProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private text = '';

  constructor(command: string, args: string[]) {
    this.child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (chunk: Buffer) => (this.text += chunk.toString()));
    this.child.stderr.on('data', (chunk: Buffer) => (this.text += chunk.toString()));
  }

  get output(): string {
    return this.text;
  }

  waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const deadline = Date.now() + timeoutMs;
      const poll = (): void => {
        if (pattern.test(this.text)) return resolve();
        if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${pattern}; output so far:\n${this.text}`));
        setTimeout(poll, 20).unref();
      };
      poll();
    });
  }

  step(): void {
    this.child.stdin.write('\n');
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}
