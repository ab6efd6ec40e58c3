// Formatting of times, durations, sizes and metric values for display. Pure functions.

const kUnits: Array<[string, number]> = [
  ['year', 365 * 24 * 3600e3],
  ['month', 30 * 24 * 3600e3],
  ['week', 7 * 24 * 3600e3],
  ['day', 24 * 3600e3],
  ['hour', 3600e3],
  ['minute', 60e3],
  ['second', 1e3],
];

/** "3 minutes ago", "in 2 days", "just now"; "" for a missing time. */
export function relativeTime(ms: number | undefined, now: number): string {
  if (ms === undefined || ms === null || !Number.isFinite(ms) || ms <= 0) return '';
  const delta = now - ms;
  const abs = Math.abs(delta);
  if (abs < 10e3) return 'just now';
  for (const [name, size] of kUnits) {
    if (abs >= size) {
      const n = Math.floor(abs / size);
      const unit = n === 1 ? name : name + 's';
      return delta >= 0 ? `${n} ${unit} ago` : `in ${n} ${unit}`;
    }
  }
  return 'just now';
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** "2024-05-01 13:04:05" in local time; "" for a missing time. */
export function exactTime(ms: number | undefined): string {
  if (!ms) return '';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A run's duration: "850ms", "12.3s", "4.0min", "2.5h", "3.1d"; "" without a start or an end. */
export function duration(startMs: number | undefined, endMs: number | undefined): string {
  if (!startMs || !endMs || endMs < startMs) return '';
  return formatMillis(endMs - startMs);
}

export function formatMillis(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const min = s / 60;
  if (min < 60) return `${min.toFixed(1)}min`;
  const h = min / 60;
  if (h < 24) return `${h.toFixed(1)}h`;
  return `${(h / 24).toFixed(1)}d`;
}

/** "512 B", "1.5 KiB", "3.2 MiB". */
export function fileSize(bytes: number | undefined): string {
  if (bytes === undefined || bytes === null) return '';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** A metric value, short: up to 4 significant decimals, scientific for tiny or huge values. */
export function metricValue(v: number | undefined): string {
  if (v === undefined || v === null) return '';
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e9)) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}
