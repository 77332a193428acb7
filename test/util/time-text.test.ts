/**
 * The one time formatter of both halves and the page script that ships it to the browser:
 * local and relative ("today 22:13, in 7 h 59 min"), the instant in the tooltip, and the same
 * words in the browser as on the server.
 */
// Before any Date is made: Node reads TZ when it changes. Berlin has a DST change to test.
process.env.TZ = 'Europe/Berlin';

import assert from 'node:assert/strict';
import vm from 'node:vm';
import { describe, it } from 'node:test';
import { PAGE_SCRIPT } from '../../src/http/page-script.ts';
import { formatTime, timeHtml } from '../../src/util/time-text.ts';

const NOW = Date.parse('2026-12-06T10:00:00Z'); // Sunday 11:00 in Berlin
const MIN = 60_000;
const H = 60 * MIN;
const D = 24 * H;

describe('formatTime', () => {
  const table: Array<[string, number, string]> = [
    ['now', NOW, 'today 11:00, now'],
    ['under a second counts as now', NOW + 999, 'today 11:00, now'],
    ['seconds ahead', NOW + 42_000, 'today 11:00, in 42 s'],
    ['a countdown rounds down, two units', NOW + 7 * H + 59 * MIN + 30_000, 'today 18:59, in 7 h 59 min'],
    ['a whole hour drops the zero minutes', NOW + 2 * H + 20_000, 'today 13:00, in 2 h'],
    ['minutes and seconds under an hour', NOW + 59 * MIN + 12_000, 'today 11:59, in 59 min 12 s'],
    ['the past', NOW - 5 * MIN, 'today 10:55, 5 min ago'],
    ['tomorrow', NOW + 13 * H + 30 * MIN, 'tomorrow 00:30, in 13 h 30 min'],
    ['yesterday', NOW - 12 * H, 'yesterday 23:00, 12 h ago'],
    ['further days name the date', NOW + 14 * D, 'Sun 20 Dec 11:00, in 14 d'],
    ['another year names it', NOW + 40 * D, 'Fri 15 Jan 2027 11:00, in 40 d'],
  ];
  for (const [name, at, expected] of table) it(name, () => assert.equal(formatTime(at, NOW), expected));

  it('days are calendar days in the local zone across a DST change (Berlin, 29 March 2026)', () => {
    const before = Date.parse('2026-03-28T23:30:00Z'); // Sunday 00:30 CET
    assert.equal(formatTime(Date.parse('2026-03-29T22:30:00Z'), before), 'tomorrow 00:30, in 23 h'); // Monday 00:30 CEST
  });

  it("the 'date' style is the instant alone, for the dev clock", () => {
    assert.equal(formatTime(NOW, NOW, 'date'), 'Sun 6 Dec 2026 11:00');
  });

  it('never throws on a bad number', () => {
    assert.equal(formatTime(Number.NaN, NOW), 'unknown time');
  });
});

describe('timeHtml', () => {
  it('a <time> with the ISO instant in datetime and title, and the now it was computed against', () => {
    const iso = new Date(NOW + H).toISOString();
    assert.equal(timeHtml(NOW + H, NOW), `<time datetime="${iso}" title="${iso}" data-now="${NOW}">today 12:00, in 1 h</time>`);
    assert.equal(timeHtml(NOW, NOW, { id: 'x"y', style: 'date' }), `<time id="x&#34;y" datetime="${new Date(NOW).toISOString()}" title="${new Date(NOW).toISOString()}" data-now="${NOW}" data-style="date">Sun 6 Dec 2026 11:00</time>`);
  });
  it('an instant JavaScript cannot represent is text, not an exception', () => {
    assert.equal(timeHtml(9e15, NOW), 'unknown time');
  });
});

/** Runs the page script against fake <time> elements, as a browser would (no DOM needed). */
function runScript(clock: 'manual' | 'system' | undefined, times: Array<{ at: number; now: number; style?: string }>) {
  const elements = times.map((t) => ({ dateTime: new Date(t.at).toISOString(), dataset: { now: String(t.now), ...(t.style ? { style: t.style } : {}) }, textContent: '' }));
  const intervals: Array<() => void> = [];
  const sandbox = {
    document: { documentElement: { dataset: clock ? { clock } : {} }, querySelectorAll: (sel: string) => (sel === 'time[data-now]' ? elements : []) },
    setInterval: (fn: () => void) => intervals.push(fn),
  };
  vm.runInNewContext(PAGE_SCRIPT, sandbox);
  return { elements, intervals };
}

describe('the page script (/assets/samlgate.js)', () => {
  it('re-renders every time in the same words as the server, from the page\'s now (the dev clock)', () => {
    const times = [{ at: NOW + 7 * H + 59 * MIN + 30_000, now: NOW }, { at: NOW - 5 * MIN, now: NOW }, { at: NOW + 14 * D, now: NOW }, { at: NOW, now: NOW, style: 'date' }];
    const { elements, intervals } = runScript('manual', times);
    assert.deepEqual(elements.map((e) => e.textContent), [formatTime(times[0]!.at, NOW), formatTime(times[1]!.at, NOW), formatTime(times[2]!.at, NOW), formatTime(NOW, NOW, 'date')]);
    assert.equal(intervals.length, 0, 'under the manual clock time stands still: no ticking');
  });

  it('ticks every second under the system clock; not on pages that name no clock (the IdP)', () => {
    assert.equal(runScript('system', [{ at: NOW, now: NOW }]).intervals.length, 1);
    assert.equal(runScript(undefined, [{ at: NOW, now: NOW }]).intervals.length, 0);
  });
});
