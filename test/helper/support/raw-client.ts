// Talks the helper's wire protocol byte by byte, so tests can send what a well-behaved client
// never would (bad JSON, other versions, oversized frames, other users' tunnel ids).
import { type Socket, connect } from 'node:net';
import { FrameReader, frame } from '../../../app/helper/framing.js';

export class RawClient {
  private readonly frames: unknown[] = [];
  private readonly waiters: (() => void)[] = [];
  private isClosed = false;

  private constructor(private readonly socket: Socket) {
    const reader = new FrameReader((body) => {
      this.frames.push(JSON.parse(body));
      this.wake();
    });
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.isClosed = true;
      this.wake();
    });
  }

  static connect(socketPath: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(socketPath);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
    });
  }

  sendJson(value: unknown): void {
    this.socket.write(frame(JSON.stringify(value)));
  }

  sendBytes(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** the next frame from the helper, parsed as JSON; rejects on timeout or close */
  async next(timeoutMs = 3000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (this.isClosed) throw new Error('connection closed before a frame arrived');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no frame within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.frames.shift() as Record<string, unknown>;
  }

  /** resolves when the helper closed the connection (rejects after timeoutMs) */
  async waitClosed(timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.isClosed) {
      if (Date.now() > deadline) throw new Error(`connection still open after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}
