/**
 * A live TFTP server as the replay target, from an ordinary UDP socket (no root): the client's TFTP reads go
 * to one server, its DHCP is not played. Each read asks blksize, windowsize and tsize as the client asked
 * them; the size probe hangs up after the OACK with ERROR 8, as PXE firmware does.
 */
import type { DatagramLink } from '../net/link.js';
import { TftpClientError, tftpGet } from '../net/tftp-client.js';
import type { TftpAnswer } from '../report/replay-model.js';
import type { DhcpSend, ReceivedDhcp, ReplayTarget, TftpRead } from './target.js';

export interface LiveTftpOptions {
  server: string;
  port?: number;
  /** Per-packet wait before a retransmission, ms (default 1000), and retransmissions (default 3). */
  timeoutMs?: number;
  retries?: number;
}

function numberOption(options: Record<string, string>, name: string): number | undefined {
  const v = options[name];
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}

/** Where and how a read is played: the server, and the link to talk through (default a UDP socket). */
export interface TftpReadVia {
  host: string;
  port: number;
  timeoutMs?: number;
  retries?: number;
  link?: DatagramLink;
}

/**
 * Plays one read as the client asked it (blksize, windowsize, tsize; the size probe hangs up after the OACK)
 * and says what came back. A read nobody answers within the retransmissions is "no answer".
 */
export async function playTftpRead(read: TftpRead, via: TftpReadVia): Promise<TftpAnswer> {
  try {
    const r = await tftpGet({
      host: via.host,
      port: via.port,
      filename: read.filename,
      mode: read.mode,
      blksize: numberOption(read.options, 'blksize'),
      windowsize: numberOption(read.options, 'windowsize'),
      tsize: read.options.tsize !== undefined,
      probe: read.probe,
      timeoutMs: via.timeoutMs ?? 1000,
      retries: via.retries ?? 3,
      keep: false,
      link: via.link,
    });
    return {
      answered: true,
      oack: r.oack,
      error: null,
      size: read.probe ? null : r.bytes,
      sha256: read.probe ? null : r.sha256,
    };
  } catch (e) {
    if (!(e instanceof TftpClientError)) throw e;
    if (e.code === null) return { answered: false, oack: null, error: null, size: null, sha256: null };
    const message = e.message.replace(/^ERROR \S+: /, '');
    return { answered: true, oack: null, error: { code: e.code, message }, size: null, sha256: null };
  }
}

export class LiveTftpTarget implements ReplayTarget {
  readonly description: string;
  /** DHCP is not played: the report says so instead of comparing. */
  readonly playsDhcp = false;

  constructor(private readonly o: LiveTftpOptions) {
    this.description = `live TFTP server ${o.server}${o.port !== undefined && o.port !== 69 ? `:${o.port}` : ''}`;
  }

  dhcp(_send: DhcpSend): Promise<ReceivedDhcp[]> {
    return Promise.resolve([]);
  }

  tftp(read: TftpRead): Promise<TftpAnswer> {
    return playTftpRead(read, {
      host: this.o.server,
      port: this.o.port ?? 69,
      timeoutMs: this.o.timeoutMs,
      retries: this.o.retries,
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
