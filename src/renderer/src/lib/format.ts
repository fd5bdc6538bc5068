/** Formatting for tables and labels. */
import type { RunRecord } from '../../../shared/runs';

/** A number in a short form: '—' for missing, 4 significant digits, exponent for very small/large. */
export function fmt(value: number | undefined | null, digits = 4): string {
  if (value === undefined || value === null) return '—';
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞';
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e6 || abs < 1e-3) return value.toExponential(Math.max(0, digits - 2));
  return String(Number(value.toPrecision(digits)));
}

export function fmtDate(ms: number | null): string {
  if (ms === null) return '—';
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function fmtDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** Seconds left for a running run, from its latest iterations per second; null when unknown. */
export function etaSeconds(run: RunRecord): number | null {
  const rate = run.lastMetrics['itPerSec'];
  if (run.status !== 'running' || rate === undefined || !(rate > 0)) return null;
  return Math.max(0, run.total - run.step) / rate;
}

/** The run list's quality cell: mode coverage and high-quality share (2D), FID and classes (images). */
export function qualitySummary(m: Readonly<Record<string, number>>): string {
  const parts: string[] = [];
  const modes = m['quality.modes'];
  const hq = m['quality.highQuality'];
  const fid = m['quality.fid'];
  const classes = m['quality.classes'];
  if (modes !== undefined) parts.push(`${fmt(modes, 3)} modes`);
  if (hq !== undefined) parts.push(`${fmt(hq, 3)}% HQ`);
  if (fid !== undefined) parts.push(`FID ${fmt(fid, 3)}`);
  if (classes !== undefined) parts.push(`${fmt(classes, 2)} classes`);
  if (parts.length === 0 && m['quality.slicedW1'] !== undefined) {
    parts.push(`SW1 ${fmt(m['quality.slicedW1'], 3)}`);
  }
  return parts.join(' · ') || '—';
}
