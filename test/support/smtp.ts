// A real SMTP server on loopback whose answers a test scripts, read back with mailparser.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';

export interface Mail {
  /** Envelope recipients, lower case, comma-joined. */
  to: string;
  subject: string;
  messageId: string;
}

export class CaptureSmtp {
  received: Mail[] = [];
  /** Addresses answered with 550 at RCPT TO. */
  refuse = new Set<string>();
  /** Called when a message has fully arrived, before the server answers 250. */
  onMessage?: (m: Mail) => void | Promise<void>;
  delayMs = 0;
  port = 0;
  private server: SMTPServer;

  constructor() {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo: (address, _session, cb) => {
        if (this.refuse.has(address.address.toLowerCase())) return cb(Object.assign(new Error('No such user here'), { responseCode: 550 }));
        cb();
      },
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', async () => {
          const parsed = await simpleParser(Buffer.concat(chunks));
          const m = { to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()).join(','), subject: parsed.subject ?? '', messageId: parsed.messageId ?? '' };
          this.received.push(m);
          await this.onMessage?.(m);
          if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
          cb();
        });
      },
    });
    // A client cut off mid-session is an error on the server; the tests decide what matters.
    this.server.on('error', () => {});
  }

  /** Listen on 127.0.0.1 and return the SMTP_URL for it. */
  async listen(port = 0): Promise<string> {
    await new Promise<void>((r) => this.server.listen(port, '127.0.0.1', r));
    this.port = (this.server.server.address() as AddressInfo).port;
    return `smtp://127.0.0.1:${this.port}`;
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }

  to(address: string): Mail[] {
    return this.received.filter((m) => m.to === address);
  }
}
