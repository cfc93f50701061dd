import { isTimeJumpWarning } from '../../analysis/analyzer.js';
import { listText, plural, finding } from '../format.js';
import type { Finding, Rule, RuleContext, RuleDoc } from '../types.js';

const doc: RuleDoc = {
  id: 'capture.truncated',
  severity: 'warn',
  group: 'capture',
  title: 'Capture file damaged or cut short',
  detects:
    'The capture file ended in the middle of a record, or the reader reported problems (absurd record ' +
    'lengths, garbage after the header, unsupported link types). What was read is analysed; what follows ' +
    'the damage is missing, so a "never answered" may be an artefact.',
  ignores: 'Nothing: a clean file produces no finding.',
  clientMessages: [],
  fix: 'Stop the capture cleanly (Ctrl-C on tcpdump/dumpcap, not kill -9) and copy the file only after it is closed.',
};

function check(ctx: RuleContext): Finding[] {
  const c = { ...ctx.analysis.capture };
  // Time going backwards is told as a capture warning of its own; the file itself is whole.
  c.warnings = c.warnings.filter((w) => !isTimeJumpWarning(w));
  if (!c.truncated && c.warnings.length === 0) return [];
  const parts: string[] = [];
  if (c.truncated)
    parts.push(`The capture ${c.file} ends in the middle of a record after ${plural(c.frames, 'frame')}.`);
  if (c.warnings.length > 0) {
    const shown = c.warnings.slice(0, 5);
    parts.push(
      `The reader reported: ${listText(shown)}${c.warnings.length > 5 ? ` (+${c.warnings.length - 5} more)` : ''}.`,
    );
  }
  parts.push('Findings about things "never answered" near the end may come from the missing part.');
  return [
    finding(doc, {
      message: parts.join(' '),
      frames: c.truncated && c.frames > 0 ? [c.frames] : [],
      client: null,
      pxeError: null,
      hint: 'Record again and stop the capture cleanly (Ctrl-C), or repair it with "editcap" / "pcapfix" to recover what is readable.',
      t: c.truncated ? c.duration : null,
    }),
  ];
}

export const captureTruncated: Rule = { ...doc, checkCapture: check };
