import { IncomingHttpHeaders, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  /** Path and query as requested. */
  url: string;
  /** Lower-case names, as node:http gives them. */
  headers: IncomingHttpHeaders;
  /** The body exactly as it arrived: what a signature must be checked against. */
  body: Buffer;
  /** How this request was answered. */
  answer: WebhookAnswer;
}

/** A status with an empty body, a status with a body, or no answer at all (the client's timeout has to fire). */
export type WebhookAnswer = number | { status: number; body: string } | 'no-answer';

export interface WebhookReceiver {
  port: number;
  /** http://127.0.0.1:port/<path>. */
  url: string;
  /** Requests received so far, in order. */
  requests: ReceivedRequest[];
  /** Queues answers for the next requests, in order (e.g. 503, 503, 200); once used up, requests get 200. */
  answerWith(...answers: WebhookAnswer[]): void;
  /** Closes the server and every connection, including requests left without an answer. */
  stop(): Promise<void>;
}

/** An HTTP server on a free port of 127.0.0.1 that records every request and answers as programmed. */
export async function startWebhookReceiver(opts: { path?: string; answers?: WebhookAnswer[] } = {}): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const queue: WebhookAnswer[] = [...(opts.answers ?? [])];

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const answer = queue.shift() ?? 200;
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks), answer });
      respond(res, answer);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const path = opts.path ?? '/alerts';

  return {
    port,
    url: `http://127.0.0.1:${port}${path.startsWith('/') ? path : `/${path}`}`,
    requests,
    answerWith(...answers) {
      queue.push(...answers);
    },
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections(); // keep-alive sockets and unanswered requests would keep close() waiting
      await closed;
    },
  };
}

function respond(res: ServerResponse, answer: WebhookAnswer): void {
  if (answer === 'no-answer') return;
  const { status, body } = typeof answer === 'number' ? { status: answer, body: '' } : answer;
  res.writeHead(status, { 'Content-Type': 'text/plain' });
  res.end(body);
}
