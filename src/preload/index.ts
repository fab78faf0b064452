import { contextBridge } from 'electron';

contextBridge.exposeInMainWorld('zmqInspector', {});
