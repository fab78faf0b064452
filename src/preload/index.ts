// The only bridge between the sandboxed renderer and the main process: the host API (request +
// events) and the few file dialogs the UI needs. Nothing else of Node or Electron is exposed.
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';

contextBridge.exposeInMainWorld('zmqInspector', {
  request: (method: string, params: unknown) => ipcRenderer.invoke('host:request', method, params),
  onEvent: (listener: (event: unknown) => void) => {
    const handler = (_e: IpcRendererEvent, event: unknown) => listener(event);
    ipcRenderer.on('host:event', handler);
    return () => {
      ipcRenderer.removeListener('host:event', handler);
    };
  },
  /** Opens a dropped capture file in place. Takes a File (the page cannot forge its path), not a path. */
  openDroppedCapture: (file: File) => ipcRenderer.invoke('capture:openDropped', webUtils.getPathForFile(file), file.name),
  openCaptureDialog: () => ipcRenderer.invoke('dialog:openCapture'),
  saveDialog: (options: { title: string; defaultName: string; extensions: string[] }) => ipcRenderer.invoke('dialog:save', options),
  saveText: (defaultName: string, content: string) => ipcRenderer.invoke('file:saveText', defaultName, content),
  openText: () => ipcRenderer.invoke('file:openText'),
});
