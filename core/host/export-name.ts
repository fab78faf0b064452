// The file name an export of a capture gets: shared by the host (download headers) and the desktop
// save dialog, so both name it after the capture.

/** Capture `name`'s stem (no .pcap/.pcapng/.cap), made safe for a file name, with the format's extension. */
export function exportFileName(name: string, format: 'jsonl' | 'csv'): string {
  const stem = name
    .replace(/\.(pcapng|pcap|cap)$/i, '')
    .replace(/[^A-Za-z0-9_.-]+/g, '_')
    .replace(/^[._]+|_+$/g, '')
    .slice(0, 100);
  return `${stem || 'capture'}.${format}`;
}
