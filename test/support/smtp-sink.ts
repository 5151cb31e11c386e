import { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One message as the sink received it, decoded just enough for assertions (no mail parser dependency). */
export interface ReceivedMail {
  /** Envelope sender and recipients (MAIL FROM / RCPT TO). */
  from: string;
  to: string[];
  /** The message as sent, CRLF and all. */
  raw: string;
  /** Lower-case names; folded lines joined, RFC 2047 encoded words decoded; the first occurrence of each. */
  headers: Record<string, string>;
  subject: string;
  /** The text/plain part, transfer encoding undone, LF line ends. */
  text: string;
  /** The text/html part, when there is one. */
  html?: string;
}

export interface SmtpSink {
  host: '127.0.0.1';
  port: number;
  /** smtp://user:password@127.0.0.1:port with the sink's credentials (or others, to test a refused login). */
  url(credentials?: { user: string; password: string }): string;
  /** Messages accepted so far, in order. */
  messages: ReceivedMail[];
  /** Refuses every following message at the end of DATA with this reply (451: try later; 550: never), until accept(). */
  refuse(replyCode: number, text?: string): void;
  accept(): void;
  stop(): Promise<void>;
}

/**
 * An SMTP server on a free port of 127.0.0.1 that keeps what it receives in memory. Plain SMTP only (no STARTTLS), with
 * AUTH PLAIN/LOGIN required when credentials are given. A message is in `messages` before the client's send resolves.
 */
export async function startSmtpSink(opts: { user?: string; password?: string } = {}): Promise<SmtpSink> {
  const messages: ReceivedMail[] = [];
  let refusal: { code: number; text: string } | undefined;
  const requireAuth = opts.user !== undefined;

  const server = new SMTPServer({
    logger: false,
    disabledCommands: requireAuth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !requireAuth,
    allowInsecureAuth: true,
    disableReverseLookup: true,
    closeTimeout: 1000,
    onAuth(auth, _session, callback) {
      if (auth.username === opts.user && auth.password === opts.password) return callback(null, { user: auth.username });
      callback(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        if (refusal) return callback(Object.assign(new Error(refusal.text), { responseCode: refusal.code }));
        const raw = Buffer.concat(chunks).toString('latin1'); // one char per byte; bodies are decoded to UTF-8 below
        const mail = parseMessage(raw);
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.from(raw, 'latin1').toString('utf8'),
          headers: mail.headers,
          subject: mail.headers.subject ?? '',
          text: mail.text,
          html: mail.html,
        });
        callback();
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.on('error', () => undefined); // client errors after start are the tests' business, not a crash
  const port = (server.server.address() as AddressInfo).port;

  return {
    host: '127.0.0.1',
    port,
    url(credentials) {
      const user = credentials?.user ?? opts.user;
      const password = credentials?.password ?? opts.password ?? '';
      const auth = user === undefined ? '' : `${encodeURIComponent(user)}:${encodeURIComponent(password)}@`;
      return `smtp://${auth}127.0.0.1:${port}`;
    },
    messages,
    refuse(replyCode, text = 'Refused by the test SMTP sink') {
      refusal = { code: replyCode, text };
    },
    accept() {
      refusal = undefined;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface MimePart {
  headers: Record<string, string>;
  body: string;
}

function parseMessage(raw: string): { headers: Record<string, string>; text: string; html?: string } {
  const root = parsePart(raw);
  const leaves = flatten(root);
  const text = leaves.find((p) => mediaType(p) === 'text/plain') ?? (mediaType(root) === '' ? root : undefined);
  const html = leaves.find((p) => mediaType(p) === 'text/html');
  return {
    headers: root.headers,
    text: text ? decodeBody(text).replace(/\r\n/g, '\n') : '',
    html: html ? decodeBody(html).replace(/\r\n/g, '\n') : undefined,
  };
}

function parsePart(raw: string): MimePart {
  const split = raw.indexOf('\r\n\r\n');
  const head = split < 0 ? raw : raw.slice(0, split);
  const body = split < 0 ? '' : raw.slice(split + 4);
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    headers[name] ??= decodeEncodedWords(line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function mediaType(part: MimePart): string {
  return (part.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

/** The leaf parts of a (possibly nested) multipart message, in order. */
function flatten(part: MimePart): MimePart[] {
  const boundary = /boundary="?([^";]+)"?/i.exec(part.headers['content-type'] ?? '')?.[1];
  if (!mediaType(part).startsWith('multipart/') || !boundary) return [part];
  const sections = part.body.split(`--${boundary}`).slice(1); // before the first delimiter is the preamble
  return sections
    .filter((section) => !section.startsWith('--')) // the closing delimiter and the epilogue
    .flatMap((section) => flatten(parsePart(section.replace(/^\r\n/, '').replace(/\r\n$/, ''))));
}

function decodeBody(part: MimePart): string {
  const encoding = (part.headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  if (encoding === 'base64') return Buffer.from(part.body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(part.body.replace(/=\r\n/g, '')).toString('utf8');
  return Buffer.from(part.body, 'latin1').toString('utf8');
}

/** `text` holds one char per byte (latin1); =XX sequences become the byte they name. */
function decodeQuotedPrintable(text: string): Buffer {
  return Buffer.from(text.replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
}

/** RFC 2047 `=?UTF-8?Q?...?=` / `=?UTF-8?B?...?=` words, as nodemailer writes non-ASCII headers; UTF-8 only. */
function decodeEncodedWords(value: string): string {
  const words = /=\?[^?]+\?([BbQq])\?([^?]*)\?=/g;
  const decoded = value.replace(/(\?=)\s+(=\?)/g, '$1$2'); // space between two encoded words is not part of the text
  const bytes = decoded.replace(words, (_m, kind: string, data: string) =>
    kind.toUpperCase() === 'B' ? Buffer.from(data, 'base64').toString('latin1') : decodeQuotedPrintable(data.replace(/_/g, ' ')).toString('latin1'),
  );
  return Buffer.from(bytes, 'latin1').toString('utf8');
}
