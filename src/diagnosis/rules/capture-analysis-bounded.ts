import { plural, finding } from '../format.js';
import type { Finding, Rule, RuleContext, RuleDoc } from '../types.js';

const doc: RuleDoc = {
  id: 'capture.analysis-bounded',
  severity: 'info',
  group: 'capture',
  title: 'Analysis state limit reached',
  detects:
    'The analyzer dropped correlation state because its bound was reached (very long or very busy captures): ' +
    'some transactions or transfers may appear split, or without their start.',
  ignores: 'Captures analysed within the bound.',
  clientMessages: [],
  fix: "Cut the capture to the time of the failing boot (editcap -A/-B) or filter it to the client's MAC before analysing.",
};

function check(ctx: RuleContext): Finding[] {
  const n = ctx.analysis.stats.evicted;
  if (!(n > 0)) return [];
  return [
    finding(doc, {
      message: `${plural(n, 'correlation entry', 'correlation entries')} were evicted while analysing; findings about missing answers may be artefacts of that.`,
      frames: [],
      client: null,
      pxeError: null,
      hint: 'Analyse a shorter slice: editcap -A "<start>" -B "<end>" in.pcapng slice.pcapng, or tshark -r in.pcapng -Y "eth.addr == <client MAC>" -w slice.pcapng.',
      t: null,
    }),
  ];
}

export const captureAnalysisBounded: Rule = { ...doc, checkCapture: check };
