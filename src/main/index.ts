// Electron main: one window, the host API over IPC, file dialogs. Kept thin: all logic is in core/host.
import { app, BrowserWindow, dialog, ipcMain, session, type IpcMainInvokeEvent } from 'electron';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Host } from '../../core/host/index.js';

const host = new Host();
let win: BrowserWindow | null = null;
const rendererUrl = pathToFileURL(join(__dirname, '../renderer/index.html')).href;

/** IPC is only answered for our own page, never for anything the window might have navigated to. */
function trusted(e: IpcMainInvokeEvent): boolean {
  return !!win && e.sender === win.webContents && (e.senderFrame?.url ?? '').startsWith(rendererUrl.split('?')[0]);
}

function createWindow(): void {
  win = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'ZMQ Inspector',
    webPreferences: {
      preload: join(__dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  win.webContents.on('will-navigate', (e) => e.preventDefault());
  win.on('closed', () => { win = null; });
  void win.loadURL(rendererUrl);
}

ipcMain.handle('host:request', (e, method: unknown, params: unknown) => {
  if (!trusted(e)) return { ok: false, error: { message: 'untrusted sender', code: 'EPERM' } };
  return host.reply(String(method), params);
});
host.onEvent((event) => win?.webContents.send('host:event', event));

ipcMain.handle('dialog:openCapture', async (e) => {
  if (!trusted(e) || !win) return null;
  const r = await dialog.showOpenDialog(win, {
    title: 'Open capture', properties: ['openFile'],
    filters: [{ name: 'Packet captures', extensions: ['pcap', 'pcapng', 'cap'] }, { name: 'All files', extensions: ['*'] }],
  });
  return r.canceled ? null : r.filePaths[0];
});
ipcMain.handle('dialog:save', async (e, o: { title?: unknown; defaultName?: unknown; extensions?: unknown }) => {
  if (!trusted(e) || !win) return null;
  const extensions = Array.isArray(o?.extensions) ? o.extensions.filter((x): x is string => typeof x === 'string') : [];
  const r = await dialog.showSaveDialog(win, {
    title: String(o?.title ?? 'Save'), defaultPath: String(o?.defaultName ?? ''),
    filters: extensions.length ? [{ name: extensions.join(', '), extensions }] : [],
  });
  return r.canceled ? null : r.filePath;
});
ipcMain.handle('file:saveText', async (e, defaultName: unknown, content: unknown) => {
  if (!trusted(e) || !win || typeof content !== 'string') return null;
  const r = await dialog.showSaveDialog(win, { title: 'Save workspace', defaultPath: String(defaultName ?? 'workspace.json'), filters: [{ name: 'Workspace', extensions: ['json'] }] });
  if (r.canceled || !r.filePath) return null;
  await writeFile(r.filePath, content, 'utf8');
  return r.filePath;
});
ipcMain.handle('file:openText', async (e) => {
  if (!trusted(e) || !win) return null;
  const r = await dialog.showOpenDialog(win, { title: 'Open workspace', properties: ['openFile'], filters: [{ name: 'Workspace', extensions: ['json'] }] });
  if (r.canceled || !r.filePaths[0]) return null;
  const path = r.filePaths[0];
  return { name: path, content: await readFile(path, 'utf8') };
});

app.whenReady().then(() => {
  // No remote content: deny every permission request and every request that is not our own files.
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  session.defaultSession.webRequest.onBeforeRequest((details, cb) => {
    cb({ cancel: !(details.url.startsWith('file://') || details.url.startsWith('devtools://')) });
  });
  createWindow();
});
app.on('window-all-closed', () => {
  void host.close().finally(() => app.quit());
});
