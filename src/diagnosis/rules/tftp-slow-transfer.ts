import { bytes, finding, q, seconds, requestLabel } from '../format.js';
import { serverHint } from '../hints.js';
import { announcedMtu, ETHERNET_MAX_BLKSIZE, perTransfer, type OwnedTransfer } from '../tftp-facts.js';
import type { Finding, Rule, RuleDoc } from '../types.js';

/** Report only where it matters to a person waiting at the console. */
const MIN_SAVED_SECONDS = 5;
/** … and where bigger blocks would at least halve the wait (not a transfer slow for other reasons). */
const MIN_SAVED_SHARE = 0.5;

const doc: RuleDoc = {
  id: 'tftp.slow-transfer',
  severity: 'info',
  group: 'tftp',
  title: 'Large file moved in small TFTP blocks',
  detects:
    'A completed TFTP read moved in 512-byte blocks without a window (RFC 7440 windowsize): one round trip per ' +
    'block. The time per block seen in the capture, times the blocks the file would need at blksize ' +
    `${ETHERNET_MAX_BLKSIZE} (the largest that fits a 1500-byte Ethernet MTU unfragmented), estimates the ` +
    `transfer with bigger blocks; reported when that saves at least ${MIN_SAVED_SECONDS} s and half the time. ` +
    'shim always asks for 512-byte blocks (rhboot/shim#618); a server with blksize disabled (dnsmasq ' +
    'tftp-no-blocksize) refuses what the client asks.',
  ignores:
    'Small files, transfers already using bigger blocks or a window, transfers that did not complete, and ' +
    `clients whose announced MTU (option 26/57) is below 1500 (a bigger block would not fit the path).`,
  clientMessages: [],
  fix:
    'If the client asked for a bigger blksize and the server refused: allow it (dnsmasq: remove tftp-no-blocksize; ' +
    'tftpd-hpa: no --blocksize 512 cap; serve: default). If the client never asks (shim, some firmware): load the ' +
    'big files over HTTP (GRUB/iPXE http://), or chain to a loader that asks for a bigger blksize (iPXE asks 1432).',
};

function check(o: OwnedTransfer): Finding[] {
  const t = o.transfer;
  if (t.direction !== 'read' || t.outcome !== 'complete') return [];
  if (t.blksize > 512 || t.windowsize > 1 || t.blocks < 2 || t.duration <= 0) return [];
  const mtu = announcedMtu(o.session);
  if (mtu !== null && mtu.mtu < 1500) return [];
  const perBlock = t.duration / t.blocks;
  const bigBlocks = Math.ceil(t.bytes / ETHERNET_MAX_BLKSIZE) || 1;
  const estimate = perBlock * bigBlocks;
  const saved = t.duration - estimate;
  if (saved < MIN_SAVED_SECONDS || saved < t.duration * MIN_SAVED_SHARE) return [];

  const asked = Number(t.requested['blksize']);
  const refused = Number.isFinite(asked) && asked > 512;
  const label = requestLabel(o.session, t);
  const why = refused
    ? `The client asked for blksize ${asked}; the server ${t.serverIp} ${t.oack ? 'granted 512' : 'answered without an OACK (512-byte blocks)'}.`
    : 'The client did not ask for a bigger blksize (shim, for one, always uses 512-byte blocks).';
  const hint = refused
    ? serverHint(`Let the TFTP server on ${t.serverIp} grant the block size the client asks for:`, {
        dnsmasq: ['remove tftp-no-blocksize (and any tftp-max-blocksize below 1468)'],
        other: [
          ['tftp-hpa', ['drop "--blocksize 512" from TFTP_OPTIONS (/etc/default/tftpd-hpa)']],
          ['atftpd', ['drop --no-blksize']],
        ],
      })
    : `The client ${label} does not ask for bigger blocks: serve ${q(t.filename)} over HTTP (GRUB "linux (http,…)", ` +
      'iPXE "chain http://…") or chain through a loader that negotiates blksize (iPXE asks 1432) or windowsize.';
  return [
    finding(doc, {
      message:
        `${q(t.filename)} (${bytes(t.bytes)}) took ${seconds(t.duration)} in ${t.blocks} blocks of 512 bytes ` +
        `without a window (${seconds(perBlock)} per block); at blksize ${ETHERNET_MAX_BLKSIZE} it would take ` +
        `about ${seconds(estimate)}, ${seconds(saved)} less. ${why}`,
      frames: [
        t.request.frame,
        ...(t.oack ? [t.oack.frame] : []),
        ...(t.firstData ? [t.firstData.frame] : []),
      ],
      client: o.session?.clientMac ?? null,
      sessionId: o.session?.id,
      pxeError: null,
      hint,
      t: t.request.t,
    }),
  ];
}

export const tftpSlowTransfer: Rule = { ...doc, ...perTransfer(check) };
