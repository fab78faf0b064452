// The app shell: workbench and capture tabs, theme switch, connection banner.
import { useEffect, useState } from 'react';
import type { AppClient } from './client.js';
import { CaptureView } from './capture/CaptureView.js';
import { useStore } from './store.js';
import { Button } from './ui/common.js';
import { Workbench } from './workbench/Workbench.js';

type Tab = 'workbench' | 'capture';
type Theme = 'light' | 'dark';

function initialTheme(): Theme {
  const saved = localStorage.getItem('zmq-inspector.theme');
  if (saved === 'light' || saved === 'dark') return saved;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function App({ client }: { client: AppClient }) {
  const [tab, setTab] = useState<Tab>('workbench');
  const [theme, setTheme] = useState<Theme>(initialTheme);
  const connected = useStore((s) => s.connected);

  useEffect(() => {
    document.documentElement.classList.toggle('dark', theme === 'dark');
    localStorage.setItem('zmq-inspector.theme', theme);
  }, [theme]);

  useEffect(() => {
    // Alt+1 / Alt+2 switch tabs from anywhere.
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey && e.key === '1') setTab('workbench');
      if (e.altKey && e.key === '2') setTab('capture');
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div className="flex h-full flex-col">
      <header className="flex items-center gap-3 border-b border-slate-200 bg-white px-3 py-2 dark:border-slate-800 dark:bg-slate-900">
        <h1 className="text-base font-bold tracking-tight">ZMQ Inspector</h1>
        <nav role="tablist" className="flex gap-1">
          {(['workbench', 'capture'] as Tab[]).map((t, i) => (
            <button
              key={t}
              role="tab"
              aria-selected={tab === t}
              title={`Alt+${i + 1}`}
              onClick={() => setTab(t)}
              className={`rounded-md px-3 py-1 text-sm font-medium ${tab === t ? 'bg-sky-600 text-white' : 'text-slate-600 hover:bg-slate-200 dark:text-slate-300 dark:hover:bg-slate-800'}`}
            >
              {t === 'workbench' ? 'Sockets' : 'Capture'}
            </button>
          ))}
        </nav>
        <span className="ml-auto text-xs text-slate-500">{client.mode === 'electron' ? 'desktop' : 'browser (zmtp serve)'}</span>
        <Button variant="ghost" aria-label="Toggle dark mode" onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}>
          {theme === 'dark' ? '☀ Light' : '☾ Dark'}
        </Button>
      </header>
      {!connected && (
        <div role="alert" data-testid="connection-lost" className="bg-red-600 px-3 py-1 text-sm text-white">
          Lost the connection to zmtp serve; reconnecting. If it stopped, start it again with the same settings directory: this page
          reconnects by itself.
        </div>
      )}
      <div className="min-h-0 flex-1">
        <div className={tab === 'workbench' ? 'h-full' : 'hidden'}>
          <Workbench client={client} />
        </div>
        <div className={tab === 'capture' ? 'h-full' : 'hidden'}>
          <CaptureView client={client} />
        </div>
      </div>
    </div>
  );
}
