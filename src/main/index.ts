// Electron main: one window, the host API over IPC, file dialogs. Kept thin: all logic is in core/host.
import { app, BrowserWindow, dialog, ipcMain, session, type IpcMainInvokeEvent } from 'electron';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Host } from '../../core/host/index.js';

// Templates and other settings live with the app's other per-user data.
const host = new Host({ settingsDir: join(app.getPath('userData'), 'settings') });
let win: BrowserWindow | null = null;
// electron-vite dev serves the renderer over http; a build loads it from the file system.
const devUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
const rendererUrl = devUrl ?? pathToFileURL(join(__dirname, '../renderer/index.html')).href;

/** Paths the user chose in a dialog (or dropped): the only ones the page may open or write. */
const chosenPaths = new Set<string>();
const PATH_METHODS = new Set(['capture.openFile', 'capture.save', 'capture.export']);
function choose(path: string | undefined | null): string | null {
  if (!path) return null;
  chosenPaths.add(path);
  return path;
}

/** IPC is only answered for our own page, never for anything the window might have navigated to. */
function trusted(e: IpcMainInvokeEvent): boolean {
  return !!win && e.sender === win.webContents && (e.senderFrame?.url ?? '').startsWith(devUrl ? new URL(devUrl).origin : rendererUrl);
}

function createWindow(): void {
  win = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'ZMQ Inspector',
    // The window and taskbar icon (the page's favicon is the same picture, src/renderer/public/icon.svg).
    icon: join(__dirname, '../../resources/icon.png'),
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
  win.on('closed', () => {
    win = null;
  });
  void win.loadURL(rendererUrl);
}

ipcMain.handle('host:request', (e, method: unknown, params: unknown) => {
  if (!trusted(e)) return { ok: false, error: { message: 'untrusted sender', code: 'EPERM' } };
  const path = (params as { path?: unknown } | null)?.path;
  if (PATH_METHODS.has(String(method)) && !(typeof path === 'string' && chosenPaths.has(path))) {
    return {
      ok: false,
      error: { message: 'files are opened and saved through the file dialogs or by dropping them on the window', code: 'EPERM' },
    };
  }
  return host.reply(String(method), params);
});
ipcMain.handle('capture:openDropped', (e, path: unknown, name: unknown) => {
  if (!trusted(e) || typeof path !== 'string' || !path)
    return { ok: false, error: { message: 'drop a capture file from your file manager', code: 'EINVAL' } };
  return host.reply('capture.openFile', { path: choose(path), name: typeof name === 'string' ? name : undefined });
});
host.onEvent((event) => win?.webContents.send('host:event', event));

ipcMain.handle('dialog:openCapture', async (e) => {
  if (!trusted(e) || !win) return null;
  const r = await dialog.showOpenDialog(win, {
    title: 'Open capture',
    properties: ['openFile'],
    filters: [
      { name: 'Packet captures', extensions: ['pcap', 'pcapng', 'cap'] },
      { name: 'All files', extensions: ['*'] },
    ],
  });
  return r.canceled ? null : choose(r.filePaths[0]);
});
ipcMain.handle('dialog:save', async (e, o: { title?: unknown; defaultName?: unknown; extensions?: unknown }) => {
  if (!trusted(e) || !win) return null;
  const extensions = Array.isArray(o?.extensions) ? o.extensions.filter((x): x is string => typeof x === 'string') : [];
  const r = await dialog.showSaveDialog(win, {
    // The page's values are taken only as strings: String() would show an object as "[object Object]".
    title: typeof o?.title === 'string' ? o.title : 'Save',
    defaultPath: typeof o?.defaultName === 'string' ? o.defaultName : '',
    filters: extensions.length ? [{ name: extensions.join(', '), extensions }] : [],
  });
  return r.canceled ? null : choose(r.filePath);
});
ipcMain.handle('file:saveText', async (e, defaultName: unknown, content: unknown) => {
  if (!trusted(e) || !win || typeof content !== 'string') return null;
  const r = await dialog.showSaveDialog(win, {
    title: 'Save workspace',
    defaultPath: typeof defaultName === 'string' ? defaultName : 'workspace.json',
    filters: [{ name: 'Workspace', extensions: ['json'] }],
  });
  if (r.canceled || !r.filePath) return null;
  await writeFile(r.filePath, content, 'utf8');
  return r.filePath;
});
ipcMain.handle('file:openText', async (e) => {
  if (!trusted(e) || !win) return null;
  const r = await dialog.showOpenDialog(win, {
    title: 'Open workspace',
    properties: ['openFile'],
    filters: [{ name: 'Workspace', extensions: ['json'] }],
  });
  if (r.canceled || !r.filePaths[0]) return null;
  const path = r.filePaths[0];
  return { name: path, content: await readFile(path, 'utf8') };
});

app
  .whenReady()
  .then(() => {
    // No remote content: deny every permission request and every request that is not our own files.
    session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
    const devOrigin = devUrl ? new URL(devUrl).origin : undefined;
    session.defaultSession.webRequest.onBeforeRequest((details, cb) => {
      const url = details.url;
      const ok =
        url.startsWith('file://') ||
        url.startsWith('devtools://') ||
        (devOrigin !== undefined && (url.startsWith(devOrigin) || url.startsWith(devOrigin.replace(/^http/, 'ws'))));
      cb({ cancel: !ok });
    });
    createWindow();
  })
  .catch((err: unknown) => {
    // Without this the app would stay running with no window and the error only as an unhandled rejection.
    console.error('ZMQ Inspector could not start:', err);
    app.exit(1);
  });
app.on('window-all-closed', () => {
  void host.close().finally(() => app.quit());
});
