/**
 * A large boot capture for diagram tests: the real lab pxelinux boot (fixtures/captures/lab/happy-bios-pxelinux)
 * followed by what its `-linux` variant adds, a kernel and an initrd over TFTP (about 10,000 + 1,500 DATA
 * blocks of 1408 bytes, as the lab notes for its 14 MB Debian kernel), with a few resent DATA blocks and a
 * stall in the kernel download. The frames are built with the project's own encoders and written as pcapng.
 */
import { readFileSync } from 'node:fs';
import { readCaptureBuffer } from '../../../../src/capture/source.js';
import type { RawTimestamp } from '../../../../src/capture/types.js';
import { PcapngWriter, writeCapture, type WritePacket } from '../../../../src/capture/writer.js';
import { encodeEthernet } from '../../../../src/protocol/ethernet.js';
import { encodeIpv4 } from '../../../../src/protocol/ipv4.js';
import { encodeUdp } from '../../../../src/protocol/udp.js';
import { tftpAck, tftpData, tftpOack, tftpRrq } from '../../../../src/protocol/tftp/builders.js';
import { encodeTftp } from '../../../../src/protocol/tftp/encode.js';
import type { TftpPacket } from '../../../../src/protocol/tftp/types.js';

export const BIG_BOOT = {
  source: 'fixtures/captures/lab/happy-bios-pxelinux/capture.pcapng',
  client: '10.77.0.111',
  server: '10.77.0.1',
  clientMac: '52:54:00:12:34:56',
  blksize: 1408,
  kernel: { name: 'debian/vmlinuz-6.1.0-cloud-amd64', size: 14_080_000 + 777 },
  initrd: { name: 'debian/initrd.img', size: 2_112_000 + 99 },
  /** Kernel DATA blocks sent twice (the first copy lost on the way). */
  resent: [1200, 1201, 5000],
  /** The server waits this long before resending block 5000. */
  stallSeconds: 2.5,
} as const;

export function blocksOf(size: number): number {
  return Math.floor(size / BIG_BOOT.blksize) + 1;
}

function seconds(ts: RawTimestamp): number {
  if (!ts.combined) return ts.high + ts.low / ts.unitsPerSecond;
  return (ts.high * 2 ** 32 + ts.low) / ts.unitsPerSecond;
}

function stamp(t: number): { seconds: number; nanos: number } {
  const whole = Math.floor(t);
  return { seconds: whole, nanos: Math.min(999_999_999, Math.round((t - whole) * 1e9)) };
}

/** The lab capture's frames, then the kernel and initrd reads; resolves with the frame count. */
export async function writeBigBoot(root: string, out: string): Promise<number> {
  const packets: WritePacket[] = [];
  let serverMac: Uint8Array | null = null;
  let last = 0;
  readCaptureBuffer(readFileSync(`${root}/${BIG_BOOT.source}`), {
    frame(f) {
      const data = Uint8Array.from(f.data);
      const t = seconds(f.ts);
      last = Math.max(last, t);
      packets.push({ data, ...stamp(t) });
      // The server's MAC: source of an IPv4 frame from the server address.
      const fromServer = data[12] === 8 && data[13] === 0 && data.slice(26, 30).join('.') === BIG_BOOT.server;
      if (serverMac === null && fromServer) serverMac = data.slice(6, 12);
    },
    warning() {},
  });
  if (serverMac === null) throw new Error(`no frame from ${BIG_BOOT.server} in ${BIG_BOOT.source}`);
  const srvMac: Uint8Array = serverMac;

  let t = last + 0.4;
  const send = (fromClient: boolean, sport: number, dport: number, pkt: TftpPacket, dt = 0.00008): void => {
    const [src, dst] = fromClient ? [BIG_BOOT.client, BIG_BOOT.server] : [BIG_BOOT.server, BIG_BOOT.client];
    const udp = encodeUdp(src, dst, sport, dport, encodeTftp(pkt));
    const ip = encodeIpv4({ src, dst, protocol: 17, df: true }, udp);
    const eth = encodeEthernet(
      {
        src: fromClient ? BIG_BOOT.clientMac : srvMac,
        dst: fromClient ? srvMac : BIG_BOOT.clientMac,
        etherType: 0x0800,
      },
      ip,
    );
    packets.push({ data: eth, ...stamp(t) });
    t += dt;
  };
  const read = (
    file: { name: string; size: number },
    cport: number,
    sport: number,
    resent: readonly number[],
  ): void => {
    const blk = String(BIG_BOOT.blksize);
    send(true, cport, 69, tftpRrq(file.name, 'octet', { tsize: '0', blksize: blk }));
    send(false, sport, cport, tftpOack({ blksize: blk, tsize: String(file.size) }));
    send(true, cport, sport, tftpAck(0));
    const blocks = blocksOf(file.size);
    const full = new Uint8Array(BIG_BOOT.blksize);
    for (let b = 1; b <= blocks; b++) {
      const len = b === blocks ? file.size - (blocks - 1) * BIG_BOOT.blksize : BIG_BOOT.blksize;
      const data = len === full.length ? full : full.subarray(0, len);
      if (resent.includes(b)) {
        // The first copy never got an ACK: the server resends after its timeout.
        send(false, sport, cport, tftpData(b & 0xffff, data), b === 5000 ? BIG_BOOT.stallSeconds : 1);
      }
      send(false, sport, cport, tftpData(b & 0xffff, data));
      send(true, cport, sport, tftpAck(b & 0xffff));
    }
  };
  read(BIG_BOOT.kernel, 49160, 40001, BIG_BOOT.resent);
  t += 0.05;
  read(BIG_BOOT.initrd, 49161, 40002, []);
  await writeCapture(out, new PcapngWriter(), packets);
  return packets.length;
}
