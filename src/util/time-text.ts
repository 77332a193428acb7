/**
 * Times as a person reads them, on both halves' pages: "today 22:13, in 7 h 59 min" in the
 * reader's local time zone and relative to the clock's now (the dev clock under --clock manual),
 * with the exact instant in the tooltip. ONE formatter for the server and the browser: the page
 * script (src/http/page-script.ts) ships formatTime's own source, so the text a page is served
 * with and the text its script re-renders (in the browser's time zone, ticking) cannot drift.
 */
import { escapeHtml } from './html.ts';

/**
 * "today 22:13, in 7 h 59 min", "yesterday 09:05, 1 d 13 h ago", "Mon 21 Dec 10:00, in 14 d".
 * The day is named against `now`'s calendar day in the local time zone; the relative part shows
 * the two largest units, rounded down (a countdown never claims more time than is left).
 */
export function formatTime(at: number, now: number, style: 'relative' | 'date' = 'relative'): string {
  // Self-contained on purpose: no imports and no inner functions (transpilers wrap named inner
  // functions in helper calls), because the browser receives this function's source as it is.
  if (!Number.isFinite(at) || !Number.isFinite(now)) return 'unknown time';
  const d = new Date(at);
  const n = new Date(now);
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const clock = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  // 'date': the instant on its own ("Sun 6 Dec 2026 22:13"), for the dev clock itself.
  if (style === 'date') return `${weekdays[d.getDay()]} ${d.getDate()} ${months[d.getMonth()]} ${d.getFullYear()} ${clock}`;
  // Calendar days in the local zone, counted through UTC so a DST change does not shift them.
  const days = Math.round((Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) - Date.UTC(n.getFullYear(), n.getMonth(), n.getDate())) / 86_400_000);
  const day = days === 0 ? 'today'
    : days === 1 ? 'tomorrow'
    : days === -1 ? 'yesterday'
    : `${weekdays[d.getDay()]} ${d.getDate()} ${months[d.getMonth()]}${d.getFullYear() === n.getFullYear() ? '' : ` ${d.getFullYear()}`}`;
  const delta = at - now;
  let rest = Math.floor(Math.abs(delta) / 1000);
  if (rest === 0) return `${day} ${clock}, now`;
  const units: Array<[number, string]> = [[86_400, 'd'], [3_600, 'h'], [60, 'min'], [1, 's']];
  const parts: string[] = [];
  for (const [size, name] of units) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)} ${name}`);
      rest %= size;
    } else if (parts.length > 0) {
      break;
    }
    if (parts.length === 2) break;
  }
  const span = parts.join(' ');
  return `${day} ${clock}, ${delta > 0 ? `in ${span}` : `${span} ago`}`;
}

/**
 * formatTime as HTML: `<time datetime="ISO" title="ISO" data-now="…">today 22:13, in 7 h</time>`.
 * data-now is the clock's now the text was computed against: the page script re-renders from it
 * (dev clock: the page's now, not the browser's), so server and browser agree.
 */
export function timeHtml(at: number, now: number, o: { id?: string; style?: 'relative' | 'date' } = {}): string {
  if (!Number.isFinite(at) || Math.abs(at) > 8.64e15) return 'unknown time';
  const iso = new Date(at).toISOString();
  const style = o.style ?? 'relative';
  return `<time${o.id ? ` id="${escapeHtml(o.id)}"` : ''} datetime="${iso}" title="${iso}" data-now="${now}"${style === 'date' ? ' data-style="date"' : ''}>${escapeHtml(formatTime(at, now, style))}</time>`;
}
