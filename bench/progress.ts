// Progress lines on stderr, timestamped: a bench run takes minutes, and stdout carries the report.

export function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 23)}] ${message}\n`);
}
