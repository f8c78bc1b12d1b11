/**
 * The client side of the coordinator's HTTP API over node:http / node:https (fetch cannot take a
 * private certificate authority): keep-alive connections, a bearer token, an optional CA
 * certificate for coordinators with a self-signed or private certificate.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface HttpReply {
  status: number;
  body: Buffer;
}

export class CoordinatorHttp {
  private readonly base: URL;
  private readonly agent: HttpAgent | HttpsAgent;

  constructor(server: string, private readonly token: string, ca?: string | Buffer) {
    this.base = new URL(server);
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') throw new Error(`${server}: the coordinator URL must start with http:// or https://`);
    if (ca && this.base.protocol !== 'https:') throw new Error(`${server}: a CA certificate was given for a plain http:// URL`);
    this.agent = this.base.protocol === 'https:' ? new HttpsAgent({ keepAlive: true, ca }) : new HttpAgent({ keepAlive: true });
  }

  request(method: 'GET' | 'POST', path: string, body?: Buffer | string): Promise<HttpReply> {
    const url = new URL(path, this.base);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, {
        method, agent: this.agent,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-length': Buffer.byteLength(body) }) },
      }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
