import net from 'node:net';
import tls from 'node:tls';
import { DownloadError } from './errors.js';

/**
 * A plain HTTP/1.1 GET for one large media body, read straight off the socket into one reused
 * 1 MiB buffer (no stream machinery, no allocation per read): a file arrives at about twice the
 * rate node:http manages and uses half the CPU per byte, which on a NAS's small CPU is the
 * difference. Only what a file download needs: one request per connection (`Connection: close`),
 * a body framed by Content-Length or by the end of the connection. A chunked answer returns
 * `null` and the caller asks again through node:http.
 */
export interface DirectAnswer {
  status: number;
  headers: Record<string, string>;
  body: DirectBody;
}

export interface DirectBody {
  /**
   * Hands the body over. A chunk stays valid until `onChunk` returns or, when it returns a
   * promise, until that settles (the socket is paused meanwhile): keep it longer and copy it.
   */
  read(onChunk: (view: Buffer) => Promise<unknown> | void | undefined): Promise<void>;
  destroy(err?: Error): void;
}

const READ_BUFFER = 1 << 20;
const MAX_HEAD = 64 * 1024;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function requestHead(u: URL, headers: Record<string, string>): string {
  let head = `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower === 'host' || lower === 'connection') continue;
    if (!TOKEN.test(name) || /[\r\n\0]/.test(value)) throw new DownloadError(`invalid request header ${JSON.stringify(name)}`);
    head += `${name}: ${value}\r\n`;
  }
  return `${head}Connection: close\r\n\r\n`;
}

function parseHead(text: string): { status: number; headers: Record<string, string> } {
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  if (!m) throw Object.assign(new DownloadError('the media server sent no valid HTTP answer'), { transient: true });
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return { status: Number(m[1]), headers };
}

const closedEarly = () => Object.assign(new DownloadError('connection closed prematurely'), { code: 'ECONNRESET' });

/** A complete response head, and the bytes that came after it. */
interface Head {
  status: number;
  headers: Record<string, string>;
  rest: Buffer;
}

interface Reader {
  onChunk: (view: Buffer) => Promise<unknown> | void | undefined;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Settles directGet's promise: the answer, null (chunked: ask node:http), or the error. */
interface Answering {
  resolve: (answer: DirectAnswer | null) => void;
  reject: (err: unknown) => void;
}

export function directGet(
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal,
  headersTimeoutMs: number,
): Promise<DirectAnswer | null> {
  const u = new URL(url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    return Promise.reject(new DownloadError(`unsupported media URL scheme ${u.protocol}`));
  const request = requestHead(u, headers);
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => new DirectExchange(u, signal, headersTimeoutMs, { resolve, reject }).send(request));
}

/** The connection to `u`, reading into `onread`'s buffer (no stream machinery). */
function connect(u: URL, onread: { buffer: Buffer; callback: (n: number, buf: Uint8Array) => boolean }): net.Socket {
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = Number(u.port) || (u.protocol === 'https:' ? 443 : 80);
  if (u.protocol !== 'https:') return net.connect({ host, port, onread });
  return tls.connect({
    host,
    port,
    servername: net.isIP(host) ? undefined : host,
    ALPNProtocols: ['http/1.1'],
    onread,
  } as tls.ConnectionOptions);
}

/** Gathers head bytes up to the blank line; skips 1xx heads (100 Continue, 103 Early Hints). Null: more to come. */
function takeHead(gathered: Buffer): { head: Head | null; gathered: Buffer } {
  for (;;) {
    const end = gathered.indexOf('\r\n\r\n');
    if (end < 0) {
      if (gathered.length > MAX_HEAD) throw new DownloadError('the media server sent an oversized header');
      return { head: null, gathered };
    }
    const parsed = parseHead(gathered.toString('latin1', 0, end));
    const rest = gathered.subarray(end + 4);
    if (parsed.status >= 100 && parsed.status < 200) {
      gathered = rest;
      continue;
    }
    return { head: { ...parsed, rest }, gathered };
  }
}

/** Body bytes the head announces (Infinity: until the connection ends). */
function bodyLength(head: Head): number {
  if (head.status === 204 || head.status === 304) return 0;
  const length = head.headers['content-length'];
  if (length === undefined) return Infinity;
  if (!/^\d+$/.test(length)) throw new DownloadError(`the media server sent an invalid Content-Length (${length.slice(0, 40)})`);
  return Number(length);
}

/**
 * One request on its own connection: the state the socket's callbacks and the body's reader share.
 * The head is read until the blank line; then the socket pauses until `body.read` takes the body.
 */
class DirectExchange {
  /** Head bytes so far; null once the head is parsed. */
  private head: Buffer | null = Buffer.alloc(0);
  private answered = false;
  /** Body bytes still to come (Infinity: until the connection ends). */
  private left = Infinity;
  /**
   * Bytes that came while nobody could take them (with the head, before read(), during a wait;
   * TLS hands over what it already decrypted after a pause): copies, passed on first.
   */
  private readonly queued: Buffer[] = [];
  /** The reader's promise is pending: the socket is paused. */
  private waiting = false;
  /** The connection ended a body without a length. */
  private ended = false;
  private reader: Reader | null = null;
  private failure: unknown = null;
  private finished = false;
  private readonly socket: net.Socket;
  private readonly timer: NodeJS.Timeout;
  private readonly onAbort = () => this.fail(this.signal.reason);
  private readonly body: DirectBody = {
    read: (onChunk) => this.read(onChunk),
    destroy: (err) => this.destroy(err),
  };

  constructor(
    u: URL,
    private readonly signal: AbortSignal,
    headersTimeoutMs: number,
    private readonly answering: Answering,
  ) {
    this.socket = connect(u, { buffer: Buffer.allocUnsafe(READ_BUFFER), callback: (n, buf) => this.onRead(n, buf) });
    this.timer = setTimeout(
      () => this.fail(Object.assign(new DownloadError(`no answer within ${headersTimeoutMs / 1000} s`), { code: 'ETIMEDOUT' })),
      headersTimeoutMs,
    );
    signal.addEventListener('abort', this.onAbort, { once: true });
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('close', () => this.onClose());
  }

  send(request: string): void {
    this.socket.write(request);
  }

  private fail(err: unknown): void {
    if (this.finished) return;
    this.failure = err;
    clearTimeout(this.timer);
    this.close();
    if (!this.answered) this.answering.reject(err);
    else this.reader?.reject(err);
  }

  private finish(): void {
    if (this.finished) return;
    this.close();
    this.reader?.resolve();
  }

  private close(): void {
    this.finished = true;
    this.signal.removeEventListener('abort', this.onAbort);
    this.socket.destroy();
  }

  /** The socket's reads (into the one reused buffer); false pauses it. */
  private onRead(n: number, buf: Uint8Array): boolean {
    if (this.finished) return false;
    const data = Buffer.from(buf.buffer, buf.byteOffset, n);
    if (!this.head) return this.onBody(data);
    try {
      this.onHead(data);
    } catch (err) {
      this.fail(err);
    }
    return this.head !== null && !this.finished; // once the head is parsed, paused until the body is read
  }

  private onHead(data: Buffer): void {
    const taken = takeHead(this.head!.length ? Buffer.concat([this.head!, data]) : Buffer.from(data));
    this.head = taken.gathered;
    if (!taken.head) return;
    this.head = null;
    clearTimeout(this.timer);
    if (taken.head.headers['transfer-encoding']) {
      this.close();
      return this.answering.resolve(null);
    }
    this.left = bodyLength(taken.head);
    this.socket.pause();
    if (taken.head.rest.length) this.queued.push(Buffer.from(taken.head.rest));
    this.answered = true;
    this.answering.resolve({ status: taken.head.status, headers: taken.head.headers, body: this.body });
  }

  private onBody(data: Buffer): boolean {
    if (this.reader && !this.waiting && !this.queued.length) return this.deliver(data);
    this.queued.push(Buffer.from(data));
    return false;
  }

  private onClose(): void {
    if (this.finished) return;
    if (!this.answered || this.left !== Infinity) return this.fail(closedEarly());
    this.ended = true; // a body delimited by the end of the connection: complete once passed on
    if (this.reader && !this.waiting) this.drain();
  }

  private read(onChunk: Reader['onChunk']): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.reader = { onChunk, resolve, reject };
      if (this.left === 0) return this.finish();
      if (this.drain()) this.socket.resume();
    });
  }

  private destroy(err?: Error): void {
    if (err) this.fail(err);
    else if (!this.finished) this.close();
  }

  /** Passes body bytes to the reader; false when it must not get more now (waiting or done). */
  private deliver(view: Buffer): boolean {
    if (view.length > this.left) view = view.subarray(0, this.left);
    this.left -= view.length;
    let r;
    try {
      r = view.length > 0 ? this.reader!.onChunk(view) : undefined;
    } catch (err) {
      this.fail(err);
      return false;
    }
    if (!r) {
      if (this.left === 0) this.finish();
      return this.left > 0;
    }
    this.waiting = true;
    this.socket.pause();
    void r.then(
      () => {
        this.waiting = false;
        if (this.left === 0) this.finish();
        else if (this.drain()) this.socket.resume();
      },
      (err: unknown) => this.fail(err),
    );
    return false;
  }

  /** Passes the queued bytes on; true when the socket may read again. */
  private drain(): boolean {
    while (this.queued.length) {
      if (this.finished || !this.deliver(this.queued.shift()!)) return false;
    }
    if (this.ended) this.finish();
    return !this.finished;
  }
}
