/**
 * No text from a capture can break a diagram: random hostile file names, server messages, menu entries and
 * option strings go through the whole renderer, and every line must match the statement forms of
 * support/mermaid-grammar.ts. The checker itself is tested on lines it must reject.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mermaidText, renderMermaid } from '../../../src/report/mermaid.js';
import { diagnose } from '../../../src/diagnosis/engine.js';
import { BIOS_IPXE_ROM, CaptureBuilder, LAB } from '../diagnosis/support/builder.js';
import { checkDiagram, decodeMermaidText } from './support/mermaid-grammar.js';
import { mulberry32 } from '../../support/prng.js';

/** Pieces mermaid (or HTML) treats specially, and characters from every corner of Unicode. */
const HOSTILE = [
  'end',
  'End',
  'style',
  'STYLE',
  'classDef',
  'loop',
  'alt',
  'else',
  'opt',
  'par',
  'rect',
  'critical',
  'break',
  'participant',
  'actor',
  'Note over',
  'note right of',
  'activate',
  'autonumber',
  'as',
  'box',
  'links',
  '%%',
  '%%{init: {"theme":"forest"}}%%',
  '#',
  '#35;',
  '&amp;',
  '&#60;',
  ';',
  ':',
  ',',
  '"',
  "'",
  '`',
  '-->>',
  '->>',
  '-x',
  '--x',
  '-)',
  '+',
  '-',
  '<br>',
  '<br/>',
  '<BR />',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '{{',
  '}}',
  '[',
  ']',
  '(',
  ')',
  '\\',
  '/',
  '|',
  '~',
  '^',
  '$',
  '*',
  'wrap:',
  'nowrap:',
  '\n',
  '\r',
  '\t',
  '\u0000',
  '\u007f',
  '\u0085',
  '\u00a0',
  '\u200b',
  '\u202e',
  '\ufeff',
  'ü',
  'ß',
  'Ω',
  '日本語',
  '🙂',
  '👩‍💻',
  ' ',
  '  ',
  'pxelinux.cfg/default',
  'C:\\boot\\wdsnbp.com',
];

const rng = mulberry32;

function hostile(next: () => number, maxPieces = 8): string {
  let s = '';
  const n = 1 + Math.floor(next() * maxPieces);
  for (let i = 0; i < n; i++) {
    const r = next();
    if (r < 0.7) s += HOSTILE[Math.floor(next() * HOSTILE.length)];
    else if (r < 0.85) s += String.fromCodePoint(32 + Math.floor(next() * 95));
    else s += String.fromCodePoint(0xa0 + Math.floor(next() * 0x2ff00));
  }
  return s;
}

test('the grammar checker rejects what mermaid would misread', () => {
  const ok = 'sequenceDiagram\n    participant Client as client\n    participant S1 as TFTP\n';
  assert.deepEqual(checkDiagram(`${ok}    Client->>S1: RRQ a.b\n`), []);
  const bad = [
    '    Client->>S1: RRQ a#b',
    '    Client->>S1: RRQ a;b',
    '    Client->>S1: RRQ %%b',
    '    Client->>S1: RRQ <b>',
    '    Client->>S1: style x',
    '    Client->>S1: wrap:x',
    '    Client->>S9: x',
    '    Client->>S1: ',
    '    Client->>>S1: x',
    '    end',
    '    loop x',
    '    Note over Client: a"b',
  ];
  for (const line of bad) assert.notDeepEqual(checkDiagram(`${ok}${line}\n`), [], line);
  assert.notDeepEqual(checkDiagram(`${ok}    rect rgb(1, 2, 3)\n        Note over Client: x\n`), []);
});

test('mermaidText: hostile strings become allowed text that reads back as the original', () => {
  const next = rng(1);
  for (let i = 0; i < 2000; i++) {
    const raw = hostile(next);
    const text = mermaidText(raw);
    // Once inside a note, once at the start of a message (where a leading `wrap:` would be taken).
    const diagram = `sequenceDiagram\n    participant Client as client\n    Note over Client: x ${text}\n    Client->>Client: ${text}\n`;
    assert.deepEqual(checkDiagram(diagram), [], JSON.stringify(raw));
    // Control characters are shown as \xNN; everything else reads back exactly.
    const visible = Array.from(raw, (c) => {
      const cp = c.codePointAt(0) ?? 0;
      return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ? `\\x${cp.toString(16).padStart(2, '0')}` : c;
    }).join('');
    assert.equal(decodeMermaidText(text), visible, JSON.stringify(raw));
  }
});

test('whole diagrams of sessions full of hostile text stay valid', () => {
  const next = rng(7);
  for (let i = 0; i < 150; i++) {
    const b = new CaptureBuilder();
    const s = b.session({ mac: LAB.mac, ...BIOS_IPXE_ROM, userClass: hostile(next) });
    const file = hostile(next);
    s.dhcp({
      discovers: 2,
      offers: [
        {
          siaddr: LAB.server,
          bootfileOption: file,
          tftpServerName: hostile(next),
          pxeMenu: [hostile(next), hostile(next)],
        },
      ],
      ...(next() < 0.3 ? { nak: { message: hostile(next) } } : {}),
    });
    s.transfer({
      file,
      size: 1000 + Math.floor(next() * 100_000),
      requested: { [hostile(next, 2)]: hostile(next, 2) },
    });
    s.transfer({
      file: hostile(next),
      error: { code: Math.floor(next() * 9), message: hostile(next), from: 'server' },
    });
    s.transfer({
      file: `pxelinux.cfg/${hostile(next, 2)}`,
      error: { code: 1, message: 'not found', from: 'server' },
    });
    s.transfer({
      file: `pxelinux.cfg/${hostile(next, 2)}`,
      error: { code: 1, message: 'not found', from: 'server' },
    });
    s.transfer({ file: hostile(next), stopAfterBlocks: 3, outcome: 'abandoned' });
    const result = b.build();
    const diagrams = renderMermaid(result, diagnose(result), {
      times: next() < 0.5,
      maxMessages: 5 + Math.floor(next() * 40),
    });
    assert.equal(diagrams.length, 1);
    const problems = checkDiagram(diagrams[0].text);
    assert.deepEqual(problems, [], `seed 7 round ${i}:\n${diagrams[0].text}`);
  }
});
