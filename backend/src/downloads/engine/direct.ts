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
  return new Promise((resolve, reject) => {
    const host = u.hostname.replace(/^\[|\]$/g, '');
    const port = Number(u.port) || (u.protocol === 'https:' ? 443 : 80);
    const buffer = Buffer.allocUnsafe(READ_BUFFER);
    let head: Buffer | null = Buffer.alloc(0);
    let answered = false;
    let left = Infinity; // body bytes still to come (Infinity: until the connection ends)
    // bytes that came while nobody could take them (with the head, before read(), during a wait;
    // TLS hands over what it already decrypted after a pause): copies, passed on first
    const queued: Buffer[] = [];
    let waiting = false; // the reader's promise is pending: the socket is paused
    let ended = false; // the connection ended a body without a length
    let reader: {
      onChunk: (view: Buffer) => Promise<unknown> | void | undefined;
      resolve: () => void;
      reject: (err: unknown) => void;
    } | null = null;
    let failure: unknown = null;
    let finished = false;

    const fail = (err: unknown) => {
      if (finished) return;
      finished = true;
      failure = err;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      if (!answered) reject(err);
      else reader?.reject(err);
    };
    const finish = () => {
      if (finished) return;
      finished = true;
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      reader?.resolve();
    };
    const onAbort = () => fail(signal.reason);

    /** Passes body bytes to the reader; false when it must not get more now (waiting or done). */
    const deliver = (view: Buffer): boolean => {
      if (view.length > left) view = view.subarray(0, left);
      left -= view.length;
      let r;
      try {
        r = view.length > 0 ? reader!.onChunk(view) : undefined;
      } catch (err) {
        fail(err);
        return false;
      }
      if (!r) {
        if (left === 0) finish();
        return left > 0;
      }
      waiting = true;
      socket.pause();
      void r.then(() => {
        waiting = false;
        if (left === 0) finish();
        else if (drain()) socket.resume();
      }, fail);
      return false;
    };
    /** Passes the queued bytes on; true when the socket may read again. */
    const drain = (): boolean => {
      while (queued.length) {
        if (finished || !deliver(queued.shift()!)) return false;
      }
      if (ended) finish();
      return !finished;
    };
    const onBody = (data: Buffer): boolean => {
      if (finished) return false;
      if (reader && !waiting && !queued.length) return deliver(data);
      queued.push(Buffer.from(data));
      return false;
    };

    const onHead = (data: Buffer) => {
      head = head!.length ? Buffer.concat([head!, data]) : Buffer.from(data);
      for (;;) {
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) {
          if (head.length > MAX_HEAD) fail(new DownloadError('the media server sent an oversized header'));
          return;
        }
        const parsed = parseHead(head.toString('latin1', 0, end));
        const rest = head.subarray(end + 4);
        if (parsed.status >= 100 && parsed.status < 200) {
          head = rest;
          continue;
        } // 100 Continue, 103 Early Hints
        head = null;
        clearTimeout(timer);
        if (parsed.headers['transfer-encoding']) {
          finished = true;
          signal.removeEventListener('abort', onAbort);
          socket.destroy();
          return resolve(null);
        }
        const length = parsed.headers['content-length'];
        if (parsed.status === 204 || parsed.status === 304) left = 0;
        else if (length !== undefined) {
          if (!/^\d+$/.test(length))
            return fail(new DownloadError(`the media server sent an invalid Content-Length (${length.slice(0, 40)})`));
          left = Number(length);
        }
        socket.pause();
        if (rest.length) queued.push(Buffer.from(rest));
        answered = true;
        resolve({ status: parsed.status, headers: parsed.headers, body });
        return;
      }
    };

    const body: DirectBody = {
      read(onChunk) {
        return new Promise<void>((res, rej) => {
          if (failure) return rej(failure);
          reader = { onChunk, resolve: res, reject: rej };
          if (left === 0) return finish();
          if (drain()) socket.resume();
        });
      },
      destroy(err) {
        if (err) fail(err);
        else if (!finished) {
          finished = true;
          signal.removeEventListener('abort', onAbort);
          socket.destroy();
        }
      },
    };

    const onread = {
      buffer,
      callback: (n: number, buf: Uint8Array): boolean => {
        if (finished) return false;
        const data = Buffer.from(buf.buffer, buf.byteOffset, n);
        if (head) {
          try {
            onHead(data);
          } catch (err) {
            fail(err);
          }
          return head !== null && !finished; // once the head is parsed, paused until the body is read
        }
        return onBody(data);
      },
    };
    const socket: net.Socket =
      u.protocol === 'https:'
        ? tls.connect({
            host,
            port,
            servername: net.isIP(host) ? undefined : host,
            ALPNProtocols: ['http/1.1'],
            onread,
          } as tls.ConnectionOptions)
        : net.connect({ host, port, onread });
    const timer = setTimeout(
      () => fail(Object.assign(new DownloadError(`no answer within ${headersTimeoutMs / 1000} s`), { code: 'ETIMEDOUT' })),
      headersTimeoutMs,
    );
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('error', fail);
    socket.on('close', () => {
      if (finished) return;
      if (!answered || left !== Infinity) return fail(closedEarly());
      ended = true; // a body delimited by the end of the connection: complete once passed on
      if (reader && !waiting) drain();
    });
    socket.write(request);
  });
}
