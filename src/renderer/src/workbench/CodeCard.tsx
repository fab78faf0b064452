// "Copy as code": the socket as a pyzmq, zeromq.js or engine program, shown and copied with one button.
import type { SocketInfo } from '../../../../core/host/protocol.js';
import { Card, Select } from '../ui/common.js';
import { CODE_LANGUAGES, socketAsCode, type CodeLanguage } from './as-code.js';
import { CopyButton } from './Security.js';
import { useDraft } from './drafts.js';

export function CodeCard({ socket }: { socket: SocketInfo }) {
  const [open, setOpen] = useDraft(socket.id, 'codeOpen', false);
  const [language, setLanguage] = useDraft<CodeLanguage>(socket.id, 'codeLanguage', 'pyzmq');
  const code = open ? socketAsCode(socket, language) : '';
  return (
    <Card
      title="Copy as code"
      actions={
        <button className="text-xs text-sky-700 hover:underline dark:text-sky-400" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? 'Hide' : 'Show code'}
        </button>
      }
    >
      {!open ? (
        <p className="text-xs text-slate-500">This socket's type, options and endpoints as pyzmq, zeromq.js or this engine's API.</p>
      ) : (
        <div className="flex flex-col gap-2">
          <div className="flex items-center gap-2">
            <Select aria-label="Code language" value={language} onChange={(e) => setLanguage(e.target.value as CodeLanguage)}>
              {CODE_LANGUAGES.map((l) => (
                <option key={l.id} value={l.id}>
                  {l.label}
                </option>
              ))}
            </Select>
            <CopyButton text={code} label="Copy code" />
          </div>
          <pre
            className="mono max-h-72 overflow-auto whitespace-pre rounded bg-slate-50 p-2 text-xs dark:bg-slate-800"
            data-testid="socket-code"
          >
            {code}
          </pre>
        </div>
      )}
    </Card>
  );
}
