/** The log formats: ISO-8601 times, simTime under the manual clock, the pretty one-line format. */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { ManualClock, SystemClock } from '../src/clock.ts';
import { createLogger } from '../src/log.ts';
import { formatLogLine } from '../src/log-pretty.ts';

function capture() {
  const lines: string[] = [];
  return { lines, sink: new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } }) };
}

describe('logs', () => {
  it('json: ISO-8601 time, and simTime only under the manual clock', () => {
    const clock = new ManualClock(Date.parse('2030-01-01T00:00:00Z'));
    const manual = capture();
    createLogger('info', manual.sink, { format: 'json', clock }).info({ a: 1 }, 'hello');
    const entry = JSON.parse(manual.lines[0]!);
    assert.match(entry.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(entry.simTime, '2030-01-01T00:00:00.000Z');
    const system = capture();
    createLogger('info', system.sink, { format: 'json', clock: new SystemClock() }).info('hello');
    assert.equal(JSON.parse(system.lines[0]!).simTime, undefined);
  });

  it('pretty: time, level, component, message, then the fields; secrets still redacted', () => {
    const out = capture();
    const logger = createLogger('info', out.sink, { format: 'pretty', color: false }).child({ component: 'gateway' });
    logger.warn({ code: 'E_AUDIENCE', detail: 'audience is x', token: 'secret-token-value' }, 'SAML response rejected');
    assert.match(out.lines.join(''), /^\d{4}-\d\d-\d\dT[\d:.]+Z WARN  gateway SAML response rejected  code=E_AUDIENCE detail="audience is x" token=\[redacted\]\n$/);
  });

  it('pretty: an access-log line is its message alone; an error gets its stack indented below', () => {
    const line = formatLogLine({ level: 30, time: 't', component: 'idp', event: 'http.request', method: 'GET', path: '/x', status: 200, durationMs: 1, msg: 'GET /x 200 (1 ms)', simTime: 's' }, false);
    assert.equal(line, 't INFO  idp     GET /x 200 (1 ms)  sim=s\n');
    const err = formatLogLine({ level: 50, time: 't', msg: 'unhandled error', err: { message: 'boom', stack: 'Error: boom\n    at f (x.ts:1:1)' } }, false);
    assert.equal(err, 't ERROR unhandled error  err=boom\n    at f (x.ts:1:1)\n');
  });
});
