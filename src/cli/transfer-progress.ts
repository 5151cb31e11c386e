import { SingleBar } from 'cli-progress';

export interface TransferProgress {
  update(bytes: number): void;
  stop(): void;
}

/** A progress bar of bytes transferred on stderr (silent when stderr is not a terminal, e.g. in scripts and CI). */
export function transferProgress(label: string, totalBytes: number): TransferProgress {
  const bar = new SingleBar({ stream: process.stderr, format: `${label} [{bar}] {percentage}% | {done} of {size} | ETA {eta_formatted}`, hideCursor: true, etaBuffer: 100 });
  bar.start(totalBytes, 0, { done: formatBytes(0), size: formatBytes(totalBytes) });
  return {
    update: (bytes) => bar.update(bytes, { done: formatBytes(bytes) }),
    stop: () => bar.stop(),
  };
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
