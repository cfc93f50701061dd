/**
 * A PXE-dense capture for the packets/s rows: the committed lab boots (real qemu clients against dnsmasq,
 * TFTP-heavy: pxelinux and its files, a kernel, a 512-byte-block download, proxyDHCP, UEFI) joined many times
 * over, so nearly every frame is DHCP or TFTP and the decoders, not the skimmer, do the work.
 *
 * Every lab boot is the same qemu client (52:54:00:12:34:56, leased 10.77.0.111). Copy `k` of a boot is
 * shifted in time with `editcap -t` (a new boot every 1/`BOOTS_PER_SECOND` s, so about a hundred run at once,
 * as on a segment where a rack powers on) and given a client of its own: the MAC's last three bytes and the
 * address's last two become k's, in every place they occur (Ethernet, ARP, DHCP chaddr, option 61, yiaddr,
 * option 50, IP headers), with the IPv4 and UDP checksums recomputed; the server side stays. `mergecap` joins
 * the copies in time order. Without distinct clients the copies would fall into one client's sessions and
 * its TFTP conversations would collide.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { internetChecksum } from '../../src/protocol/checksum.js';
import { udpChecksum } from '../../src/protocol/udp.js';

/** The TFTP-heavy lab boots, under fixtures/captures/lab/. */
export const DENSE_BOOTS: readonly string[] = [
  'happy-bios-pxelinux',
  'blksize-mtu-clamp',
  'proxydhcp',
  'tftp-no-blocksize',
  'uefi-edk2-happy',
];

const LAB_CLIENT_MAC = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];
const LAB_CLIENT_IP = [10, 77, 0, 111];
const BOOTS_PER_SECOND = 5;

export interface DenseCapture {
  file: string;
  frames: number;
  boots: number;
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.slice(0, 4).join(' ')} … failed: ${(r.stderr ?? '').trim()}`);
}

/** Replaces every occurrence of `from` in [start, end) by `to` (same length). */
function replaceAll(data: Uint8Array, start: number, end: number, from: number[], to: number[]): void {
  const first = from[0];
  outer: for (let i = start; i + from.length <= end; i++) {
    if (data[i] !== first) continue;
    for (let j = 1; j < from.length; j++) if (data[i + j] !== from[j]) continue outer;
    data.set(to, i);
    i += from.length - 1;
  }
}

/** Recomputes the IPv4 header checksum and (when the sender set one) the UDP checksum of an Ethernet frame. */
function fixChecksums(frame: Uint8Array): void {
  if (frame.length < 34 || frame[12] !== 0x08 || frame[13] !== 0x00) return;
  const ihl = (frame[14] & 0x0f) * 4;
  frame[24] = 0;
  frame[25] = 0;
  const ipSum = internetChecksum(frame, 14, 14 + ihl);
  frame[24] = ipSum >> 8;
  frame[25] = ipSum & 0xff;
  const udp = 14 + ihl;
  if (frame[23] !== 17 || udp + 8 > frame.length) return;
  const length = (frame[udp + 4] << 8) | frame[udp + 5];
  if ((frame[udp + 6] | frame[udp + 7]) === 0 || udp + length > frame.length) return;
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const sum = udpChecksum(view.getUint32(26), view.getUint32(30), frame, udp, udp + length);
  frame[udp + 6] = sum >> 8;
  frame[udp + 7] = sum & 0xff;
}

/** Gives every frame of a classic pcap file (Ethernet, either byte order) client `k`'s MAC and address. */
function rewriteClient(file: string, k: number): number {
  const bytes = readFileSync(file);
  const magic = bytes.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const mac = [...LAB_CLIENT_MAC.slice(0, 3), 0xd0 | ((k >> 16) & 0x0f), (k >> 8) & 0xff, k & 0xff];
  // 10.77.0.0/16 around the server's 10.77.0.1: client k is 10.77.(1 + k / 250).(3 + k % 250).
  const ip = [LAB_CLIENT_IP[0], LAB_CLIENT_IP[1], 1 + Math.floor(k / 250), 3 + (k % 250)];
  let frames = 0;
  for (let at = 24; at + 16 <= bytes.length; frames++) {
    const caplen = le ? bytes.readUInt32LE(at + 8) : bytes.readUInt32BE(at + 8);
    const frame = bytes.subarray(at + 16, at + 16 + caplen);
    replaceAll(frame, 0, frame.length, LAB_CLIENT_MAC, mac);
    replaceAll(frame, 0, frame.length, LAB_CLIENT_IP, ip);
    fixChecksums(frame);
    at += 16 + caplen;
  }
  writeFileSync(file, bytes);
  return frames;
}

/**
 * Builds (or reuses) bench-data/pxe-dense-<label>.pcapng of about `size` bytes under `dir`; null when
 * editcap/mergecap are missing. `labDir` is fixtures/captures/lab.
 */
export function pxeDenseCapture(
  labDir: string,
  dir: string,
  size: number,
  label: string,
): DenseCapture | null {
  if (spawnSync('mergecap', ['-v']).status !== 0 || spawnSync('editcap', ['-v']).status !== 0) return null;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `pxe-dense-${label}.pcapng`);
  const meta = `${file}.meta.json`;
  if (existsSync(file) && existsSync(meta)) {
    const m = JSON.parse(readFileSync(meta, 'utf8')) as DenseCapture & {
      targetBytes?: number;
      bytes?: number;
    };
    if (m.targetBytes === size && m.bytes === statSync(file).size)
      return { file, frames: m.frames, boots: m.boots };
  }
  const boots = DENSE_BOOTS.map((b) => join(labDir, b, 'capture.pcapng'));
  const perRound = boots.reduce((n, b) => n + statSync(b).size, 0);
  const rounds = Math.max(1, Math.round(size / perRound));
  const scratch = join(dir, `${basename(file)}.pieces`);
  mkdirSync(scratch, { recursive: true });
  let frames = 0;
  const pieces: string[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      boots.forEach((boot, i) => {
        const k = r * boots.length + i;
        const piece = join(scratch, `${k}.pcap`);
        // Classic pcap (microseconds) keeps the rewrite simple; mergecap writes the result as pcapng.
        run('editcap', ['-F', 'pcap', '-t', (k / BOOTS_PER_SECOND).toFixed(3), boot, piece]);
        frames += rewriteClient(piece, k);
        pieces.push(piece);
      });
    }
    run('mergecap', ['-F', 'pcapng', '-w', file, ...pieces]);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const result: DenseCapture = { file, frames, boots: pieces.length };
  writeFileSync(
    meta,
    JSON.stringify({ ...result, targetBytes: size, bytes: statSync(file).size }, null, 2) + '\n',
  );
  return result;
}
