/**
 * The one script of both halves' pages (served as /assets/samlgate.js, src/http/assets.ts; the
 * CSP allows script-src 'self' and no inline script). It re-renders every <time data-now> with
 * the shared formatTime (src/util/time-text.ts), sent as its own source, so the browser shows
 * its own time zone in exactly the server's words.
 *
 * It ticks only under the system clock (<html data-clock="system">): there "now" moves with real
 * time from the page's server-side now (not the browser's clock, which may differ). Under the
 * manual dev clock time stands still until the clock is moved, so a countdown that ticked would
 * lie; the page's now is the dev clock's, and moving the clock reloads the page.
 */
import { formatTime } from '../util/time-text.ts';

export const PAGE_SCRIPT = `(() => {
  'use strict';
  const formatTime = ${formatTime.toString()};
  const live = document.documentElement.dataset.clock === 'system';
  const loaded = Date.now();
  const render = () => {
    const elapsed = live ? Date.now() - loaded : 0;
    for (const t of document.querySelectorAll('time[data-now]')) {
      const at = Date.parse(t.dateTime);
      const now = Number(t.dataset.now) + elapsed;
      if (!Number.isNaN(at) && Number.isFinite(now)) t.textContent = formatTime(at, now, t.dataset.style === 'date' ? 'date' : 'relative');
    }
  };
  render();
  if (live) setInterval(render, 1000);
})();
`;
