/**
 * The "checked N/M" line of a batch on a terminal's stderr. It appears only once the batch has
 * run for a second (a short batch prints nothing extra) and is redrawn in place with \r; the CLI
 * wires it only when stderr is a TTY, so pipes and CI logs never see it.
 */
export interface ProgressLine {
  update(done: number, total: number): void;
  /** Erases the line (before other output, and at the end). */
  clear(): void;
}

export function progressLine(stream: { write(s: string): unknown }, now: () => number = () => performance.now(), delayMs = 1_000): ProgressLine {
  const start = now();
  let shown = false;
  return {
    update(done, total) {
      if (now() - start < delayMs) return;
      stream.write(`\rchecked ${done}/${total}\x1b[K`);
      shown = true;
    },
    clear() {
      if (!shown) return;
      stream.write('\r\x1b[K');
      shown = false;
    },
  };
}
