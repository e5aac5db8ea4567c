export const MiB = 1024 * 1024;

export function mebibytes(bytes: number): string {
  return `${(bytes / MiB).toFixed(0)} MiB`;
}

export function seconds(value: number): string {
  return `${value.toFixed(2)} s`;
}

export function ratio(value: number, base: number): string {
  return `${(value / base).toFixed(2)}x`;
}
