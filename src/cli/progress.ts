/** A one-line progress bar with rate and ETA for terminals; silent when stderr is not a TTY. */
export class ProgressBar {
  private readonly tty: boolean;
  private lastDraw = 0;

  constructor(
    private readonly total: number,
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    /** What the rate counts ('it/s': iterations a second; 'files/s' for imports). */
    private readonly unit = 'it/s',
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  update(step: number, itPerSec: number, extra = ''): void {
    if (!this.tty) return;
    const now = Date.now();
    if (now - this.lastDraw < 100 && step < this.total) return;
    this.lastDraw = now;
    const width = 28;
    const frac = Math.min(1, step / this.total);
    const filled = Math.round(frac * width);
    const eta = itPerSec > 0 ? (this.total - step) / itPerSec : NaN;
    const line =
      `${this.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${step}/${this.total} ` +
      `${itPerSec.toFixed(1)} ${this.unit} ETA ${formatDuration(eta)} ${extra}`;
    this.stream.write(`\r${line.slice(0, (this.stream.columns ?? 120) - 1).padEnd(20)}`);
  }

  done(): void {
    if (this.tty) this.stream.write('\n');
  }
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(sec).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}
