import type { HttpClient } from '../net/httpClient.js';
import type { Channel } from './configSchema.js';
import type { NotifyEvent } from './event.js';

/** RFC 2047 encoding, for header values that are not plain ASCII (ntfy understands it). */
const headerValue = (v: string) => (/^[\x20-\x7e]*$/.test(v) ? v : `=?UTF-8?B?${Buffer.from(v, 'utf8').toString('base64')}?=`);

interface HttpDelivery {
  url: string;
  headers: Record<string, string>;
  body: string;
}

const json = { 'Content-Type': 'application/json' };

/** The HTTP request each kind of channel expects (every kind but email). */
export function channelRequest(ch: Channel, e: NotifyEvent, sender = 'Aniworld'): HttpDelivery {
  const url = ch.url!;
  const failed =
    e.event === 'download_failed' ||
    e.event === 'backup_failed' ||
    e.event === 'health_problem' ||
    e.event === 'disk_space_low' ||
    e.event === 'rescan_errors';
  switch (ch.type) {
    case 'discord':
      return {
        url,
        headers: json,
        body: JSON.stringify({ username: sender.slice(0, 80), content: `**${e.title}**\n${e.message}`.slice(0, 2000) }),
      };
    case 'ntfy':
      return {
        url,
        headers: {
          'Content-Type': 'text/plain; charset=utf-8',
          Title: headerValue(e.title),
          Tags: failed ? 'warning' : 'tv',
          ...(ch.token ? { Authorization: `Bearer ${ch.token}` } : {}),
        },
        body: e.message,
      };
    case 'gotify':
      return {
        url: new URL('message', url.endsWith('/') ? url : `${url}/`).toString(),
        headers: { ...json, 'X-Gotify-Key': ch.token ?? '' },
        body: JSON.stringify({ title: e.title, message: e.message, priority: failed ? 8 : 5, extras: { 'aniworld::event': e } }),
      };
    case 'apprise':
      // an Apprise API server: stateless `/notify` takes the target URLs in the body, `/notify/{key}` has them stored
      return {
        url,
        headers: json,
        body: JSON.stringify({
          title: e.title,
          body: e.message,
          type: failed ? 'failure' : 'info',
          ...(ch.token ? { urls: ch.token } : {}),
        }),
      };
    default:
      return { url, headers: json, body: JSON.stringify(e) };
  }
}

/** Where a channel sends to, for logs and errors: never its URL's path or query (they carry tokens). */
export function channelTarget(ch: Channel): string {
  if (ch.type === 'email') return `smtp ${ch.email!.host}:${ch.email!.port}`;
  try {
    return `${ch.type} at ${new URL(ch.url!).host}`;
  } catch {
    return ch.type;
  }
}

/** Sends one event through one channel; throws (without secrets) when it was not accepted. */
/** `sender`: the configured `name` of this installation (Discord's user name, the email signature). */
export async function send(http: HttpClient, ch: Channel, e: NotifyEvent, sender = 'Aniworld'): Promise<void> {
  const target = channelTarget(ch);
  if (ch.type === 'email') {
    const m = ch.email!;
    // loaded at the first email, not with the server (its start-up)
    const { default: nodemailer } = await import('nodemailer');
    const transport = nodemailer.createTransport({
      host: m.host,
      port: m.port,
      secure: m.secure,
      auth: m.username ? { user: m.username, pass: m.password } : undefined,
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 30_000,
      logger: false,
      debug: false,
    });
    try {
      await transport.sendMail({
        from: m.from,
        to: m.to,
        subject: e.title,
        text: `${e.message}\n\n— ${sender} (${e.event}, ${e.timestamp})`,
      });
    } catch (err) {
      const x = err as { code?: string; responseCode?: number };
      // the transport's error quotes the server's reply and the login: only its code goes on
      // eslint-disable-next-line preserve-caught-error -- no cause on purpose (above)
      throw new Error(`${target} failed: ${x.responseCode ?? x.code ?? 'error'}`);
    } finally {
      transport.close();
    }
    return;
  }
  const req = channelRequest(ch, e, sender);
  const res = await http
    .fetch(req.url, { method: 'POST', headers: req.headers, body: req.body, retries: 0 })
    .catch((err: { code?: string; status?: number }) => {
      throw new Error(`${target} failed: ${err.code ?? err.status ?? 'network error'}`);
    });
  if (res.status < 200 || res.status >= 300) throw new Error(`${target} answered ${res.status}`);
}
