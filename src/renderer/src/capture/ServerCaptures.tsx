// "Open from server…": the capture files of `zmtp serve --captures DIR`, opened in place on the server
// (no upload, no copy). Shown only when the client can list them and the server was given a folder.
import { useEffect, useRef, useState } from 'react';
import type { ServerCaptureList } from '../../../../core/cli/server-capture-list.js';
import type { AppClient } from '../client.js';
import { fmtBytes } from '../format.js';
import { Button, errorMessage } from '../ui/common.js';

export function ServerCaptures({
  client,
  onChoose,
  onError,
}: {
  client: AppClient;
  /** The file the user chose (by its plain name); the caller opens it. */
  onChoose: (name: string) => void;
  onError: (error: string) => void;
}) {
  // null: not known yet, or this server has no captures folder (or the client cannot list one).
  const [list, setList] = useState<ServerCaptureList | null>(null);
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let current = true;
    client.listServerCaptures?.().then(
      (l) => current && setList(l),
      () => current && setList(null),
    );
    return () => {
      current = false;
    };
  }, [client]);

  // A click anywhere else closes the list, as a menu does.
  useEffect(() => {
    if (!open) return;
    const away = (e: PointerEvent) => {
      if (!box.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', away);
    return () => document.removeEventListener('pointerdown', away);
  }, [open]);

  if (!list) return null;

  // Asked again on every opening: files come and go in the folder while the page is open.
  const show = async () => {
    if (open) return setOpen(false);
    try {
      setList(await client.listServerCaptures!());
      setOpen(true);
    } catch (e) {
      onError(`Cannot list the captures on the server: ${errorMessage(e)}`);
    }
  };

  return (
    <div className="relative" ref={box}>
      <Button aria-haspopup="dialog" aria-expanded={open} onClick={() => void show()}>
        Open from server…
      </Button>
      {open && (
        <div
          role="dialog"
          aria-label={`Captures in ${list.folder} on the server`}
          className="absolute left-0 top-full z-20 mt-1 w-[32rem] max-w-[90vw] rounded-md border border-slate-200 bg-white p-2 text-sm shadow-lg dark:border-slate-700 dark:bg-slate-900"
          onKeyDown={(e) => {
            if (e.key === 'Escape') setOpen(false);
          }}
        >
          <div className="mb-1 flex items-center justify-between gap-2">
            <span className="font-semibold">Captures in {list.folder}</span>
            <Button variant="ghost" aria-label="Close the list" onClick={() => setOpen(false)}>
              ✕
            </Button>
          </div>
          {list.files.length === 0 ? (
            <p className="px-1 py-2 text-slate-500">No capture files (.pcap, .pcapng, .cap) in this folder.</p>
          ) : (
            <ul aria-label="Capture files on the server" className="max-h-80 overflow-y-auto">
              {list.files.map((f) => (
                <li key={f.name}>
                  <button
                    type="button"
                    data-testid="server-capture"
                    className="flex w-full items-baseline gap-3 rounded px-2 py-1 text-left hover:bg-slate-100 dark:hover:bg-slate-800"
                    onClick={() => {
                      setOpen(false);
                      onChoose(f.name);
                    }}
                  >
                    <span className="min-w-0 flex-1 truncate font-mono">{f.name}</span>
                    <span className="text-xs text-slate-500" title={`${f.size} bytes`} data-testid="server-capture-size">
                      {fmtBytes(f.size)}
                    </span>
                    <span className="text-xs text-slate-500">{new Date(f.modified).toLocaleString()}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
          {list.truncated && (
            <p className="px-1 pt-1 text-xs text-slate-500">More files are in the folder: the first 1000 by name are listed.</p>
          )}
        </div>
      )}
    </div>
  );
}
