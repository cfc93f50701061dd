/**
 * The reference server in-process: the serve command's DHCP/proxyDHCP engine and TFTP session logic answer
 * through memory, one engine per server address the replay needs. No socket, no root, no network.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { decodeDhcp, encodeDhcp } from '../protocol/dhcp/index.js';
import {
  TFTP_ERR_FILE_NOT_FOUND,
  TFTP_ERR_OPTION_NEGOTIATION,
  encodeTftp,
  tftpAck,
  tftpError,
  tftpRrq,
} from '../protocol/tftp/index.js';
import type { TftpAnswer } from '../report/replay-model.js';
import type { ServeConfig } from '../server/config/types.js';
import { openDhcpEngine, type PxeDhcpEngine } from '../server/dhcp/engine.js';
import { MemoryLeaseStore } from '../server/dhcp/lease-store.js';
import { checkTftpName, openTftpFile, realRoot } from '../server/tftp/files.js';
import { TftpSession, type TftpSessionAction, type TftpSessionLimits } from '../server/tftp/session.js';
import type { DhcpSend, ReceivedDhcp, ReplayTarget, TftpRead } from './target.js';

export type TftpFileRead = { data: Uint8Array } | { errorCode: number; errorMessage: string };

/** The files a reference TFTP server hands out. */
export interface TftpFiles {
  read(name: string): Promise<TftpFileRead>;
}

const NOT_FOUND: TftpFileRead = { errorCode: TFTP_ERR_FILE_NOT_FOUND, errorMessage: 'File not found' };

/** Files held in memory, by their path under the root (as checkTftpName gives it). */
export class MemoryFiles implements TftpFiles {
  constructor(readonly files: ReadonlyMap<string, Uint8Array>) {}
  read(name: string): Promise<TftpFileRead> {
    const check = checkTftpName(name);
    if (!check.ok) return Promise.resolve({ errorCode: check.code, errorMessage: check.message });
    const data = this.files.get(check.relative);
    return Promise.resolve(data === undefined ? NOT_FOUND : { data });
  }
}

/** A folder on disk, under the same rules as the serve command's TFTP server. */
export class DiskFiles implements TftpFiles {
  private real: Promise<string> | null = null;
  constructor(readonly root: string) {}
  async read(name: string): Promise<TftpFileRead> {
    this.real ??= realRoot(this.root);
    const opened = await openTftpFile(await this.real, name);
    if (!opened.ok) return { errorCode: opened.code, errorMessage: opened.message };
    try {
      return { data: await readFile(opened.handle) };
    } finally {
      await opened.handle.close();
    }
  }
}

/** The servers a reference plays: DHCP/proxyDHCP configs, and TFTP roots by server address. */
export interface ReferenceSetup {
  servers: ServeConfig[];
  tftp: Map<string, TftpFiles>;
}

export interface ReferenceTargetOptions {
  /** Interface MTU the TFTP server caps blksize with (default 1500). */
  mtu?: number;
}

const BROADCAST = '255.255.255.255';
const CLIENT_PORT = 68;

export class ReferenceTarget implements ReplayTarget {
  readonly description = 'reference server (in-process)';
  private readonly limits: TftpSessionLimits;
  private clock = Date.now();

  private constructor(
    private readonly engines: { ip: string; engine: PxeDhcpEngine }[],
    private readonly tftpAt: ReadonlyMap<string, TftpFiles>,
    options: ReferenceTargetOptions,
  ) {
    this.limits = { mtu: options.mtu ?? 1500 };
  }

  static async open(setup: ReferenceSetup, options: ReferenceTargetOptions = {}): Promise<ReferenceTarget> {
    const engines: { ip: string; engine: PxeDhcpEngine }[] = [];
    for (const config of setup.servers) {
      // Leases in memory only: a replay never writes a lease file.
      const engine = await openDhcpEngine({ ...config, leaseFile: null }, { store: new MemoryLeaseStore() });
      engines.push({ ip: config.serverIp, engine });
    }
    return new ReferenceTarget(engines, setup.tftp, options);
  }

  dhcp(send: DhcpSend): Promise<ReceivedDhcp[]> {
    const message = decodeDhcp(send.bytes);
    // Each message a little later than the last: the engines' only clock.
    this.clock += 10;
    const out: ReceivedDhcp[] = [];
    for (const { ip, engine } of this.engines) {
      if (send.dst !== BROADCAST && send.dst !== ip) continue;
      const result = engine.handle({
        message,
        port: send.port,
        srcMac: message.chaddr,
        srcIp: send.src,
        srcPort: CLIENT_PORT,
        dstIp: send.dst,
        now: this.clock,
      });
      // Through the codec both ways, so a reply is compared exactly as a captured one is.
      for (const r of result.replies)
        out.push({ message: decodeDhcp(encodeDhcp(r.message)), src: ip, srcPort: r.srcPort });
    }
    return Promise.resolve(out);
  }

  async tftp(read: TftpRead): Promise<TftpAnswer> {
    const files = this.tftpAt.get(read.server);
    if (files === undefined) return { answered: false, oack: null, error: null, size: null, sha256: null };
    const request = tftpRrq(read.filename, read.mode, read.options);
    const peer = { address: read.client, port: 1024 };
    const session = new TftpSession(request, peer, this.clock, this.limits);
    const found = session.fileToOpen === null ? null : await files.read(read.filename);
    if (found === null) return runSession(session, null, null, read.probe);
    if ('data' in found) return runSession(session, { size: found.data.length }, found.data, read.probe);
    return runSession(session, found, null, read.probe);
  }

  async close(): Promise<void> {
    for (const { engine } of this.engines) await engine.close();
  }
}

/** Plays the client's side of one read against a session: ACK each window, or hang up after a size probe. */
function runSession(
  session: TftpSession,
  lookup: { size: number } | { errorCode: number; errorMessage: string } | null,
  file: Uint8Array | null,
  probe: boolean,
): TftpAnswer {
  const answer: TftpAnswer = { answered: true, oack: null, error: null, size: null, sha256: null };
  const hash = createHash('sha256');
  let received = 0;
  const now = 0;
  let pending: TftpSessionAction[] = session.start(lookup, now);
  // Bounded: every round acknowledges at least one block, and a file has at most size/8 + 1 of them.
  const maxRounds = (file === null ? 0 : Math.ceil(file.length / 8)) + 4;
  for (let round = 0; round < maxRounds && pending.length > 0; round++) {
    const next: TftpSessionAction[] = [];
    for (const a of pending) {
      if (a.type === 'send') {
        const p = a.packet;
        if (p.opcode === 'OACK') {
          answer.oack = { ...(p.options ?? {}) };
          const reply = probe ? tftpError(TFTP_ERR_OPTION_NEGOTIATION, 'tsize probe') : tftpAck(0);
          next.push(...session.receive(encodeTftp(reply), session.peer, now));
        } else if (p.opcode === 'ERROR') {
          answer.error = { code: p.errorCode ?? 0, message: p.errorMessage ?? '' };
        }
      } else if (a.type === 'send-data' && file !== null) {
        let last = 0;
        for (const b of a.blocks) {
          hash.update(file.subarray(b.offset, b.offset + b.length));
          received += b.length;
          last = b.wire;
        }
        next.push(...session.receive(encodeTftp(tftpAck(last)), session.peer, now));
      } else if (a.type === 'done' && a.outcome.end === 'complete') {
        answer.size = received;
        answer.sha256 = hash.digest('hex');
      }
    }
    pending = next;
  }
  return answer;
}
