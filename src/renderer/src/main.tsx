import { createRoot } from 'react-dom/client';
import './index.css';
import { App } from './App.js';
import { createClient } from './client.js';
import { connectStore } from './store.js';

const client = createClient();
const root = createRoot(document.getElementById('root')!);
root.render(<App client={client} />);
connectStore(client).catch((err) => {
  root.render(
    <div role="alert" className="m-6 rounded-md border border-red-300 bg-red-50 p-4 text-red-800">
      Cannot reach the ZMQ Inspector back end: {err instanceof Error ? err.message : String(err)}
    </div>,
  );
});
