// The log as a collector and as a person at a terminal meet it: one JSON object per line off a
// terminal, readable lines on one, and the level a collector alerts on.
import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLog, levelOf } from '../lib/log.ts';

function stream(isTTY: boolean): Writable & { text: string; isTTY: boolean } {
  const s = new Writable({
    write(c, _e, cb) {
      s.text += String(c);
      cb();
    },
  }) as Writable & { text: string; isTTY: boolean };
  s.text = '';
  s.isTTY = isTTY;
  return s;
}

describe('the log', () => {
  it('off a terminal: each line is a JSON object with time, level, event and the fields', () => {
    const out = stream(false);
    const log = createLog({ stream: out });
    const before = Date.now();
    log('org.stored', { org: 'acme', rows: 20, period: { from: '2026-03-01', to: '2026-03-02' } });
    log('site.warning', { message: 'a chart has no data' });
    log('org.failed', { org: 'beta', error: 'statement timeout' });
    log('tick');
    const lines = out.text.split('\n');
    expect(lines.pop()).toBe('');
    const objects = lines.map((l) => JSON.parse(l));
    expect(objects).toEqual([
      { time: expect.any(String), level: 'info', event: 'org.stored', org: 'acme', rows: 20, period: { from: '2026-03-01', to: '2026-03-02' } },
      { time: expect.any(String), level: 'warn', event: 'site.warning', message: 'a chart has no data' },
      { time: expect.any(String), level: 'error', event: 'org.failed', org: 'beta', error: 'statement timeout' },
      { time: expect.any(String), level: 'info', event: 'tick' },
    ]);
    for (const o of objects) {
      expect(o.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(Date.parse(o.time)).toBeGreaterThanOrEqual(before - 1);
      expect(Object.keys(o).slice(0, 3).sort()).toEqual(['event', 'level', 'time']);
    }
  });

  it('a field named like the line\'s own keys does not overwrite them; an Error field keeps its message and stack', () => {
    const out = stream(false);
    createLog({ stream: out })('run.finished', { time: 'late', level: 3, event: 'x', error: new Error('boom') });
    const o = JSON.parse(out.text);
    expect(o).toMatchObject({ level: 'info', event: 'run.finished', _time: 'late', _level: 3, _event: 'x' });
    expect(o.time).not.toBe('late');
    expect(o.error).toMatchObject({ message: 'boom', stack: expect.stringContaining('Error: boom') });
  });

  it('on a terminal: readable lines, not JSON; colours only when asked', () => {
    const out = stream(true);
    const log = createLog({ stream: out, color: false });
    log('org.stored', { org: 'acme', rows: 20 });
    log('mail.retry', { shortcode: 'acme', attempt: 2 });
    const lines = out.text.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\[\d{2}:\d{2}:\d{2}\] INFO: org\.stored \{"org":"acme","rows":20\}$/);
    expect(lines[1]).toMatch(/^\[\d{2}:\d{2}:\d{2}\] WARN: mail\.retry \{"shortcode":"acme","attempt":2\}$/);
    expect(() => JSON.parse(lines[0])).toThrow();

    const coloured = stream(true);
    createLog({ stream: coloured, color: true })('org.failed', { org: 'acme' });
    expect(coloured.text).toContain('\x1b[');
    expect(coloured.text.replace(/\x1b\[[0-9;]*m/g, '')).toMatch(/ERROR: org\.failed/);
  });

  it('json and quiet override what the stream is', () => {
    const tty = stream(true);
    createLog({ stream: tty, json: true })('tick', { n: 1 });
    expect(JSON.parse(tty.text)).toMatchObject({ event: 'tick', n: 1 });
    const quiet = stream(false);
    createLog({ stream: quiet, quiet: true })('org.failed', {});
    expect(quiet.text).toBe('');
  });

  it.each([
    ['org.failed', 'error'],
    ['site.failed', 'error'],
    ['mail.render_failed', 'error'],
    ['serve.error', 'error'],
    ['serve.store_error', 'error'],
    ['command.failed', 'error'],
    ['site.warning', 'warn'],
    ['serve.warning', 'warn'],
    ['mail.retry', 'warn'],
    ['retry', 'warn'],
    ['mail.pending', 'warn'],
    ['tick.aborted', 'warn'],
    ['run.dead', 'warn'],
    ['serve.login_refused', 'warn'],
    ['serve.login_throttled', 'warn'],
    ['timezone.fallback', 'warn'],
    ['compute.isolating', 'warn'],
    ['mail.no_recipients', 'warn'],
    ['org.stored', 'info'],
    ['stage', 'info'],
    ['serve.login', 'info'],
    ['mail.sent', 'info'],
    ['run.skipped', 'info'],
  ])('%s is logged at %s', (event, level) => {
    expect(levelOf(event)).toBe(level);
  });
});
