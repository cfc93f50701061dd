import { framesText, listText, plural, q, finding } from '../format.js';
import { allTransfers, tftpOutcomeUnknown } from '../tftp-facts.js';
import type { Finding, Rule, RuleContext, RuleDoc } from '../types.js';

const doc: RuleDoc = {
  id: 'capture.tftp-data-missing',
  severity: 'info',
  group: 'capture',
  title: 'TFTP replies not in the capture',
  detects:
    'The capture holds TFTP RRQs but nothing the servers sent back from their transfer ports: a capture ' +
    'filter such as "port 67 or port 68 or port 69" kept the requests and dropped the transfers. Whether ' +
    'the downloads worked cannot be told, and the TFTP timeout rules stay quiet.',
  ignores:
    'Single-port servers (replies from port 69 are captured); clients that kept retrying the same RRQ, which ' +
    'saw the silence themselves (see tftp.no-server / tftp.open-timeout).',
  clientMessages: [],
  fix: 'Capture without a port filter, or add "udp portrange 1024-65535" for the TFTP transfer ports.',
};

function check(ctx: RuleContext): Finding[] {
  if (!tftpOutcomeUnknown(ctx.analysis)) return [];
  const all = allTransfers(ctx.analysis);
  const first = all[0]?.transfer;
  if (!first) return [];
  const files = [...new Set(all.map((o) => o.transfer.filename))];
  const servers = [...new Set(all.map((o) => o.transfer.serverIp))];
  const shown = files.slice(0, 5).map(q);
  return [
    finding(doc, {
      message:
        `The capture has ${plural(all.length, 'TFTP RRQ')} (${listText(shown)}${files.length > 5 ? ' …' : ''}) to ` +
        `${listText(servers)} but no OACK, DATA, ACK or ERROR from a transfer port (${framesText(all.map((o) => o.transfer.request.frame))}): ` +
        'the capture filter dropped them. Outcome unknown; TFTP timeouts are not judged.',
      frames: all.map((o) => o.transfer.request.frame),
      client: null,
      pxeError: null,
      hint:
        'Capture again without a port filter (tcpdump -i <iface> -w boot.pcap), or keep DHCP/TFTP with ' +
        '"udp port 67 or udp port 68 or udp port 69 or udp port 4011 or (udp and portrange 1024-65535) or arp or icmp".',
      t: first.request.t,
    }),
  ];
}

export const captureTftpDataMissing: Rule = { ...doc, checkCapture: check };
