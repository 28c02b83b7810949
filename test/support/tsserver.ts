// A client of tsserver, speaking its protocol the way editors do: requests as JSON lines on
// stdin; responses and events on stdout, each framed by a Content-Length header.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';

interface Message {
  readonly seq: number;
  readonly type: 'response' | 'event';
  readonly command?: string;
  readonly request_seq?: number;
  readonly success?: boolean;
  readonly message?: string;
  readonly event?: string;
  readonly body?: any;
}

/** A diagnostic as tsserver sends it: 1-based lines and offsets. */
export interface Diagnostic {
  readonly start: { readonly line: number; readonly offset: number };
  readonly end: { readonly line: number; readonly offset: number };
  readonly text: string;
  readonly code: number;
  readonly category: string;
  readonly source?: string;
}

export class TsServer {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffer = Buffer.alloc(0);
  private seq = 0;
  private readonly pending = new Map<number, (message: Message) => void>();
  private readonly waiters: { readonly test: (event: Message) => boolean; readonly resolve: (event: Message) => void }[] = [];
  /** Every event received, in order. */
  readonly events: Message[] = [];
  stderr = '';

  /** Starts `node <tsserverJs>` in `cwd`, as an editor starts the workspace's tsserver. */
  constructor(tsserverJs: string, cwd: string, env: NodeJS.ProcessEnv, args: readonly string[] = []) {
    this.child = spawn(process.execPath, [tsserverJs, '--disableAutomaticTypingAcquisition', '--locale', 'en', ...args], { cwd, env });
    this.child.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk));
    // A server that dies fails what waits for it, instead of leaving it to the test's timeout.
    this.child.on('exit', (code) => {
      const exited: Message = { seq: 0, type: 'response', success: false, message: `tsserver exited (${code})` };
      for (const resolve of this.pending.values()) resolve(exited);
      this.pending.clear();
    });
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const header = this.buffer.indexOf('\r\n\r\n');
      if (header < 0) return;
      const length = Number(/Content-Length: (\d+)/.exec(this.buffer.subarray(0, header).toString())?.[1]);
      if (this.buffer.length < header + 4 + length) return;
      const message = JSON.parse(this.buffer.subarray(header + 4, header + 4 + length).toString()) as Message;
      this.buffer = this.buffer.subarray(header + 4 + length);
      if (message.type === 'response' && message.request_seq !== undefined) {
        this.pending.get(message.request_seq)?.(message);
        this.pending.delete(message.request_seq);
      } else if (message.type === 'event') {
        this.events.push(message);
        const index = this.waiters.findIndex(({ test }) => test(message));
        if (index >= 0) this.waiters.splice(index, 1)[0].resolve(message);
      }
    }
  }

  private send(command: string, args: unknown): number {
    const seq = ++this.seq;
    this.child.stdin.write(`${JSON.stringify({ seq, type: 'request', command, arguments: args })}\n`);
    return seq;
  }

  /** Sends a request whose response, if any, is not waited for (`open`: TypeScript 4 sends none). */
  notify(command: string, args: unknown): void {
    this.send(command, args);
  }

  /** Sends a request and resolves with its response's body; a failed request rejects. */
  async request(command: string, args: unknown): Promise<any> {
    const seq = this.send(command, args);
    const response = await new Promise<Message>((resolve) => this.pending.set(seq, resolve));
    if (!response.success) throw new Error(`tsserver ${command} failed: ${response.message}\n${this.stderr}`);
    return response.body;
  }

  /**
   * `geterr`, as editors ask for diagnostics while one types: no response, but a
   * `semanticDiag` event per file, then `requestCompleted`. Resolves with each file's
   * semantic diagnostics.
   */
  async geterr(files: readonly string[]): Promise<Map<string, Diagnostic[]>> {
    const diagnostics = new Map<string, Diagnostic[]>();
    const from = this.events.length;
    const seq = this.send('geterr', { files, delay: 0 });
    await new Promise<Message>((resolve) =>
      this.waiters.push({ test: (event) => event.event === 'requestCompleted' && event.body?.request_seq === seq, resolve }),
    );
    for (const event of this.events.slice(from)) if (event.event === 'semanticDiag') diagnostics.set(event.body.file, event.body.diagnostics);
    return diagnostics;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.child.on('close', () => resolve());
      this.child.stdin.write(`${JSON.stringify({ seq: ++this.seq, type: 'request', command: 'exit' })}\n`);
      this.child.stdin.end();
    });
  }
}
