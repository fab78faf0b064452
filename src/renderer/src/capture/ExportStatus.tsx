// The running export of a capture (to a download or a file): rows written of the total, and Cancel;
// then how it ended. The host streams the rows and reports progress in the capture's summary.
import type { AppClient } from '../client.js';
import type { CaptureSummary } from '../../../../core/host/protocol.js';
import { Button } from '../ui/common.js';
import { count } from './time.js';

export function ExportStatus({ client, capture, onError }: { client: AppClient; capture: CaptureSummary; onError: (e: unknown) => void }) {
  const e = capture.export;
  if (!e) return null;
  const fraction = e.total ? e.rows / e.total : 1;
  return (
    <div className="flex items-center gap-2 text-xs text-slate-600 dark:text-slate-300" data-testid="export-status" data-state={e.state}>
      {e.state === 'running' && (
        <>
          <span>
            Exporting {e.name}: {e.rows.toLocaleString()} of {count(e.total, 'row')}
          </span>
          <div
            className="h-2 w-48 overflow-hidden rounded bg-slate-200 dark:bg-slate-800"
            role="progressbar"
            aria-label="Export"
            aria-valuenow={Math.round(fraction * 100)}
            aria-valuemin={0}
            aria-valuemax={100}
          >
            <div className="h-full bg-sky-600" style={{ width: `${fraction * 100}%` }} />
          </div>
          <Button variant="ghost" onClick={() => client.request('capture.cancelExport', { id: capture.id }).catch(onError)}>
            Cancel export
          </Button>
        </>
      )}
      {e.state === 'done' && (
        <span>
          Exported {count(e.rows, 'row')} to {e.name}
        </span>
      )}
      {e.state === 'cancelled' && (
        <span className="text-amber-700 dark:text-amber-300">
          Export of {e.name} cancelled after {e.rows.toLocaleString()} of {count(e.total, 'row')} (the file is incomplete)
        </span>
      )}
      {e.state === 'failed' && (
        <span className="text-red-700 dark:text-red-300">
          Export of {e.name} failed: {e.error}
        </span>
      )}
    </div>
  );
}
