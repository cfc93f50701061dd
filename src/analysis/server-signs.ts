/** The evidence records of analysis/server-software.ts, shared by its DHCP and TFTP readers. */

export type ServerSoftware =
  'dnsmasq' | 'isc-dhcpd' | 'kea' | 'windows-wds' | 'tftpd-hpa' | 'atftpd' | 'unknown';

export interface ServerEvidence {
  software: Exclude<ServerSoftware, 'unknown'>;
  /** Plain words: what was seen and whose behaviour it is. */
  text: string;
  frames: number[];
  /** 3: only that software does this; 2: typical of it; 1: fits it, fits others too. */
  weight: 1 | 2 | 3;
}

const MAX_EVIDENCE_FRAMES = 6;

/** One piece of evidence per kind of sign, citing the first frames that show it. */
export class Signs {
  private readonly map = new Map<string, ServerEvidence>();
  /** `kind` groups signs of one kind (e.g. every "file … not found" text) under the first one's text. */
  add(
    software: ServerEvidence['software'],
    weight: ServerEvidence['weight'],
    text: string,
    frame: number,
    kind: string = text,
  ): void {
    const key = `${software}\u0000${kind}`;
    const e = this.map.get(key);
    if (e === undefined) this.map.set(key, { software, text, frames: [frame], weight });
    else if (e.frames.length < MAX_EVIDENCE_FRAMES && !e.frames.includes(frame)) e.frames.push(frame);
  }
  list(): ServerEvidence[] {
    return [...this.map.values()];
  }
}
