import { createRoot } from 'react-dom/client';
import './index.css';

function App() {
  return <div className="p-4">ZMQ Inspector</div>;
}

createRoot(document.getElementById('root')!).render(<App />);
