/**
 * The HTML report as text: every section is there, text from the capture cannot add markup, and the page
 * references nothing outside itself in any of its three diagram modes (library, pre-rendered SVG, text).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnose } from '../../../src/diagnosis/engine.js';
import { renderHtmlReport, type HtmlDiagrams } from '../../../src/report/html.js';
import { renderMermaid } from '../../../src/report/mermaid.js';
import { BIOS_IPXE_ROM, CaptureBuilder, LAB } from '../diagnosis/support/builder.js';

const EVIL = '<script>alert(1)</script><img src=x onerror=alert(2)>.efi';

function report(mode: HtmlDiagrams['mode']): string {
  const b = new CaptureBuilder();
  const s = b.session({ mac: LAB.mac, ...BIOS_IPXE_ROM });
  s.dhcp({ discovers: 1, offers: [{ siaddr: LAB.server, bootfileOption: EVIL }] });
  s.transfer({ file: EVIL, error: { code: 1, message: `no ${EVIL}`, from: 'server' } });
  const result = b.build();
  const findings = diagnose(result);
  const diagrams = renderMermaid(result, findings);
  const drawn: HtmlDiagrams =
    mode === 'library'
      ? { diagrams, mode, library: 'window.mermaid = {}; // "</script><script>alert(3)</script>" <!-- x' }
      : mode === 'svg'
        ? {
            diagrams,
            mode,
            svgs: [
              '<?xml version="1.0"?><svg onload="alert(4)"><script>alert(5)</script><text>ok</text></svg>',
            ],
          }
        : { diagrams, mode };
  return renderHtmlReport(result, findings, drawn, { version: '9.9.9' });
}

for (const mode of ['library', 'svg', 'text'] as const) {
  test(`HTML report (${mode}): sections, escaping, nothing external (the timeline is checked on real captures in e2e)`, () => {
    const html = report(mode);
    for (const h of [
      '<h2>Capture</h2>',
      '<h2>Verdict</h2>',
      '<h3>Findings</h3>',
      '<h3>Sequence</h3>',
      '<h3>Transfers</h3>',
    ])
      assert.ok(html.includes(h), `${h} missing`);
    assert.match(html, /class="fix-label">fix</);
    assert.ok(
      html.includes('&#60;script&#62;alert(1)&#60;/script&#62;&#60;img src=x onerror=alert(2)&#62;.efi'),
    );
    assert.ok(!html.includes('alert(1)</script>'), 'file name written as markup');
    assert.ok(!/onerror=alert\(2\)>/.test(html));
    assert.doesNotMatch(html, /(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
    // What ends a script element is its closing tag: the page's own two, none from the library's text.
    const scripts = html.match(/<\/script\b/gi)?.length ?? 0;
    assert.equal(scripts, mode === 'library' ? 2 : 0, 'only the library and its start-up script');
    assert.ok(!html.includes('alert(3)</script>'), 'the library closed its own <script>');
    assert.ok(!html.includes('alert(4)') && !html.includes('alert(5)'), 'SVG kept a handler or script');
  });
}

test("HTML report: the other servers' fixes fold into a closed section after the identified server's", () => {
  const b = new CaptureBuilder();
  const s = b.session({ mac: LAB.mac, ...BIOS_IPXE_ROM });
  s.dhcp({ discovers: 1, offers: [{ siaddr: LAB.server, bootfileOption: 'pxelinux.0' }] });
  s.transfer({ file: 'pxelinux.0', error: { code: 1, message: 'file not found', from: 'server' } });
  const result = b.build();
  const [first, ...rest] = diagnose(result);
  assert.ok(first);
  const hint = [
    'Put the file on the server:',
    '  dnsmasq:    tftp-root=/srv/tftp',
    '  if it is not dnsmasq:',
    '  ISC dhcpd:  filename "pxelinux.0";',
  ].join('\n');
  const html = renderHtmlReport(
    result,
    [{ ...first, hint }, ...rest],
    { diagrams: [], mode: 'text' },
    {
      version: '9.9.9',
    },
  );
  assert.match(
    html,
    /<pre class="fix">Put the file on the server:\n {2}dnsmasq: {4}tftp-root=\/srv\/tftp<\/pre>/,
  );
  assert.match(
    html,
    /<details class="fix-other"><summary>if it is not dnsmasq<\/summary><pre class="fix"> {2}ISC dhcpd: {2}filename &#34;pxelinux.0&#34;;<\/pre><\/details>/,
  );
});
