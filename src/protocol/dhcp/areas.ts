import { dhcpOptionName } from './options/names.js';
import type { DhcpOptionSource, WireItem } from './types.js';

/** One option instance found while walking an option area. */
export interface Instance {
  code: number;
  data: Uint8Array;
  source: DhcpOptionSource;
}

export interface ParsedArea {
  items: WireItem[];
  instances: Instance[];
  ended: boolean;
}

const AREA_LABEL: Record<DhcpOptionSource, string> = {
  options: 'options area',
  file: 'file field (overloaded)',
  sname: 'sname field (overloaded)',
};

/**
 * Walks one option area (the options after the cookie, or an overloaded file/sname field), recording every
 * byte as a wire item so the area can be written back exactly. Stops at the end option; what follows it is
 * kept verbatim. A last option whose length runs past the data keeps what is there (with its declared length)
 * and gets a note; nothing here throws. Data are views into `bytes`, which the caller owns (a private copy).
 */
export function parseArea(
  bytes: Uint8Array,
  source: DhcpOptionSource,
  base: number,
  notes: string[],
): ParsedArea {
  const items: WireItem[] = [];
  const instances: Instance[] = [];
  let off = 0;
  let ended = false;
  while (off < bytes.length) {
    const code = bytes[off];
    if (code === 0) {
      let run = 1;
      while (off + run < bytes.length && bytes[off + run] === 0) run++;
      items.push({ kind: 'pad', count: run });
      off += run;
      continue;
    }
    if (code === 255) {
      items.push({ kind: 'end' });
      ended = true;
      off += 1;
      break;
    }
    if (off + 1 >= bytes.length) {
      notes.push(`option ${code} (${dhcpOptionName(code)}) at offset ${base + off}: no length byte`);
      items.push({ kind: 'bytes', bytes: bytes.subarray(off) });
      off = bytes.length;
      break;
    }
    const declared = bytes[off + 1];
    const avail = Math.min(declared, bytes.length - off - 2);
    const data = bytes.subarray(off + 2, off + 2 + avail);
    instances.push({ code, data, source });
    if (avail < declared) {
      notes.push(
        `option ${code} (${dhcpOptionName(code)}) at offset ${base + off}: length ${declared} exceeds the ${avail} remaining bytes`,
      );
      items.push({ kind: 'option', code, length: avail, declaredLength: declared });
    } else {
      items.push({ kind: 'option', code, length: avail });
    }
    off += 2 + avail;
  }
  if (off < bytes.length) {
    const rest = bytes.subarray(off);
    items.push({ kind: 'bytes', bytes: rest });
    if (rest.some((b) => b !== 0)) {
      notes.push(
        `${rest.length} bytes after the end option in the ${AREA_LABEL[source]} are not zero padding`,
      );
    }
  }
  if (!ended) notes.push(`missing end option in the ${AREA_LABEL[source]}`);
  return { items, instances, ended };
}
