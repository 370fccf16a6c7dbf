import net from 'node:net';

export interface Mail {
  from: string;
  to: string[];
  data: string;
  auth: string | null;
}

export interface FakeSmtp {
  port: number;
  mails: Mail[];
  close(): Promise<void>;
}

/**
 * A local SMTP sink (RFC 5321, plain text, no TLS): takes EHLO, AUTH PLAIN/LOGIN, MAIL, RCPT,
 * DATA and keeps each message.
 */
export async function startFakeSmtp(): Promise<FakeSmtp> {
  const mails: Mail[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.setEncoding('utf8');
    const reply = (line: string) => socket.write(`${line}\r\n`);
    let buffer = '';
    let inData = false;
    let authStep: 'user' | 'pass' | null = null;
    let loginUser = '';
    let mail: Mail = { from: '', to: [], data: '', auth: null };
    reply('220 fake-smtp ESMTP ready');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let i: number;
      while ((i = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            mails.push(mail);
            mail = { from: '', to: [], data: '', auth: mail.auth };
            reply('250 2.0.0 queued');
          } else mail.data += `${line.startsWith('..') ? line.slice(1) : line}\n`;
          continue;
        }
        if (authStep === 'user') {
          loginUser = Buffer.from(line, 'base64').toString();
          authStep = 'pass';
          reply('334 UGFzc3dvcmQ6');
          continue;
        }
        if (authStep === 'pass') {
          mail.auth = `${loginUser}:${Buffer.from(line, 'base64').toString()}`;
          authStep = null;
          reply('235 2.7.0 accepted');
          continue;
        }
        const [verb, ...rest] = line.split(' ');
        const arg = rest.join(' ');
        switch (verb.toUpperCase()) {
          case 'EHLO':
            socket.write('250-fake-smtp\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n');
            break;
          case 'HELO':
            reply('250 fake-smtp');
            break;
          case 'AUTH': {
            const [kind, initial] = arg.split(' ');
            if (kind.toUpperCase() === 'PLAIN' && initial) {
              const [, user, pass] = Buffer.from(initial, 'base64').toString().split('\0');
              mail.auth = `${user}:${pass}`;
              reply('235 2.7.0 accepted');
            } else {
              authStep = 'user';
              reply('334 VXNlcm5hbWU6');
            }
            break;
          }
          case 'MAIL':
            mail.from = /<(.*)>/.exec(arg)?.[1] ?? '';
            reply('250 2.1.0 ok');
            break;
          case 'RCPT':
            mail.to.push(/<(.*)>/.exec(arg)?.[1] ?? '');
            reply('250 2.1.5 ok');
            break;
          case 'DATA':
            inData = true;
            reply('354 end with <CRLF>.<CRLF>');
            break;
          case 'RSET':
            mail = { from: '', to: [], data: '', auth: mail.auth };
            reply('250 ok');
            break;
          case 'NOOP':
            reply('250 ok');
            break;
          case 'QUIT':
            reply('221 bye');
            socket.end();
            break;
          default:
            reply('502 5.5.2 not implemented');
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    mails,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
